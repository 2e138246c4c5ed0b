"""One lane of the store stress test: build, publish and promote packages, round after round.

    python -m tests.store_rounds STORE WORK LANE ROUNDS SHARED

Each round builds a package with rattler-build in this process (so its threads
run from then on, as in ``dsprod run``), publishes it to unstable, keeps a
passing report, promotes the package ``SHARED`` in this process (every other
lane promotes it at the same time), and promotes its own package with the
real command, ``python -m dsprod promote``, in a child process. A child that
ends on a signal or an error is reported on stderr, and the lane exits 1.

The lane leaves through ``os._exit``, as the command does (``dsprod.cli.entry``
says why): its own exit is not what is under test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from dsprod import promote as promotion
from dsprod.artifact import Artifact, read_artifact
from dsprod.config import Settings, load_settings
from dsprod.store import lookup
from dsprod.store.local import LocalStore
from tests.packages import build_package, test_report


def main(root: Path, work: Path, lane: str, rounds: int, shared: str) -> int:
    store = LocalStore(root)
    settings = load_settings(work, environ={"DSPROD_STORE": str(root)})
    environment = {**os.environ, "DSPROD_STORE": str(root)}
    failures = 0
    for number in range(rounds):
        name = f"lane{lane}round{number}"
        built = build_package(work / name, name, "1.0", extra={"pep440_version": "1.0"})
        artifact = read_artifact(built)
        asyncio.run(one_round(store, settings, artifact, shared))
        command = [sys.executable, "-m", "dsprod", "promote", artifact.filename]
        child = subprocess.run(
            [*command, "--project", str(work), "--json"],
            env=environment,
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            failures += 1
            how = (
                f"killed by {signal.Signals(-child.returncode).name}"
                if child.returncode < 0
                else f"exit code {child.returncode}"
            )
            print(f"dsprod promote {artifact.filename}: {how}\n{child.stderr}", file=sys.stderr)
    return 1 if failures else 0


async def one_round(store: LocalStore, settings: Settings, artifact: Artifact, shared: str) -> None:
    await store.publish(artifact, "unstable")
    package = await lookup.listed(store, "unstable", artifact)
    store.ledger.save_report(test_report(package), None)
    [common] = [p for p in await store.packages("unstable") if p.filename == shared]
    await promotion.promote(store, settings, common)


if __name__ == "__main__":
    root, work, lane, rounds, shared = sys.argv[1:]
    code = main(Path(root), Path(work), lane, int(rounds), shared)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
