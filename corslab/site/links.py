"""Where the course lives on the web, from ONE setting: ``REPOSITORY``.

The Binder badge, the published site (GitHub Pages), the "open in JupyterLab" links of every site
page and the links to files that are not pages all derive from it. Forking the course? Change
``REPOSITORY`` here; ``python -m corslab site links`` prints the README lines to paste, and
tests/site checks that the README uses them.
"""

from __future__ import annotations

from urllib.parse import quote

REPOSITORY = "corslab/cors-lab"  # owner/name on GitHub: the one setting
BRANCH = "main"
LOCAL_JUPYTERLAB = "http://localhost:8888"  # scripts/lab.sh's JupyterLab (its default port)


def owner_and_name() -> tuple[str, str]:
    owner, name = REPOSITORY.split("/")
    return owner, name


def repository_url() -> str:
    return f"https://github.com/{REPOSITORY}"


def source_url(path: str) -> str:
    """A file or folder of the repository on GitHub (``path`` relative to the root)."""
    kind = "tree" if path.endswith("/") or "." not in path.rsplit("/", 1)[-1] else "blob"
    return f"{repository_url()}/{kind}/{BRANCH}/{quote(path.rstrip('/'))}"


def site_url() -> str:
    """The published site (GitHub Pages of the repository, .github/workflows/site.yml)."""
    owner, name = owner_and_name()
    return f"https://{owner.lower()}.github.io/{name}/"


def binder_url(notebook: str = "notebooks/00-start-here.ipynb") -> str:
    """Binder opens ``notebook`` in JupyterLab, in a server built from binder/ with its own stack."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath={quote('lab/tree/' + notebook, safe='/')}"


def local_lab_url(notebook: str) -> str:
    """The same notebook in the JupyterLab that scripts/lab.sh starts on this machine."""
    return f"{LOCAL_JUPYTERLAB}/lab/tree/{quote(notebook)}"


def readme_lines() -> list[str]:
    """The README's Binder badge and site link, as tests/site expects them."""
    return [
        f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder_url()})",
        f"[The course as a website]({site_url()}) ([한국어]({site_url()}ko/))",
    ]
