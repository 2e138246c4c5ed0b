"""Publish and promote killed (real SIGKILL) at every step, then re-run: nothing is lost or wedged.

A child process runs one store operation with ``tests.crashing`` and kills
itself just before its n-th disk change, for every n the operation has (and,
for each write, once more after writing half of it). The re-run, in this
process with the production code untouched, must complete, and leave index,
files and log consistent: every file in a channel indexed with its own sha256,
no staging left anywhere, no intent pending, every copy logged exactly once.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod import promote as promotion
from dsprod.artifact import read_artifact, sha256_of
from dsprod.config import load_settings
from dsprod.store import lookup
from dsprod.store.local import LocalStore
from tests import crashing
from tests.packages import build_package, test_report, write_package
from tests.store_checks import assert_consistent, assert_readable

# 106 processes killed and as many re-runs (about 15 s); tests/test_store_local.py and
# tests/test_promote_store.py hold fast checks of the same mechanisms.
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.crashing"])


def run_child(store: Path, kill_at: int, *operation: str, tear: bool = False) -> int:
    """Run ``tests.crashing`` in a child; returns its exit code (-9 when it killed itself).

    Children fork from a forkserver that imported the store (and no thread was
    running there), which costs milliseconds where a fresh interpreter costs a second.
    """
    argv = [str(store), str(kill_at), *(["--tear"] if tear else []), *operation]
    child = FORKS.Process(target=crashing.main, args=(argv,))
    child.start()
    child.join(timeout=120)
    assert child.exitcode in (0, -signal.SIGKILL), f"{argv}: exit code {child.exitcode}"
    return child.exitcode


def boundaries(template: Path, *operation: str) -> list[tuple[int, bool]]:
    """Every (step, tear) to kill at: before each step, and halfway through each write.

    The steps are learnt by running the operation once, without a kill, on a copy.
    """
    probe = template.parent / "probe"
    shutil.copytree(template, probe)
    command = [sys.executable, "-m", "tests.crashing", str(probe), "0", *operation]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    steps = result.stdout.split()
    before = [(n, False) for n in range(1, len(steps) + 1)]
    return before + [(n, True) for n, name in enumerate(steps, 1) if name == "write"]


@pytest.fixture
def packages(tmp_path: Path) -> tuple[Path, Path]:
    """Two builds of one commit with other bytes (builds are not byte-reproducible)."""
    final = {"pep440_version": "1.0"}
    first = build_package(tmp_path / "a", "alpha", "1.0", content="first build", extra=final)
    second = build_package(tmp_path / "b", "alpha", "1.0", content="second build", extra=final)
    return first, second


def test_a_killed_publish_never_wedges_the_rerun_of_its_commit(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    first, second = packages
    template = tmp_path / "template"
    template.mkdir()
    kills = 0
    for step, tear in boundaries(template, "publish", str(first), "unstable"):
        root = tmp_path / f"store-{step}-{tear}"
        shutil.copytree(template, root)
        code = run_child(root, step, "publish", str(first), "unstable", tear=tear)
        kills += code == -signal.SIGKILL
        assert not list(root.glob("channels/**/.*")), "a killed writer left staging in a channel"
        # The re-run of the commit, as `dsprod build` does it: reuse this commit's
        # build if unstable holds it, else build again (other bytes) and publish.
        store = LocalStore(root)
        reused = asyncio.run(lookup.build_in(store, "unstable", "alpha", "1.0", "g0"))
        if reused is None:
            rebuilt = read_artifact(second)
            asyncio.run(store.publish(rebuilt, "unstable"))
            reused = asyncio.run(lookup.listed(store, "unstable", rebuilt))
        [listed] = asyncio.run(store.packages("unstable"))
        assert listed == reused
        assert listed.sha256 in (sha256_of(first), sha256_of(second))
        assert_consistent(store)
    assert kills >= 30  # before each of its 24 steps, and halfway through its 6 writes


def test_a_publish_killed_in_a_channel_that_holds_packages_is_completed_by_the_next_publish(
    tmp_path: Path,
) -> None:
    """The incremental index: killed at any step, the channel stays readable, nothing is lost.

    The next publish, of another package, indexes what the killed one linked in.
    """
    template = LocalStore(tmp_path / "template")
    held = [write_package(tmp_path / "pkgs", f"lst-held{n}", "1.0") for n in range(2)]
    for package in held:
        asyncio.run(template.publish(read_artifact(package), "unstable"))
    killed = write_package(tmp_path / "pkgs", "lst-killed", "1.0")
    following = read_artifact(write_package(tmp_path / "pkgs", "lst-next", "1.0"))
    points = boundaries(template.root, "publish", str(killed), "unstable")
    kills = 0
    for step, tear in points:
        root = tmp_path / f"store-{step}-{tear}"
        shutil.copytree(template.root, root)
        kills += run_child(root, step, "publish", str(killed), "unstable", tear=tear) < 0
        live = root / "channels" / "unstable" / "noarch"
        assert_readable(live)
        store = LocalStore(root)
        asyncio.run(store.publish(following, "unstable"))
        listed = json.loads((live / "repodata.json").read_text())["packages.conda"]
        linked = [killed.name] if (live / killed.name).exists() else []
        assert set(listed) == {*(p.name for p in held), *linked, following.filename}
        assert_consistent(store)
    assert kills == len(points) >= 12  # before its 10 steps, and halfway through its 2 writes


def test_a_killed_promotion_is_finished_and_logged_exactly_once(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    first, _ = packages
    template = LocalStore(tmp_path / "template")
    asyncio.run(template.publish(read_artifact(first), "unstable"))
    [package] = asyncio.run(template.packages("unstable"))
    template.ledger.save_report(test_report(package), None)
    operation = ("promote", "unstable", package.filename)
    kills = 0
    for step, tear in boundaries(template.root, *operation):
        root = tmp_path / f"store-{step}-{tear}"
        shutil.copytree(template.root, root)
        code = run_child(root, step, *operation, tear=tear)
        kills += code == -signal.SIGKILL
        assert not list(root.glob("channels/**/.*")), "a killed writer left staging in a channel"
        store = LocalStore(root)
        settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(root)})
        asyncio.run(promotion.promote(store, settings, package))  # the re-run completes
        assert [p.sha256 for p in asyncio.run(store.packages("stable"))] == [package.sha256]
        log = store.ledger.read_log()
        assert [(e.source, e.target, e.sha256) for e in log] == [
            ("unstable", "testing", package.sha256),
            ("testing", "stable", package.sha256),
        ], f"step {step}, tear {tear}"
        assert_consistent(store)
        # the next append starts on a line of its own, whatever the crash left
        store.ledger.append_log(log[0])
        assert store.ledger.read_log() == [*log, log[0]]
    assert kills >= 76  # before each of its 60 steps, and halfway through its 16 writes


def test_a_killed_yank_leaves_both_channels_valid_and_is_completed_and_logged_once(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    """Killed at every step of a yank: stable lists the file with its bytes or neither, the bytes
    are in one of the channels at least, and the re-run (or the next lookup) completes it."""
    first, _ = packages
    template = LocalStore(tmp_path / "template")
    asyncio.run(template.publish(read_artifact(first), "unstable"))
    [package] = asyncio.run(template.packages("unstable"))
    template.ledger.save_report(test_report(package), None)
    settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(template.root)})
    asyncio.run(promotion.promote(template, settings, package, "stable"))
    operation = ("yank", "stable", package.filename, "adm: a crash test")
    points = boundaries(template.root, *operation)
    kills = 0
    for step, tear in points:
        root = tmp_path / f"store-{step}-{tear}"
        shutil.copytree(template.root, root)
        kills += run_child(root, step, *operation, tear=tear) < 0
        for channel in ("stable", "broken"):
            if (root / "channels" / channel / "noarch" / "repodata.json").exists():
                assert_readable(root / "channels" / channel / "noarch")
        held = [
            sha256_of(live / package.filename)
            for live in (
                root / "channels" / "stable" / "noarch",
                root / "channels" / "broken" / "noarch",
            )
            if (live / package.filename).exists()
        ]
        assert package.sha256 in held, "the bytes left stable before they reached broken"
        store = LocalStore(root)
        settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(root)})
        asyncio.run(promotion.finish_interrupted(store))  # what `dsprod yank` does first
        stable = asyncio.run(store.packages("stable"))
        if stable:  # the re-run
            asyncio.run(promotion.yank(store, settings, stable[0], "stable", "adm: re-run"))
        assert asyncio.run(store.packages("stable")) == []
        assert [p.sha256 for p in asyncio.run(store.packages("broken"))] == [package.sha256]
        yanks = [e for e in store.ledger.read_log() if e.action == "yank"]
        assert len(yanks) == 1, f"step {step}, tear {tear}: {yanks}"
        assert_consistent(store)
    assert kills == len(points) >= 40  # before each of its steps, and halfway through writes
