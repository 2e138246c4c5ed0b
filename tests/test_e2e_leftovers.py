"""A build killed with SIGKILL leaves scratch and temporary files; the next command removes them.

rattler-build tests a package in ``$TMPDIR/.tmp*`` folders and the build works
in ``.dsprod/work/build-*``; neither can be removed by a process that is killed.
The next ``dsprod`` command removes both, because their names say which process
owned them and that process is gone; then it builds, and leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.projects import git, make_repo

pytestmark = pytest.mark.e2e


def test_what_a_killed_build_left_is_removed_by_the_next_command(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    store = tmp_path / "store"
    project = make_repo(tmp_path / "hello", "python-hello", store)
    git(project, "tag", "1.0")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DSPROD_STORE")}
    environment["TMPDIR"] = str(temporary)
    command = [sys.executable, "-m", "dsprod", "build", "--project", str(project), "--json"]
    work = project / ".dsprod" / "work"

    build = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(temporary.glob("dsprod-*/.tmp*")):  # rattler-build is testing the package
        assert build.poll() is None, "the build ended before it could be killed while testing"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    build.kill()
    assert build.wait() == -signal.SIGKILL
    [left_tmp] = temporary.glob("dsprod-*")
    [left_build] = work.glob("build-*")
    assert list(left_tmp.glob(".tmp*")) and any(left_build.iterdir())

    again = subprocess.run(command, env=environment, capture_output=True, text=True)

    assert again.returncode == 0, again.stderr
    assert not left_tmp.exists() and not left_build.exists()
    assert list(temporary.iterdir()) == []  # the command's own temporary folder went too
    assert not list(work.glob("build-*")) and not list(work.glob("test-*"))
    assert not list(store.glob("channels/**/.*")) and not list(store.glob(".staging/*"))
