"""What one publish costs an S3 store as its channel grows: requests, bytes, time.

Run from the repository root (with `pip install -e '.[test,test-servers]'`):

    python3 benchmarks/bench_s3_publish.py [--sizes 200,2000] [--publishes 20]

Starts SeaweedFS on 127.0.0.1 (as the tests do), and for each size fills a new
channel's ``noarch/repodata.json`` with that many records (copies of a real
record under other file names: a publish reads and rewrites the index, and
never looks at the other packages' objects, so their bytes are not needed),
then publishes real packages one after the other. Every request the store
sends is counted by botocore's ``before-send`` event, with the bytes it sends
and receives; printed per publish: the median and 90th percentile time in
milliseconds, requests by operation, and kilobytes up and down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.packages import build_packages  # noqa: E402
from tests.store_servers import CREDENTIALS, running_seaweedfs  # noqa: E402

from dsprod.artifact import Artifact, read_artifact  # noqa: E402
from dsprod.config import load_settings  # noqa: E402
from dsprod.store import open_store  # noqa: E402
from dsprod.store.repodata import record_of  # noqa: E402
from dsprod.store.s3 import S3Store  # noqa: E402


class Traffic:
    """Requests the store's boto3 client sends, by operation, and the bytes each way."""

    def __init__(self, store: S3Store) -> None:
        self.operations: Counter[str] = Counter()
        self.sent = 0
        self.received = 0
        events = store.objects.client.meta.events
        events.register("before-send.s3.*", self._sending)
        events.register("after-call.s3.*", self._answered)

    def _sending(self, request: Any, **_: Any) -> None:
        self.operations[request.method] += 1
        self.sent += int(request.headers.get("Content-Length") or 0)

    def _answered(self, http_response: Any, **_: Any) -> None:
        self.received += int(http_response.headers.get("content-length") or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--publishes", type=int, default=20)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    os.environ.update(CREDENTIALS)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        names = [f"s3-cost-{n}" for n in range(options.publishes * len(sizes))]
        artifacts = [read_artifact(p) for p in build_packages(work / "packages", names)]
        with running_seaweedfs(work / "seaweedfs") as server:
            print(
                f"{'records':>8} {'median ms':>10} {'p90 ms':>8}  {'requests per publish':<36}"
                f" {'kB up':>6} {'kB down':>8}"
            )
            for index, size in enumerate(sizes):
                chunk = artifacts[index * options.publishes : (index + 1) * options.publishes]
                environ = server.environ(f"cost-{uuid.uuid4().hex[:8]}")
                _report(size, _measure(environ, work, size, chunk))


def _measure(
    environ: dict[str, str], work: Path, size: int, artifacts: list[Artifact]
) -> tuple[list[float], Counter[str], int, int]:
    settings = load_settings(work, environ=environ)
    store = open_store(settings.store, settings.write_tokens())
    assert isinstance(store, S3Store)
    asyncio.run(store.channel_url("unstable"))  # the empty indexes, as a first publish makes
    record = record_of(artifacts[0].path)
    filler = {f"filler-{n}-1.0-g0.conda": {**record, "name": f"filler-{n}"} for n in range(size)}
    document = {"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": filler}
    key = store.objects.key("unstable", "noarch", "repodata.json")
    store.objects.put(key, json.dumps(document).encode())
    traffic = Traffic(store)
    times = []
    for artifact in artifacts:
        started = time.perf_counter()
        asyncio.run(store.publish(artifact, "unstable"))
        times.append(time.perf_counter() - started)
    return times, traffic.operations, traffic.sent, traffic.received


def _report(size: int, measured: tuple[list[float], Counter[str], int, int]) -> None:
    times, operations, sent, received = measured
    count = len(times)
    per = ", ".join(f"{op} {n / count:.1f}" for op, n in sorted(operations.items()))
    p90 = statistics.quantiles(times, n=10)[-1] * 1000
    print(
        f"{size:>8} {statistics.median(times) * 1000:>10.1f} {p90:>8.1f}  {per:<36}"
        f" {sent / count / 1024:>6.0f} {received / count / 1024:>8.0f}"
    )


if __name__ == "__main__":
    main()
