"""One contract, every store kind: local, S3 on SeaweedFS, S3 on moto's server (real servers).

Each test runs against each store: publish, a conflicting re-publish refused,
identical bytes a no-op, promotion with the bytes' sha256 checked, the ledger,
``dsprod status``, py-rattler solving and installing from every channel, eight
writer processes publishing 25 packages each at once with no record lost, and
a writer killed with SIGKILL between writing a package and indexing it, whose
channel stays valid and whose next publish completes it. The servers start
once per session on 127.0.0.1 (``tests/store_servers.py``); each test has its
own prefix, and its own rattler cache (rattler caches repodata by URL).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rattler

from dsprod import promote as promotion
from dsprod.artifact import read_artifact
from dsprod.config import Settings, load_settings
from dsprod.errors import StoreRefused
from dsprod.store import Store, lookup, open_store
from dsprod.store.ledger import OwnerChange
from tests import store_writers
from tests.packages import build_package, build_packages, test_report
from tests.store_servers import (
    BUCKET,
    S3Server,
    running_moto,
    running_seaweedfs,
)

pytestmark = pytest.mark.e2e

FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.store_writers"])
KINDS = ("local", "s3-seaweedfs", "s3-moto")
WRITERS = 8
PER_WRITER = 25


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_moto(tmp_path_factory.mktemp("moto")) as server:
        yield server


@dataclass
class Target:
    """One store under test, and what a test needs to reach it around the store's own code."""

    kind: str
    store: Store
    settings: Settings
    environ: dict[str, str]
    """What a dsprod process needs to open this store."""
    damage: Callable[[str, str, str], None]
    """Replace the bytes of (channel, subdir, filename) behind the store's back."""


@pytest.fixture(params=KINDS)
def target(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Target:
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(tmp_path / "rattler-cache"))
    kind = request.param
    if kind == "local":
        root = tmp_path / "store"
        environ = {"DSPROD_STORE": str(root)}

        def damage(channel: str, subdir: str, filename: str) -> None:
            (root / "channels" / channel / subdir / filename).write_bytes(b"damaged")

    else:
        server: S3Server = request.getfixturevalue(kind.removeprefix("s3-"))
        prefix = f"contract-{uuid.uuid4().hex[:12]}"
        environ = server.environ(prefix)

        def damage(channel: str, subdir: str, filename: str) -> None:
            key = f"{prefix}/{channel}/{subdir}/{filename}"
            server.client().put_object(Bucket=BUCKET, Key=key, Body=b"damaged")  # type: ignore[attr-defined]

    for name, value in environ.items():
        monkeypatch.setenv(name, value)  # boto3 reads the credentials from the environment
    settings = load_settings(tmp_path, environ=environ)
    return Target(kind, open_store(settings.store), settings, environ, damage)


@pytest.fixture(scope="session")
def many_packages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """WRITERS x PER_WRITER distinct packages, built once for every store kind."""
    names = [f"s3-writer{w}-pkg{n}" for w in range(WRITERS) for n in range(PER_WRITER)]
    return build_packages(tmp_path_factory.mktemp("many"), names)


def test_publish_refuses_other_bytes_and_ignores_the_same(target: Target, tmp_path: Path) -> None:
    first = read_artifact(build_package(tmp_path / "a", "s3-alpha", "1.0", content="one"))
    second = read_artifact(build_package(tmp_path / "b", "s3-alpha", "1.0", content="two"))
    assert first.filename == second.filename and first.sha256 != second.sha256

    assert asyncio.run(target.store.publish(first, "unstable")) is True
    assert asyncio.run(target.store.publish(first, "unstable")) is False
    with pytest.raises(StoreRefused, match="refusing to overwrite"):
        asyncio.run(target.store.publish(second, "unstable"))

    [listed] = asyncio.run(target.store.packages("unstable"))
    assert (listed.name, listed.version, listed.sha256) == ("s3-alpha", "1.0", first.sha256)
    fetched = asyncio.run(lookup.fetch_artifact(target.store, listed))
    assert fetched.path.read_bytes() == first.path.read_bytes()


def test_promotion_copies_checked_bytes_and_logs_them(target: Target, tmp_path: Path) -> None:
    good = read_artifact(
        build_package(tmp_path / "g", "s3-good", "1.0", extra={"pep440_version": "1.0"})
    )
    bad = read_artifact(build_package(tmp_path / "b", "s3-bad", "1.0"))
    for artifact in (good, bad):
        asyncio.run(target.store.publish(artifact, "unstable"))
    package = asyncio.run(lookup.listed(target.store, "unstable", good))
    kept = target.store.ledger.save_report(test_report(package), None)
    assert target.store.ledger.load_report(package.sha256) == kept

    asyncio.run(promotion.promote(target.store, target.settings, package))

    for channel in ("testing", "stable"):
        [copied] = asyncio.run(target.store.packages(channel))
        assert copied.sha256 == good.sha256
        assert asyncio.run(lookup.fetch_artifact(target.store, copied)).sha256 == good.sha256
    log = target.store.ledger.read_log()
    assert [(e.package, e.source, e.target) for e in log] == [
        (good.filename, "unstable", "testing"),
        (good.filename, "testing", "stable"),
    ]
    assert all(e.test_report_sha256 == kept.report_sha256 for e in log)

    damaged = asyncio.run(lookup.listed(target.store, "unstable", bad))
    target.damage("unstable", damaged.subdir, damaged.filename)
    with pytest.raises(StoreRefused, match="sha256 differs"):
        asyncio.run(target.store.copy(damaged, "testing"))
    assert [p.filename for p in asyncio.run(target.store.packages("testing"))] == [good.filename]


