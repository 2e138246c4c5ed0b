"""The local store with real package files: no overwrite, atomic index, byte-for-byte copies."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact, sha256_of
from dsprod.errors import InputError, StoreRefused
from dsprod.store import lookup
from dsprod.store.local import STAGING, LocalStore
from dsprod.store.lookup import fetch_artifact
from tests.packages import build_package, promotion_entry, test_report

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_publish_indexes_the_package(tmp_path: Path, store: LocalStore) -> None:
    artifact = read_artifact(build_package(tmp_path, "alpha", "1.0"))
    assert asyncio.run(store.publish(artifact, "unstable")) is True
    [listed] = asyncio.run(store.packages("unstable"))
    assert (listed.name, listed.version, listed.build) == ("alpha", "1.0", "g0")
    assert listed.sha256 == artifact.sha256
    assert (
        store.channel_dir("unstable") / "noarch" / artifact.filename
    ).stat().st_mode & 0o777 == 0o644


def test_same_bytes_again_is_a_no_op(tmp_path: Path, store: LocalStore) -> None:
    artifact = read_artifact(build_package(tmp_path, "alpha", "1.0"))
    asyncio.run(store.publish(artifact, "unstable"))
    assert asyncio.run(store.publish(artifact, "unstable")) is False
    assert len(asyncio.run(store.packages("unstable"))) == 1


def test_other_bytes_under_the_same_name_are_refused(tmp_path: Path, store: LocalStore) -> None:
    first = read_artifact(build_package(tmp_path, "alpha", "1.0", content="one"))
    second = read_artifact(build_package(tmp_path, "alpha", "1.0", content="two"))
    assert first.filename == second.filename and first.sha256 != second.sha256
    asyncio.run(store.publish(first, "unstable"))
    with pytest.raises(StoreRefused, match="refusing to overwrite"):
        asyncio.run(store.publish(second, "unstable"))
    kept = store.channel_dir("unstable") / "noarch" / first.filename
    assert sha256_of(kept) == first.sha256


def test_copy_is_byte_for_byte(tmp_path: Path, store: LocalStore) -> None:
    artifact = read_artifact(build_package(tmp_path, "alpha", "1.0"))
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = asyncio.run(store.packages("unstable"))
    assert asyncio.run(store.copy(package, "testing")) is True
    [copied] = asyncio.run(store.packages("testing"))
    assert copied.sha256 == package.sha256
    assert (asyncio.run(store.fetch(copied))).read_bytes() == artifact.path.read_bytes()


def test_copy_refuses_a_damaged_source(tmp_path: Path, store: LocalStore) -> None:
    artifact = read_artifact(build_package(tmp_path, "alpha", "1.0"))
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = asyncio.run(store.packages("unstable"))
    asyncio.run(store.fetch(package)).write_bytes(b"damaged")
    with pytest.raises(StoreRefused, match="sha256 differs"):
        asyncio.run(store.copy(package, "testing"))
    assert asyncio.run(store.packages("testing")) == []


def test_an_unindexed_file_from_an_interrupted_publish_is_picked_up(
    tmp_path: Path, store: LocalStore
) -> None:
    first = read_artifact(build_package(tmp_path, "alpha", "1.0"))
    orphan = read_artifact(build_package(tmp_path, "beta", "2.0"))
    asyncio.run(store.publish(first, "unstable"))
    # A publish killed after placing its file but before the index swap:
    (store.channel_dir("unstable") / "noarch" / orphan.filename).write_bytes(
        orphan.path.read_bytes()
    )
    repodata = json.loads((store.channel_dir("unstable") / "noarch" / "repodata.json").read_text())
    assert orphan.filename not in repodata["packages.conda"]  # the channel is still valid
    asyncio.run(store.publish(read_artifact(build_package(tmp_path, "gamma", "3.0")), "unstable"))
    assert {p.name for p in asyncio.run(store.packages("unstable"))} == {"alpha", "beta", "gamma"}


def test_empty_channels_are_valid(store: LocalStore) -> None:
    url = asyncio.run(store.channel_url("stable"))
    assert url.startswith("file://")
    assert (store.channel_dir("stable") / "noarch" / "repodata.json").is_file()
    assert asyncio.run(store.packages("stable")) == []


def test_reports_and_log_round_trip(store: LocalStore, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text("<testsuite tests='1'/>")
    saved = store.ledger.save_report(test_report(), junit)
    kept = store.ledger.load_report("0" * 64)
    assert kept is not None and kept.passed is True
    assert kept == saved and kept.report_path.endswith(f"{'0' * 64}.json")
    assert kept.report_sha256 == sha256_of(Path(kept.report_path))
    assert Path(kept.junit_xml).read_text() == "<testsuite tests='1'/>"
    first, second = (promotion_entry(n) for n in ("one", "two"))
    store.ledger.append_log(first)
    store.ledger.append_log(second)
    assert store.ledger.read_log() == [first, second]


def _publish_in_another_process(root: str, package: str) -> None:
    asyncio.run(LocalStore(Path(root)).publish(read_artifact(Path(package)), "unstable"))


def test_concurrent_publishers_lose_nothing_and_readers_never_see_half_an_index(
    tmp_path: Path, store: LocalStore
) -> None:
    packages = [build_package(tmp_path, f"pkg{n}", "1.0") for n in range(6)]
    asyncio.run(store.channel_url("unstable"))  # the channel exists before readers start
    repodata = store.channel_dir("unstable") / "noarch" / "repodata.json"
    # Forkserver children leave through os._exit, as the dsprod command does: an interpreter
    # finalizing just after a py-rattler call can abort (see dsprod.cli.entry).
    context = multiprocessing.get_context("forkserver")
    workers = [
        context.Process(target=_publish_in_another_process, args=(str(store.root), str(p)))
        for p in packages
    ]
    for worker in workers:
        worker.start()
    reads = 0
    while any(worker.is_alive() for worker in workers):
        json.loads(repodata.read_text())  # raises if a reader ever saw a partial file
        reads += 1
    assert all(worker.exitcode == 0 for worker in workers)
    assert reads > 0
    assert {p.name for p in asyncio.run(store.packages("unstable"))} == {
        f"pkg{n}" for n in range(6)
    }


DAMAGE = {
    "truncated": lambda data, other: data[: len(data) // 2],
    "empty": lambda data, other: b"",
    "random": lambda data, other: os.urandom(len(data)),
    "another package's bytes": lambda data, other: other,
}


@pytest.fixture(scope="module")
def alpha_and_beta(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    workdir = tmp_path_factory.mktemp("packages")
    return build_package(workdir, "alpha", "1.0"), build_package(workdir, "beta", "1.0")


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_package_file_is_refused_before_it_is_read(
    alpha_and_beta: tuple[Path, Path], store: LocalStore, damage: str
) -> None:
    artifact = read_artifact(alpha_and_beta[0])
    other = alpha_and_beta[1].read_bytes()
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = asyncio.run(store.packages("unstable"))
    path = asyncio.run(store.fetch(package))
    path.write_bytes(DAMAGE[damage](path.read_bytes(), other))

    with pytest.raises(StoreRefused) as caught:
        asyncio.run(fetch_artifact(store, package))
    assert str(path) in str(caught.value) and "is damaged" in str(caught.value)
    # read without the index's sha256 to go by: still one line naming the file
    with pytest.raises(InputError, match="not a readable conda package") as caught:
        read_artifact(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_old_log_lines_without_a_report_digest_still_read(store: LocalStore) -> None:
    old = promotion_entry("one").to_json()
    del old["test_report_sha256"]
    store.root.mkdir(parents=True)
    (store.root / "promotions.log").write_text(json.dumps(old) + "\n")
    [entry] = store.ledger.read_log()
    assert entry == promotion_entry("one") and entry.test_report_sha256 is None


def test_a_file_a_killed_publish_left_unindexed_is_found_and_reused_by_the_next_lookup(
    tmp_path: Path, store: LocalStore
) -> None:
    first = read_artifact(build_package(tmp_path, "alpha", "1.0", content="first build"))
    rebuilt = read_artifact(build_package(tmp_path, "alpha", "1.0", content="second build"))
    asyncio.run(store.channel_url("unstable"))
    # killed after linking its file, before swapping the index in:
    shutil.copyfile(first.path, store.channel_dir("unstable") / "noarch" / first.filename)
    found = asyncio.run(lookup.build_in(store, "unstable", "alpha", "1.0", "g0"))
    assert found is not None and found.sha256 == first.sha256  # so the re-run reuses it
    repodata = json.loads((store.channel_dir("unstable") / "noarch" / "repodata.json").read_text())
    assert first.filename in repodata["packages.conda"]  # adopted into the index for everyone
    with pytest.raises(StoreRefused, match="refusing to overwrite"):
        asyncio.run(store.publish(rebuilt, "unstable"))


def test_a_file_whose_metadata_do_not_match_its_name_is_never_indexed(
    tmp_path: Path, store: LocalStore
) -> None:
    alpha = read_artifact(build_package(tmp_path, "alpha", "1.0"))
    asyncio.run(store.channel_url("unstable"))
    noarch = store.channel_dir("unstable") / "noarch"
    shutil.copyfile(alpha.path, noarch / "beta-1.0-g0.conda")
    (noarch / "gamma-1.0-g0.conda").write_bytes(b"not a package")
    assert asyncio.run(store.packages("unstable")) == []
    asyncio.run(store.publish(alpha, "unstable"))  # the indexer is not bothered by them
    assert [p.filename for p in asyncio.run(store.packages("unstable"))] == [alpha.filename]


def test_staging_never_happens_in_a_channel_and_what_a_killed_writer_left_is_swept(
    tmp_path: Path, store: LocalStore
) -> None:
    asyncio.run(store.channel_url("unstable"))
    leftovers = [
        store.root / STAGING / "4242-abcdefgh" / "channel" / "noarch",
        store.channel_dir("unstable") / ".staging-old" / "noarch",  # older versions' places
        store.channel_dir("unstable") / "noarch" / ".incoming-old",
    ]
    for leftover in leftovers:
        leftover.mkdir(parents=True)
    asyncio.run(store.packages("unstable"))  # a reader sweeps when no writer is at work
    assert not any(leftover.exists() for leftover in leftovers)
    seen: set[str] = set()
    alpha = read_artifact(build_package(tmp_path, "alpha", "1.0"))

    async def publish_while_watching() -> None:
        task = asyncio.ensure_future(store.publish(alpha, "unstable"))
        while not task.done():
            seen.update(p.name for p in store.root.glob("channels/**/.*"))
            await asyncio.sleep(0)
        await task

    asyncio.run(publish_while_watching())
    assert seen == set()
    assert list((store.root / STAGING).iterdir()) == []


def test_the_log_survives_a_torn_last_line_and_the_next_entry_starts_a_line_of_its_own(
    store: LocalStore,
) -> None:
    first, second, third = (promotion_entry(n) for n in ("one", "two", "three"))
    store.ledger.append_log(first)
    log = store.root / "promotions.log"
    whole = json.dumps(second.to_json(), sort_keys=True)
    with log.open("a") as out:
        out.write(whole[: len(whole) // 2])  # a writer killed mid-line
    assert store.ledger.read_log() == [first]
    store.ledger.append_log(third)
    assert store.ledger.read_log() == [first, third]
    assert log.read_text().endswith("\n" + json.dumps(third.to_json(), sort_keys=True) + "\n")


def test_an_entry_glued_to_a_torn_line_by_an_older_version_is_still_read(
    store: LocalStore,
) -> None:
    first, second = (promotion_entry(n) for n in ("one", "two"))
    torn = json.dumps(first.to_json(), sort_keys=True)[:40]
    (store.root).mkdir(parents=True)
    (store.root / "promotions.log").write_text(
        torn + json.dumps(second.to_json(), sort_keys=True) + "\n"
    )
    assert store.ledger.read_log() == [second]


def test_an_intent_is_interrupted_only_once_its_process_is_dead(store: LocalStore) -> None:
    mine = store.ledger.begin(promotion_entry("alive"), "testing")
    assert store.ledger.interrupted() == []  # held by this live process
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys; from pathlib import Path;"
            "from dsprod.store.local import LocalStore;"
            "from tests.packages import promotion_entry;"
            "LocalStore(Path(sys.argv[1])).ledger.begin(promotion_entry('dead'), 'testing');"
            "os.kill(os.getpid(), signal.SIGKILL)",
            str(store.root),
        ],
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert killed.returncode == -signal.SIGKILL
    [interrupted] = store.ledger.interrupted()
    assert interrupted.entry == promotion_entry("dead") and interrupted.channel == "testing"
    store.ledger.finish(interrupted, happened=True)
    store.ledger.finish(interrupted, happened=True)  # a second recoverer logs nothing more
    store.ledger.finish(mine, happened=False)
    assert store.ledger.read_log() == [promotion_entry("dead")]
    assert store.ledger.interrupted() == []
