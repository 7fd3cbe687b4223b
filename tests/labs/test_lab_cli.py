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


def test_every_lab_folder_has_story_one_handout_and_a_solution():
    """One copy of each handout: the learner's file as committed in git; no second copy kept."""
    for lab in catalog.all_labs():
        readme = (lab.folder / "README.md").read_text()
        assert f"notebook {lab.notebook}" in readme and "## Hints" in readme and "## Done when" in readme
        assert not (lab.folder / ".handout").exists(), f"{lab.name} keeps a second copy of its handout"
        for name in lab.files:
            assert files.handed_out(lab, name) != (lab.solution / name).read_bytes()


@pytest.mark.parametrize("args, message", [
    (("lab", "check", "99-nothing"), "there is no lab '99-nothing'"),
    (("lab", "start", "../labs"), "there is no lab '../labs'"),
])
def test_bad_input_is_one_line(args, message):
    done = corslab(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr


def committed_lab(name: str, tmp_path: Path):
    """A kit of one lab in a git repository of its own (as a clone has it)."""
    repo = tmp_path / "kit"
    _copy_lab(name, repo / "labs")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.test"]
    for args in (["init", "-q"], ["add", "labs"], ["commit", "-qm", "the kit"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return catalog.load(repo / "labs" / name)


def test_reset_restores_the_committed_file_and_keeps_every_attempt(tmp_path):
    lab = committed_lab("02-wildcard-credentials", tmp_path)
    mine = lab.folder / "cors.conf"
    handed = mine.read_bytes()
    backups = []
    for attempt in ("first attempt\n", "second attempt\n", "third attempt\n"):  # the same second
        mine.write_text(attempt)
        backups.append(files.reset(lab))
        assert mine.read_bytes() == handed
    assert len(set(backups)) == 3, backups
    assert [(b / "cors.conf").read_text() for b in backups] == ["first attempt\n", "second attempt\n",
                                                                "third attempt\n"]
    assert files.reset(lab) is None  # nothing changed: nothing to back up


def test_reset_never_writes_through_a_link_out_of_the_lab(tmp_path):
    lab = committed_lab("02-wildcard-credentials", tmp_path)
    outside = tmp_path / "precious.txt"
    outside.write_text("not the lab's\n")
    mine = lab.folder / "cors.conf"
    handed = mine.read_bytes()
    mine.unlink()
    mine.symlink_to(outside)
    backup = files.reset(lab)
    assert outside.read_text() == "not the lab's\n"
    assert not mine.is_symlink() and mine.read_bytes() == handed
    assert (backup / "cors.conf").is_symlink()  # the attempt, kept as it was


def test_reset_refuses_an_attempts_folder_that_links_elsewhere(tmp_path):
    lab = committed_lab("02-wildcard-credentials", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (lab.folder / ".attempts").symlink_to(elsewhere)
    (lab.folder / "cors.conf").write_text("my attempt\n")
    with pytest.raises(CorsLabError, match=r"\.attempts is not a folder .*nothing was changed"):
        files.reset(lab)
    assert (lab.folder / "cors.conf").read_text() == "my attempt\n" and not any(elsewhere.iterdir())


def test_reset_moves_a_folder_where_the_file_should_be_and_restores_the_file(tmp_path):
    lab = committed_lab("02-wildcard-credentials", tmp_path)
    mine = lab.folder / "cors.conf"
    handed = mine.read_bytes()
    mine.unlink()
    (mine / "notes").mkdir(parents=True)
    backup = files.reset(lab)
    assert mine.read_bytes() == handed and (backup / "cors.conf" / "notes").is_dir()


def test_reset_outside_a_git_checkout_changes_nothing_and_says_so(tmp_path):
    lab = catalog.load(_copy_lab("02-wildcard-credentials", tmp_path))
    (lab.folder / "cors.conf").write_text("my attempt\n")
    with pytest.raises(CorsLabError, match="not a git checkout: nothing was changed; download "
                                           "labs/02-wildcard-credentials/cors.conf again"):
        files.reset(lab)
    assert (lab.folder / "cors.conf").read_text() == "my attempt\n"


def test_reset_without_git_installed_is_one_line(tmp_path):
    bin_dir = tmp_path / "bin"  # a PATH without git
    bin_dir.mkdir()
    done = corslab("lab", "reset", "02-wildcard-credentials", env={"PATH": str(bin_dir)})
    assert done.returncode == 2 and done.stdout == "", done
    assert done.stderr.count("\n") == 1 and "git is not installed: nothing was changed" in done.stderr


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
