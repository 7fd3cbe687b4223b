"""YAML for config files that may come from anyone: safe tags only, and bounded.

Every emulator reads its product's YAML through :func:`load_all` (via
``corslab.emulate.proxy.read_config``). PyYAML's ``SafeLoader`` builds no Python objects from
tags, but it shares an aliased node instead of copying it, so a few lines of anchors and aliases
("billion laughs") describe a document with billions of nodes: cheap to parse, endless to walk.
Here the document's size *with every alias expanded* is counted on the node graph before any
Python object is built (each node counted once per reference, memoised, so the count itself is
cheap) and refused past :data:`MAX_NODES`; so are a text over :data:`MAX_BYTES`, an alias that
contains itself, and nesting too deep for the parser.
"""

from __future__ import annotations

from corslab.errors import CorsLabError

MAX_BYTES = 1024 * 1024  # characters of one config file
MAX_NODES = 100_000  # scalars, lists and mappings after alias expansion: far above any real config


def load_all(text: str, source: str) -> list:
    """Every document of ``text`` (None for an empty one), or a CorsLabError naming ``source``.

    Syntax errors are left as ``yaml.YAMLError`` for the caller, which knows how to word them.
    """
    import yaml

    if len(text) > MAX_BYTES:
        raise CorsLabError(f"{source}: the file is {len(text)} characters long; a config here "
                           f"may have at most {MAX_BYTES}")
    loader = yaml.SafeLoader(text)
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            _count(node, {}, set(), source)
            docs.append(loader.construct_document(node))
    except RecursionError:
        raise CorsLabError(f"{source}: the YAML is nested too deeply; flatten it") from None
    finally:
        loader.dispose()
    return docs


def _count(node, sizes: dict[int, int], open_nodes: set[int], source: str) -> int:
    """Nodes under ``node`` with aliases expanded (memoised per node); refuses past MAX_NODES."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise CorsLabError(f"{source}: line {node.start_mark.line + 1}: an alias refers to a node "
                           "that contains it (a recursive anchor); remove the alias")
    open_nodes.add(key)
    total = 1
    if isinstance(node.value, list):
        for item in node.value:
            for child in item if isinstance(item, tuple) else (item,):
                total += _count(child, sizes, open_nodes, source)
                if total > MAX_NODES:
                    raise CorsLabError(
                        f"{source}: with its aliases (*name) expanded the YAML has more than "
                        f"{MAX_NODES} values - an alias bomb, not a config; write it without "
                        "nested anchors")
    open_nodes.discard(key)
    sizes[key] = total
    return total
