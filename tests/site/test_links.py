"""The course's public addresses come from one setting (corslab/site/links.py: REPOSITORY), and
the README uses exactly the lines derived from it - no placeholder left to fill by hand."""

from __future__ import annotations

import re

from corslab.course.execute import ROOT
from corslab.site import links


def test_readme_carries_the_binder_badge_and_the_site_link_from_the_one_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in links.readme_lines():
        assert line in readme, f"README.md lacks: {line} (python -m corslab site links prints it)"
    assert "OWNER/REPO" not in readme
    assert set(re.findall(r"mybinder\.org/v2/gh/([^/]+/[^/]+)/", readme)) == {links.REPOSITORY}


def test_the_site_workflow_builds_with_the_same_command_and_publishes_to_pages():
    workflow = (ROOT / ".github" / "workflows" / "site.yml").read_text(encoding="utf-8")
    assert "python -m corslab site build --out _site" in workflow
    assert "actions/deploy-pages" in workflow and "scripts/setup.sh --test" in workflow


def test_binder_urls_open_the_notebook_in_jupyterlab():
    url = links.binder_url("notebooks/ko/00-start-here.ipynb")
    assert url == (f"https://mybinder.org/v2/gh/{links.REPOSITORY}/HEAD"
                   "?urlpath=lab/tree/notebooks/ko/00-start-here.ipynb")
    assert links.local_lab_url("notebooks/03-preflight.ipynb") == \
        "http://localhost:8888/lab/tree/notebooks/03-preflight.ipynb"
