"""nginx configs of the methods nginx serves: the templates, filled natively or for compose.

Each method's nginx config exists once, as ``nginx/<service>.conf``: a ``server`` block (plus the
``map`` blocks it needs) with ``${LISTEN}`` and ``${<NAME>_UPSTREAM}`` placeholders. Natively,
``render_site`` fills them with 127.0.0.1 addresses and ``render_main`` wraps the result in the
kit's main nginx.conf (``corslab.stack.nginxhost``: its own prefix, pid, temp and log files). In docker compose the official
nginx image fills the same template from the environment (its /etc/nginx/templates mechanism) and
includes it in its own nginx.conf.
"""

from __future__ import annotations

import re
from pathlib import Path

from corslab.stack import nginxhost, topology
from corslab.errors import CorsLabError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "nginx"
PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")

#: Found once for the whole kit (CORSLAB_NGINX, else the PATH): see corslab.stack.nginxhost.
nginx_binary = nginxhost.nginx_binary
#: The http-level settings shared by native runs and compose (see corslab.stack.nginxhost).
HTTP_SETTINGS = nginxhost.HTTP_SETTINGS


def template_path(name: str) -> Path:
    return TEMPLATES / f"{name}.conf"


#: The template of an HTTPS twin whose http service is not nginx: TLS in front of it.
TLS_PROXY = "tls-proxy"


def template_name(svc: topology.Service) -> str:
    """The template a service runs: its own (an HTTPS twin of an nginx method too: its file is
    generated from the method's, ``https_template``), or ``tls-proxy.conf`` for an HTTPS twin of
    a service that is not nginx."""
    if svc.twin_of and topology.SERVICES[svc.twin_of].kind != "nginx":
        return TLS_PROXY
    return svc.name


def https_template(svc: topology.Service, offset: int = 0) -> str:
    """``nginx/<twin>.conf`` for the HTTPS twin of an nginx method, made from the method's own
    template: the same config, every origin that has an HTTPS twin replaced by the twin's
    (``topology.https_text``), its server given the lab's certificate. With ``offset`` 0 it is the
    committed file (compose mounts it, a learner reads it; ``python -m corslab.stack.nginxconf
    SERVICE > nginx/SERVICE.conf`` rewrites it and a test checks that they agree); the runner and
    compose under a port offset render it for their ports."""
    source = topology.SERVICES[svc.twin_of].name
    header = (f"# GENERATED from nginx/{source}.conf by "
              f"`python -m corslab.stack.nginxconf {svc.name} > nginx/{svc.name}.conf`: the same\n"
              f"# config served over TLS by {svc.name} ({svc.origin}), each origin that has an HTTPS\n"
              "# twin replaced by the twin's. Edit the source, not this file.\n\n")
    text = topology.https_text(topology.shift_text(template_path(source).read_text(), offset), offset)
    listen = "    listen ${LISTEN};"
    if listen not in text:
        raise CorsLabError(f"nginx/{source}.conf has no `{listen.strip()}` line for the TLS lines")
    return header + text.replace(listen, listen + "\n" + TLS_LINES, 1)


def generated(svc: topology.Service) -> bool:
    """True for an HTTPS twin whose template is generated from an nginx method's (api-tls)."""
    return bool(svc.twin_of) and template_name(svc) == svc.name


#: What an HTTPS twin's server block says about its certificate (tls-proxy.conf says the same).
TLS_LINES = ("    ssl_certificate     ${TLS_CERT};                   # the lab's certificate, then its CA's\n"
             "    ssl_certificate_key ${TLS_KEY};                    # mode 0600, never leaves the machine")



def listen_value(svc: topology.Service, address: str) -> str:
    """``${LISTEN}``: the address, and ``ssl`` for an HTTPS twin."""
    return f"{address} ssl" if svc.twin_of else address


def upstream_variable(name: str) -> str:
    """``api`` -> ``API_UPSTREAM``; ``api-appcors`` -> ``API_APPCORS_UPSTREAM``."""
    return name.upper().replace("-", "_") + "_UPSTREAM"


def template_values(svc: topology.Service, *, listen: str, upstream_host, tls_files=None) -> dict[str, str]:
    """The placeholder values for one service. ``upstream_host(svc)`` says how to reach a
    backend: 127.0.0.1 natively, the compose service name in containers; an HTTPS twin's
    certificate is in ``tls_files`` (``corslab.stack.tls.Files``)."""
    values = {"LISTEN": listen}
    if svc.twin_of:
        values.update(TLS_CERT=str(tls_files.cert), TLS_KEY=str(tls_files.key))
    for name in svc.upstreams:
        backend = topology.SERVICES[name]
        values[upstream_variable(name)] = f"{upstream_host(backend)}:{backend.port}"
    if svc.upstreams:  # the generic name tls-proxy.conf uses
        values.setdefault("UPSTREAM", values[upstream_variable(svc.upstreams[0])])
    return values


def fill(text: str, values: dict[str, str], source: str = "template") -> str:
    """Replace ``${NAME}`` placeholders like the nginx image's envsubst, but refuse to leave
    any unfilled (an unfilled placeholder would be an nginx syntax error far from its cause)."""
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise CorsLabError(f"{source}: no value for {', '.join('${' + m + '}' for m in missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render_template(name: str, values: dict[str, str]) -> str:
    """``nginx/<name>.conf`` filled with ``values``; under a port offset the lab origins the
    template names are shifted (``topology.shift_text``), so its allowlist matches the stack."""
    path = template_path(name)
    return fill(topology.shift_text(path.read_text()), values, source=str(path))


def render_site(svc: topology.Service, tls_files=None) -> str:
    """The service's server block for a native run: listens and proxies on loopback. An HTTPS
    twin gets the lab's certificate (``tls_files``, ``corslab.stack.tls.Files``; by default the
    runtime folder's, made now if missing)."""
    if svc.twin_of and tls_files is None:
        from corslab.stack import tls

        tls_files = tls.ensure()
    values = template_values(svc, listen=listen_value(svc, f"{topology.BIND_HOST}:{svc.port}"),
                             upstream_host=lambda backend: "127.0.0.1", tls_files=tls_files)
    if generated(svc):  # rendered for this stack's ports (the committed file names the defaults)
        return fill(https_template(svc, topology.PORT_OFFSET), values, source=str(template_path(svc.name)))
    return render_template(template_name(svc), values)


def render_main(site_conf: Path, prefix: Path, *, run_as_root: bool | None = None) -> str:
    """A complete nginx.conf for one native instance under ``prefix`` that includes ``site_conf``
    (the kit's main config: ``corslab.stack.nginxhost.render_main``)."""
    return nginxhost.render_main(f"include {site_conf};", prefix, as_root=run_as_root,
                                 title=f"the method's own config is {site_conf.name}")


def main(argv: list[str] | None = None) -> int:
    """``python -m corslab.stack.nginxconf SERVICE``: print the generated template of an HTTPS
    twin of an nginx method (``https_template``)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    twins = [s.name for s in topology.tls_services() if generated(s)]
    if len(args) != 1 or args[0] not in twins:
        print(f"usage: python -m corslab.stack.nginxconf {{{','.join(twins)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(https_template(topology.SERVICES[args[0]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
