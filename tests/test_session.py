"""Scratch folders of killed runs (real SIGKILL) are removed by the next run; live ones never."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod.config import load_settings
from dsprod.pipeline.session import SCRATCH_NAME, Session

pytestmark = pytest.mark.selftest

REPO = Path(__file__).resolve().parent.parent

KILLED_IN_A_BUILD = """
import os, signal, sys
from pathlib import Path
from dsprod.config import load_settings
from dsprod.pipeline.session import Session

project = Path(sys.argv[1])
session = Session(project, load_settings(project, environ={}), print)
with session.scratch("build") as folder:
    (folder / "package.conda").write_bytes(b"x" * 1000)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def session_of(project: Path) -> Session:
    return Session(project, load_settings(project, environ={}), lambda _: None)


def killed_in_a_build(project: Path) -> Path:
    """The scratch folder a build killed with SIGKILL left behind."""
    before = set(project.glob(".dsprod/work/build-*"))
    child = subprocess.run([sys.executable, "-c", KILLED_IN_A_BUILD, str(project)], cwd=REPO)
    assert child.returncode == -signal.SIGKILL
    [left] = set(project.glob(".dsprod/work/build-*")) - before
    return left


def test_the_next_run_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    left = killed_in_a_build(tmp_path)
    assert (left / "package.conda").is_file()
    session = session_of(tmp_path)
    assert session.work_dir == left.parent  # first use sweeps
    assert not left.exists()
    with session.scratch("test") as folder:
        assert folder.parent == session.work_dir
    assert not folder.exists()


def test_folders_of_live_processes_and_unknown_folders_are_kept(tmp_path: Path) -> None:
    work = tmp_path / ".dsprod" / "work"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with session_of(tmp_path).scratch("probe") as probe:
            host = SCRATCH_NAME.match(probe.name)["host"]
        kept = [
            work / f"build-{sleeper.pid}@{host}-abcdefgh",  # another live process
            work / f"test-{os.getpid()}@{host}-abcdefgh",  # this one
            work / "build-4242@0123abcd-abcdefgh",  # another host: its pids are not ours to judge
            work / "build-8q1xvz2m",  # an older version's: no owner to check
            work / f"other-4242@{host}-abcdefgh",  # not a kind of scratch folder stages make
            work / "recipe",
        ]
        for folder in kept:
            folder.mkdir(parents=True, exist_ok=True)
        session_of(tmp_path).work_dir  # noqa: B018  # first use sweeps
        assert all(folder.is_dir() for folder in kept)
    finally:
        sleeper.kill()
        sleeper.wait()
    session_of(tmp_path).work_dir  # noqa: B018
    assert not kept[0].exists() and all(folder.is_dir() for folder in kept[1:])