def test_owners_are_claimed_once_and_transferred_with_history(target: Target) -> None:
    ledger = target.store.ledger
    first = ledger.claim_owner("s3-owned", OwnerChange.now("claim", "example.org/a"))
    again = ledger.claim_owner("s3-owned", OwnerChange.now("claim", "example.org/b"))
    assert first.owner == again.owner == "example.org/a"
    moved = ledger.transfer_owner("s3-owned", OwnerChange.now("transfer", "example.org/b"))
    assert (moved.owner, moved.history[-1].previous) == ("example.org/b", "example.org/a")
    assert ledger.owners() == [moved]


def test_status_lists_each_channel(target: Target, tmp_path: Path) -> None:
    artifact = read_artifact(build_package(tmp_path, "s3-shown", "1.0"))
    asyncio.run(target.store.publish(artifact, "unstable"))
    [package] = asyncio.run(target.store.packages("unstable"))
    asyncio.run(target.store.copy(package, "testing"))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dsprod",
            "status",
            "--json",
            "--project",
            str(tmp_path),
        ],
        env={**os.environ, **target.environ},
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    channels = json.loads(result.stdout)["channels"]
    assert {level: [p["name"] for p in found] for level, found in channels.items()} == {
        "unstable": ["s3-shown"],
        "testing": ["s3-shown"],
        "stable": [],
    }


def test_each_channel_solves_and_installs_with_py_rattler(target: Target, tmp_path: Path) -> None:
    artifact = read_artifact(build_package(tmp_path, "s3-solved", "1.0", content="installed"))
    asyncio.run(target.store.publish(artifact, "unstable"))
    [package] = asyncio.run(target.store.packages("unstable"))
    for channel in ("testing", "stable"):
        asyncio.run(target.store.copy(package, channel))

    for channel in ("unstable", "testing", "stable"):
        url = asyncio.run(target.store.channel_url(channel))
        records = asyncio.run(
            rattler.solve(
                [url], ["s3-solved ==1.0"], platforms=[rattler.Subdir.current(), "noarch"]
            )
        )
        assert [r.url for r in records] == [f"{url}/noarch/{artifact.filename}"]
        prefix = tmp_path / f"env-{channel}"
        asyncio.run(rattler.install(records, target_prefix=prefix, show_progress=False))
        assert (prefix / "share" / "s3-solved" / "data.txt").read_text() == "installed\n"


def test_concurrent_writers_lose_no_record(
    target: Target, tmp_path: Path, many_packages: list[Path]
) -> None:
    warm = read_artifact(build_package(tmp_path, "s3-first", "1.0"))
    asyncio.run(target.store.publish(warm, "unstable"))  # the channel exists before the crowd
    started = time.monotonic()
    writers = [
        FORKS.Process(
            target=store_writers.run,
            args=(
                target.environ,
                tmp_path,
                "publish",
                "unstable",
                [str(p) for p in many_packages[w::WRITERS]],
            ),
        )
        for w in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=600)
    failures = [w.exitcode for w in writers if w.exitcode != 0]
    elapsed = time.monotonic() - started
    assert not failures, f"writers' exit codes: {failures} (their errors are in the output)"

    index = _raw_index(target, "unstable")
    expected = {read_artifact(p).filename: read_artifact(p).sha256 for p in many_packages}
    expected[warm.filename] = warm.sha256
    assert {name: record["sha256"] for name, record in index.items()} == expected
    print(f"{target.kind}: {WRITERS} writers x {PER_WRITER} packages in {elapsed:.1f} s")


def test_a_writer_killed_mid_publish_leaves_a_valid_channel_the_next_publish_completes(
    target: Target, tmp_path: Path
) -> None:
    first, killed, third = (
        read_artifact(build_package(tmp_path / name, name, "1.0"))
        for name in ("s3-before", "s3-killed", "s3-after")
    )
    asyncio.run(target.store.publish(first, "unstable"))

    writer = FORKS.Process(
        target=store_writers.run,
        args=(target.environ, tmp_path, "killed", "unstable", [str(killed.path)]),
    )
    writer.start()
    writer.join(timeout=300)
    assert writer.exitcode == -signal.SIGKILL

    assert {n: r["sha256"] for n, r in _raw_index(target, "unstable").items()} == {
        first.filename: first.sha256
    }
    url = asyncio.run(target.store.channel_url("unstable"))
    solved = asyncio.run(rattler.solve([url], ["s3-before"], platforms=["noarch"]))
    assert [r.file_name for r in solved] == [first.filename]

    asyncio.run(target.store.publish(third, "unstable"))

    assert {n: r["sha256"] for n, r in _raw_index(target, "unstable").items()} == {
        a.filename: a.sha256 for a in (first, killed, third)
    }
    assert asyncio.run(target.store.publish(killed, "unstable")) is False


def _raw_index(target: Target, channel: str) -> dict[str, dict[str, object]]:
    """The channel's noarch index as a reader downloads it (no store code that could repair it)."""
    url = asyncio.run(target.store.channel_url(channel))
    with urllib.request.urlopen(f"{url}/noarch/repodata.json") as answer:
        repodata = json.loads(answer.read())
    return {**repodata["packages"], **repodata["packages.conda"]}
