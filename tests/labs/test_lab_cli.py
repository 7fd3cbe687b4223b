"""``python -m corslab lab``: the list, bad input in one line, reset with a backup, the lab
ports apart from the stack's."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from corslab.stack import topology
from corslab.errors import CorsLabError
from corslab.labs import catalog, components, files, hosts

ROOT = Path(__file__).resolve().parents[2]


def corslab(*args, env=None):
    return subprocess.run([sys.executable, "-m", "corslab", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=env)


def test_list_json_names_every_lab_folder_with_title_method_minutes():
    done = corslab("lab", "list", "--json")
    assert done.returncode == 0, done.stderr
    labs = json.loads(done.stdout)
    folders = sorted(p.name for p in (ROOT / "labs").iterdir() if (p / "lab.toml").is_file())
    assert [lab["name"] for lab in labs] == folders and len(labs) >= 12
    for lab in labs:
        assert set(lab) == {"name", "title", "method", "minutes"}
        assert isinstance(lab["minutes"], int) and lab["title"] and lab["method"]


def test_every_lab_folder_has_story_handout_and_solution_apart():
    for lab in catalog.all_labs():
        readme = (lab.folder / "README.md").read_text()
        assert f"notebook {lab.notebook}" in readme and "## Hints" in readme and "## Done when" in readme
        for name in lab.files:
            handed, solution = lab.handout / name, lab.solution / name
            assert (lab.folder / name).read_text() == handed.read_text(), f"{lab.name}/{name} was edited"
            assert solution.read_text() != handed.read_text()


@pytest.mark.parametrize("args, message", [
    (("lab", "check", "99-nothing"), "there is no lab '99-nothing'"),
    (("lab", "start", "../labs"), "there is no lab '../labs'"),
])
def test_bad_input_is_one_line(args, message):
    done = corslab(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr


def test_reset_restores_the_handout_and_keeps_the_attempt(tmp_path):
    lab = catalog.load(_copy_lab("02-wildcard-credentials", tmp_path))
    (lab.folder / "cors.conf").write_text("my attempt\n")
    backup = files.reset(lab)
    assert (lab.folder / "cors.conf").read_text() == (lab.handout / "cors.conf").read_text()
    assert (backup / "cors.conf").read_text() == "my attempt\n"
    assert files.reset(lab) is None  # nothing changed: nothing to back up


def test_a_config_nginx_refuses_is_one_line_naming_the_file_and_line(tmp_path):
    """nginx -t's own message, pointed at the learner's file (line numbers are the file's)."""
    lab = catalog.load(_copy_lab("02-wildcard-credentials", tmp_path))
    conf = lab.folder / "cors.conf"
    conf.write_text(conf.read_text().replace("add_header Access-Control-Allow-Origin      * always;",
                                             "add_header Access-Control-Allow-Origin;", 1))
    with pytest.raises(CorsLabError) as err:
        with components.running(lab, lab.folder):
            pass
    assert str(err.value) == ('nginx refuses cors.conf:10: invalid number of arguments in "add_header" '
                              "directive (nginx -t)")


def test_a_port_taken_is_one_line_naming_the_port():
    backend_port, port = hosts.ports("check")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        with pytest.raises(CorsLabError, match=f"port {port} \\(nginx\\) is held by"):
            with components.running(catalog.find("02-wildcard-credentials"), catalog.find("02-wildcard-credentials").handout):
                pass


def test_lab_ports_are_never_the_stacks_and_follow_the_offset():
    lab_ports = set(hosts.ports("start") + hosts.ports("check"))
    assert not lab_ports & set(topology.all_ports())
    # Under CORSLAB_PORT_OFFSET the lab range moves with the stack's ports (topology applies it).
    code = ("from corslab.stack import topology; from corslab.labs import hosts; "
            "print(min(topology.all_ports()), *hosts.ports('check'))")
    shifted = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                             env={"CORSLAB_PORT_OFFSET": "100", "PATH": "/usr/bin:/bin"})
    assert shifted.returncode == 0, shifted.stderr
    lowest, backend_port, port = map(int, shifted.stdout.split())
    assert backend_port == lowest + hosts.LAB_SHIFT + hosts.BLOCK and port == backend_port + 1


def test_lab_verb_answers_help_quickly():
    done = corslab("lab", "--help")
    assert done.returncode == 0 and "check" in done.stdout


def _copy_lab(name: str, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / name
    shutil.copytree(catalog.ROOT / name, target)
    return target


def test_each_method_notebook_finds_its_labs():
    """The course's hook: notebook 13 (security) and the method notebooks list their labs."""
    by_notebook = {n: {lab.name for lab in catalog.for_notebook(n)} for n in ("05", "07", "08", "09", "10", "13", "14")}
    assert all(by_notebook.values()), by_notebook
    assert {"09-reflect-origin-exploit", "10-null-origin-exploit"} <= by_notebook["13"]
    assert sum(map(len, by_notebook.values())) == len(catalog.all_labs())
