"""The local store's publish and promote cost as its channels grow: 200, 2,000 and 20,000 packages.

Run from the repository root (no bootstrap needed)::

    python -m benchmarks.bench_publish [--sizes 200 2000 20000] [--rounds 5] [--json]

For each size, channels ``unstable`` and ``testing`` of a fresh store are
filled with that many small real packages (``tests.packages.write_package``:
written, not built; rattler indexes them once, as any other indexer might have).
Then it times, in this process:

* first publish: the first ``LocalStore.publish`` into that index (which, on an
  index written by another indexer, also converts it to the store's layout);
* publish: the median of ``--rounds`` further publishes of new packages;
* copy: the median of as many ``LocalStore.copy`` of those packages into
  ``testing`` (the store's part of a promotion: sha256 checked, copied, indexed);
* first promote: one ``dsprod promote`` of a tested package into ``testing``
  (``promote.promote``: the test report, the yank and clobbering checks against
  the whole ``testing`` channel, the copy, the log). The local store's path
  index of ``testing`` does not exist yet: this one builds it, reading every
  package's file list once, as any store made before the index would;
* promote: the median of as many further ``dsprod promote`` (each copy keeps
  the path index synced, and the package is found by a search of the index's
  bytes: no channel is listed whole);
* listing: one ``LocalStore.packages`` of ``unstable`` (what every lookup reads).

Wall-clock and CPU time are both given: on a machine shared with other work,
CPU time is the steadier figure of what the operation itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from rattler import Subdir
from rattler.index import index_fs
from tests.packages import test_report, write_package

from dsprod import promote
from dsprod.artifact import Artifact, read_artifact
from dsprod.config import load_settings
from dsprod.store.base import StoredPackage
from dsprod.store.local import LocalStore

COMMIT = "0" * 40


def pool_of(folder: Path, count: int) -> list[Path]:
    """``count`` packages, written once and shared by every size (hard-linked into channels)."""
    return [write_package(folder, f"lst-bench{n:05d}", "1.0") for n in range(count)]


def filled_store(root: Path, packages: list[Path]) -> LocalStore:
    """A store whose unstable and testing channels hold ``packages``, indexed by rattler."""
    for channel in ("unstable", "testing"):
        for subdir in ("noarch", str(Subdir.current())):
            (root / "channels" / channel / subdir).mkdir(parents=True)
        live = root / "channels" / channel / "noarch"
        for package in packages:
            os.link(package, live / package.name)
        asyncio.run(index_fs(live.parent, write_zst=False, write_shards=False, force=True))
    return LocalStore(root)


def timed(operation: Coroutine[Any, Any, object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads) of one operation.

    CPU time says what the work costs when the machine is busy with others too.
    """
    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(operation)
    return time.perf_counter() - started, time.process_time() - cpu


def new_package(folder: Path, name: str) -> Artifact:
    """A package as ``dsprod build`` records one (its commit and PEP 440 version)."""
    about = {"license": "MIT", "summary": "a package written for a benchmark"}
    about["extra"] = {"dsprod": {"commit": COMMIT, "pep440_version": "1.0"}}
    return read_artifact(write_package(folder, name, "1.0", info_files={"info/about.json": about}))


def stored(artifact: Artifact) -> StoredPackage:
    return StoredPackage(
        "unstable",
        artifact.subdir,
        artifact.filename,
        artifact.name,
        artifact.version,
        artifact.build,
        artifact.sha256,
    )


def tested(store: LocalStore, artifact: Artifact) -> StoredPackage:
    """``artifact`` in unstable with a passing test report, ready to be promoted."""
    asyncio.run(store.publish(artifact, "unstable"))
    package = stored(artifact)
    store.ledger.save_report(test_report(package, commit=COMMIT), None)
    return package


def measure(scratch: Path, pool: list[Path], size: int, rounds: int) -> dict[str, float]:
    store = filled_store(scratch / f"store-{size}", pool[:size])
    settings = load_settings(scratch, environ={"DSPROD_STORE": str(store.root)})
    folder = scratch / f"new-{size}"
    new = [new_package(folder, f"lst-benchnew{n}") for n in range(rounds + 1)]
    first, _ = timed(store.publish(new[0], "unstable"))
    publishes = [timed(store.publish(artifact, "unstable")) for artifact in new[1:]]
    copies = [timed(store.copy(stored(artifact), "testing")) for artifact in new[1:]]
    candidates = [tested(store, new_package(folder, f"lst-benchup{n}")) for n in range(rounds + 1)]
    # each promotion with a store opened anew, as each `dsprod promote` command opens it
    first_promote, _ = timed(
        promote.promote(LocalStore(store.root), settings, candidates[0], "testing")
    )
    promotes = [
        timed(promote.promote(LocalStore(store.root), settings, p, "testing"))
        for p in candidates[1:]
    ]
    listing, _ = timed(store.packages("unstable"))
    return {
        "packages": size,
        "first_publish_s": first,
        "publish_s": statistics.median(wall for wall, _ in publishes),
        "publish_cpu_s": statistics.median(cpu for _, cpu in publishes),
        "copy_s": statistics.median(wall for wall, _ in copies),
        "copy_cpu_s": statistics.median(cpu for _, cpu in copies),
        "first_promote_s": first_promote,
        "promote_s": statistics.median(wall for wall, _ in promotes),
        "promote_cpu_s": statistics.median(cpu for _, cpu in promotes),
        "listing_s": listing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dsprod-bench-publish-") as folder:
        scratch = Path(folder)
        pool = pool_of(scratch / "pool", max(arguments.sizes))
        rows = [measure(scratch, pool, size, arguments.rounds) for size in arguments.sizes]
    if arguments.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"local store, seconds per operation (median of {arguments.rounds}; cpu: all threads)")
    columns = (
        "first_publish_s",
        "publish_s",
        "publish_cpu_s",
        "copy_s",
        "copy_cpu_s",
        "first_promote_s",
        "promote_s",
        "promote_cpu_s",
    )
    print(f"{'packages':>9}" + "".join(f"{c.removesuffix('_s'):>15}" for c in columns), end="")
    print(f"{'listing':>9}")
    for row in rows:
        print(f"{row['packages']:>9}" + "".join(f"{row[c]:>15.4f}" for c in columns), end="")
        print(f"{row['listing_s']:>9.4f}")


if __name__ == "__main__":
    main()
