"""Yank over a real local store: bytes kept in broken, the channel let go, the reason logged."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dsprod import promote as promotion
from dsprod.artifact import read_artifact, sha256_of
from dsprod.config import load_settings
from dsprod.errors import InputError, StoreRefused
from dsprod.store.base import StoredPackage
from dsprod.store.local import REMOVALS, LocalStore
from dsprod.store.repodata import Repodata, compressed
from tests.fakes import FakeStore
from tests.packages import test_report, write_package
from tests.store_checks import assert_consistent


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def in_stable(tmp_path: Path, store: LocalStore, name: str = "adm-alpha") -> StoredPackage:
    """A package published to unstable and copied up to stable, with a passing report."""
    artifact = read_artifact(write_package(tmp_path / "pkgs", name, "1.0"))
    asyncio.run(store.publish(artifact, "unstable"))
    [package] = [p for p in asyncio.run(store.packages("unstable")) if p.name == name]
    store.ledger.save_report(test_report(package, commit=None), None)  # type: ignore[arg-type]
    for channel in ("testing", "stable"):
        asyncio.run(store.copy(package, channel))
    [stable] = [p for p in asyncio.run(store.packages("stable")) if p.name == name]
    return stable


def names(store: LocalStore, channel: str) -> list[str]:
    return [p.filename for p in asyncio.run(store.packages(channel))]


def test_a_yank_moves_the_bytes_to_broken_and_logs_the_reason(
    tmp_path: Path, store: LocalStore
) -> None:
    package = in_stable(tmp_path, store)
    kept = in_stable(tmp_path, store, "adm-beta")
    settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(store.root)})
    reason = "  segfaults on import "
    moved = asyncio.run(promotion.yank(store, settings, package, "stable", reason))
    assert moved.copied
    assert names(store, "stable") == [kept.filename]
    assert names(store, "broken") == [package.filename]
    assert names(store, "testing") == sorted([kept.filename, package.filename])  # stable only
    broken_file = store.channel_dir("broken") / "noarch" / package.filename
    assert sha256_of(broken_file) == package.sha256
    assert not (store.channel_dir("stable") / "noarch" / package.filename).exists()
    [entry] = store.ledger.read_log()
    assert (entry.action, entry.source, entry.target, entry.reason) == (
        "yank",
        "stable",
        "broken",
        "segfaults on import",
    )
    assert entry.sha256 == package.sha256 and entry.test_report is not None
    assert_consistent(store)
    # a yanked build goes up no more (its testing copy cannot reach stable again)
    [in_testing] = [p for p in asyncio.run(store.packages("testing")) if p.name == "adm-alpha"]
    with pytest.raises(StoreRefused, match="it was yanked"):
        asyncio.run(promotion.promote(store, settings, in_testing, "stable"))


def test_a_yank_goes_to_the_broken_channel_channels_yaml_names(
    tmp_path: Path, store: LocalStore
) -> None:
    package = in_stable(tmp_path, store)
    (tmp_path / "channels.yaml").write_text("channels: {broken: adm-quarantine}\n")
    settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(store.root)})
    asyncio.run(promotion.yank(store, settings, package, "stable", "bad"))
    assert names(store, "adm-quarantine") == [package.filename]
    assert not (store.root / "channels" / "broken").exists()


def test_a_yank_needs_a_reason_and_refuses_other_bytes(tmp_path: Path, store: LocalStore) -> None:
    package = in_stable(tmp_path, store)
    settings = load_settings(tmp_path, environ={"DSPROD_STORE": str(store.root)})
    with pytest.raises(InputError, match="--reason"):
        asyncio.run(promotion.yank(store, settings, package, "stable", " "))
    other = StoredPackage(**{**package.__dict__, "sha256": "0" * 64})
    with pytest.raises(StoreRefused, match="other bytes"):
        asyncio.run(store.remove(other))
    assert names(store, "stable") == [package.filename]


def test_a_removal_a_killed_yank_left_is_completed_before_anything_adopts_its_file(
    tmp_path: Path, store: LocalStore
) -> None:
    """Killed after recording the removal and swapping the index, before unlinking the file.

    The file is then unlisted; the next lookup must complete the removal, not adopt the file.
    """
    package = in_stable(tmp_path, store)
    live = store.channel_dir("stable") / "noarch"
    asyncio.run(store.copy(package, "broken"))
    index = Repodata.read(live / "repodata.json", "noarch")
    index.remove(package.filename)
    (live / "repodata.json.zst").write_bytes(compressed(index.to_bytes()))
    (live / "repodata.json").write_bytes(index.to_bytes())
    (store.root / REMOVALS).mkdir()
    record = {"channel": "stable", "subdir": "noarch", "filename": package.filename}
    (store.root / REMOVALS / "1-dead.json").write_text(json.dumps(record))
    assert names(store, "stable") == []
    assert not (live / package.filename).exists()
    assert not list((store.root / REMOVALS).iterdir())
    assert_consistent(store)


def test_a_store_that_cannot_remove_refuses_a_yank_in_one_line(tmp_path: Path) -> None:
    store = FakeStore(tmp_path / "blobs")
    artifact = read_artifact(write_package(tmp_path / "pkgs", "adm-gamma", "1.0"))
    asyncio.run(store.publish(artifact, "stable"))
    [package] = asyncio.run(store.packages("stable"))
    settings = load_settings(tmp_path, environ={})
    with pytest.raises(InputError, match="`dsprod yank` is not supported by this store"):
        asyncio.run(promotion.yank(store, settings, package, "stable", "bad"))
    assert asyncio.run(store.packages("broken")) == []
