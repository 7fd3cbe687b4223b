"""What ``lab check`` tells the learner: a refused attack reads as a pass, a failure points at the
line that decides it (for an nginx allowlist, the ``map`` entry that admits the attacker's origin -
ngx_http_map_module's matching order - not the ``add_header`` that only sends the map's value),
and the report names the file to edit. Judged in Chromium."""

from __future__ import annotations

from corslab.labs import catalog
from corslab.labs.checker import check_lab

LOOSE_MAP = [("server {", 'map $http_origin $cors_origin {\n    default "";\n'
                          '    "~^http://[a-z]+\\.example\\.test$" $http_origin;\n}\n\nserver {'),
             ("$http_origin always", "$cors_origin always")]


def test_a_refused_attack_reads_as_a_pass(chromium):
    lab = catalog.find("09-reflect-origin-exploit")
    text = check_lab(lab, lab.solution, browser=chromium).text()
    attack = next(line for line in text.splitlines() if "ATTACK" in line)
    assert attack.startswith("  PASS  ATTACK BLOCKED: "), text
    detail = text.splitlines()[text.splitlines().index(attack) + 1]
    assert "the attack is now blocked (Chromium: No 'Access-Control-Allow-Origin' header" in detail, text
    assert "fetch() failed" not in detail


def test_an_admitted_attacker_points_at_the_map_entry_that_admits_it(chromium, edition):
    lab = catalog.find("09-reflect-origin-exploit")
    report = check_lab(lab, edition(lab, LOOSE_MAP), browser=chromium)
    (attack,) = [r for r in report.results if r.check.name.startswith("ATTACK")]
    assert not attack.passed
    assert '"~^http://[a-z]+\\.example\\.test$" $http_origin;' in attack.look, report.text()
    assert "this entry lets http://forum.example.test in" in attack.look
    assert "add_header" not in attack.look
    assert "  FAIL  ATTACK WORKS: " in report.text()


def test_the_report_names_the_file_to_edit(chromium, edition, tmp_path):
    """As the learner finds it from the repository root: labs/NAME/FILE."""
    handed_out = catalog.find("02-wildcard-credentials")
    folder = tmp_path / "labs" / handed_out.name
    folder.mkdir(parents=True)
    (folder / "lab.toml").write_text((handed_out.folder / "lab.toml").read_text())
    (folder / "cors.conf").write_text((edition(handed_out) / "cors.conf").read_text())
    lab = catalog.load(folder)
    text = check_lab(lab, lab.folder, browser=chromium).text()
    assert text.splitlines()[-1] == ("edit labs/02-wildcard-credentials/cors.conf, then run "
                                     "`python -m corslab lab check 02-wildcard-credentials` again"), text
