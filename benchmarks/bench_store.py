"""Publish and promote latency per store: local, S3 (SeaweedFS, moto's server), quetz, anaconda.

Run from the repository root (with `pip install -e '.[test,test-servers,anaconda]'`):

    python3 benchmarks/bench_store.py [--packages 40]

Builds the packages once (one multi-output rattler-build run), starts each S3
server and quetz on 127.0.0.1 (as the tests do), then per store: publishes
every package into unstable one after the other, and copies each into testing
(``Store.copy``, the step a promotion takes per channel: a server-side copy on
S3, download + sha256 check + upload on quetz), then removes each from testing
where the store can (``Removable.remove``, a yank's last step), and prints the
median and 90th percentile of each, in milliseconds. A quetz publish (remove)
includes waiting for the server's background re-index to list (drop) the file.

"anaconda (stand-in)" is the real anaconda-client against the test suite's stand-in
server (``tests/anaconda_standin.py``), not anaconda.org, which cannot be reached from
here: its figures are the client's requests and dsprod's checks on loopback, without
anaconda.org's network, storage or indexing. Its promote downloads the file to check
its sha256, then copies between labels.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.anaconda_standin import running_standin  # noqa: E402
from tests.packages import build_packages  # noqa: E402
from tests.quetz_server import running_quetz  # noqa: E402
from tests.store_servers import CREDENTIALS, running_moto, running_seaweedfs  # noqa: E402

from dsprod.artifact import read_artifact  # noqa: E402
from dsprod.config import CHANNEL_LEVELS, Settings, load_settings  # noqa: E402
from dsprod.store import Store, open_store  # noqa: E402
from dsprod.store.base import Removable  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=40)
    count = parser.parse_args().packages
    os.environ.update(CREDENTIALS)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        names = [f"s3-bench-{n}" for n in range(count)]
        artifacts = [read_artifact(p) for p in build_packages(work / "packages", names)]
        print(f"{'store':<20} {'operation':<8} {'median ms':>10} {'p90 ms':>8}")
        for label, environ in _stores(work):
            settings = load_settings(work, environ=environ)
            store = open_store(settings.store, settings.write_tokens())
            for operation, times in asyncio.run(_measure(store, settings, artifacts)).items():
                p90 = statistics.quantiles(times, n=10)[-1]
                print(f"{label:<20} {operation:<8} {statistics.median(times):>10.1f} {p90:>8.1f}")


@contextmanager
def _server_environ(kind: str, work: Path) -> Iterator[dict[str, str]]:
    running = running_seaweedfs if kind == "seaweedfs" else running_moto
    with running(work / kind) as server:
        yield server.environ(f"bench-{uuid.uuid4().hex[:8]}")


def _stores(work: Path) -> Iterator[tuple[str, dict[str, str]]]:
    yield "local", {"DSPROD_STORE": str(work / "local-store")}
    for kind in ("seaweedfs", "moto"):
        with _server_environ(kind, work) as environ:
            os.environ.update(environ)
            yield f"s3-{kind}", environ
    with running_quetz(work / "quetz") as server:
        environ = server.new_store("qtz-bench").environ(server.url, work / "quetz-ledger")
        os.environ.update(environ)  # the channels' tokens
        yield "quetz", environ
    import binstar_client.inspect_package.conda  # noqa: F401  # its import (~1 s) is not timed

    with running_standin(work / "anaconda") as standin:
        owner = standin.new_owner("ana-bench", CHANNEL_LEVELS)
        environ = owner.environ(standin.url, work / "anaconda-ledger")
        os.environ.update(environ)  # the labels' tokens
        yield "anaconda (stand-in)", environ


async def _measure(store: Store, settings: Settings, artifacts: list) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"publish": [], "promote": []}
    unstable, testing = settings.channel("unstable"), settings.channel("testing")
    await store.channel_url(unstable)  # the channel exists: its first index is not timed
    await store.channel_url(testing)
    for artifact in artifacts:
        started = time.perf_counter()
        await store.publish(artifact, unstable)
        times["publish"].append((time.perf_counter() - started) * 1000)
    for package in await store.packages(unstable):
        started = time.perf_counter()
        await store.copy(package, testing)
        times["promote"].append((time.perf_counter() - started) * 1000)
    if isinstance(store, Removable):
        times["remove"] = []
        for package in await store.packages(testing):
            started = time.perf_counter()
            await store.remove(package)
            times["remove"].append((time.perf_counter() - started) * 1000)
    return times


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # py-rattler threads may abort an interpreter that finalizes under them
