"""Eight lanes publish and promote on one local store at once; no process may die, nothing be lost.

A promote once died with SIGABRT in such a crowd: an interpreter finalizing
while a py-rattler thread was still handing back a result (``dsprod.cli.entry``).
Each lane (``tests.store_rounds``) builds with rattler-build, publishes, promotes
a package all lanes promote at once, and has the real ``dsprod promote`` command
promote its own package, in a fresh process per round: fifty of them, each
ending just after its last index call, where the abort struck. A process ending
on any signal, or any error, fails the test; so does a store left inconsistent,
or a log that misses a copy or holds one twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact
from dsprod.store import lookup
from dsprod.store.local import LocalStore
from tests.packages import build_package, test_report
from tests.store_checks import assert_consistent

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
PROCESSES = 8
ROUNDS = 50
"""Rounds in all, spread over the lanes (each: a build, a publish, two promotes, one command)."""


def test_concurrent_publishes_and_promotes_never_crash_nor_lose_anything(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    shared = read_artifact(
        build_package(tmp_path, "shared", "1.0", extra={"pep440_version": "1.0"})
    )
    asyncio.run(store.publish(shared, "unstable"))
    store.ledger.save_report(
        test_report(asyncio.run(lookup.listed(store, "unstable", shared))), None
    )
    environment = {**os.environ, "PYTHONFAULTHANDLER": "1"}  # a crash shows its threads' stacks
    started = time.monotonic()
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.store_rounds",
                str(store.root),
                str(tmp_path / f"work-{worker}"),
                str(worker),
                str(ROUNDS // PROCESSES + (worker < ROUNDS % PROCESSES)),
                shared.filename,
            ],
            cwd=REPO,
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    failures = []
    for child in children:
        _, stderr = child.communicate(timeout=600)
        if child.returncode < 0:
            failures.append(f"killed by {signal.Signals(-child.returncode).name}:\n{stderr}")
        elif child.returncode != 0:
            failures.append(f"exit code {child.returncode}:\n{stderr}")
    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures)

    assert_consistent(store)
    names = {p.name for p in asyncio.run(store.packages("stable"))}
    assert len(names) == ROUNDS + 1
    copies = Counter((e.sha256, e.target) for e in store.ledger.read_log())
    assert set(copies.values()) == {1}, "a copy logged twice"
    assert len(copies) == 2 * (ROUNDS + 1), "a copy not logged"
    print(f"{PROCESSES} lanes, {ROUNDS} rounds: {elapsed:.1f} s")
