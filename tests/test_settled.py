"""A subdir's settled record: the shortcut a publish takes only while nothing changed under it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from dsprod.artifact import read_artifact
from dsprod.errors import StoreRefused
from dsprod.store import settled
from dsprod.store.local import LocalStore
from dsprod.store.repodata import Repodata
from tests.packages import write_package

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest


def publish(store: LocalStore, folder: Path, name: str) -> None:
    asyncio.run(store.publish(read_artifact(write_package(folder, name, "1.0")), "unstable"))


def test_a_publish_leaves_its_subdir_settled_and_any_change_unsettles_it(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, tmp_path, "st-alpha")
    live = store.channel_dir("unstable") / "noarch"
    assert settled.unchanged(store.root, live)
    # a file a killed writer (or other hands) left: the directory changed
    stray = write_package(tmp_path / "stray", "st-beta", "1.0")
    shutil.copyfile(stray, live / stray.name)
    assert not settled.unchanged(store.root, live)
    publish(store, tmp_path, "st-gamma")  # so it reads the directory, and adopts the file
    assert settled.unchanged(store.root, live)
    names = {p.name for p in asyncio.run(store.packages("unstable"))}
    assert names == {"st-alpha", "st-beta", "st-gamma"}


def test_an_index_edited_in_place_is_checked_line_by_line_again(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, tmp_path, "st-alpha")
    publish(store, tmp_path, "st-beta")
    index = store.channel_dir("unstable") / "noarch" / "repodata.json"
    data = index.read_bytes()
    line = data.index(b'"st-alpha')
    with index.open("r+b") as handle:  # same inode, same size: a record's line broken
        handle.seek(line)
        handle.write(b"{" * 10)
    assert not settled.unchanged(store.root, index.parent)
    with pytest.raises(StoreRefused, match="not valid JSON"):
        publish(store, tmp_path, "st-gamma")


@pytest.mark.parametrize("record", [b"", b"{not json", b'{"dir": [1, 2]}', b"[]"])
def test_a_torn_or_foreign_record_only_means_not_settled(tmp_path: Path, record: bytes) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, tmp_path, "st-alpha")
    live = store.channel_dir("unstable") / "noarch"
    (store.root / settled.SETTLED / "unstable" / "noarch.json").write_bytes(record)
    assert not settled.unchanged(store.root, live)
    publish(store, tmp_path, "st-beta")
    assert settled.unchanged(store.root, live)


def test_a_record_is_trusted_only_if_written_in_a_later_tick_than_the_changes_it_records(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, tmp_path, "st-alpha")
    live = store.channel_dir("unstable") / "noarch"
    now = settled.identity_of(live)
    assert now is not None
    folder, index = now["dir"][1], now["index"][1]
    later = max(folder, index) + 1
    assert settled.trusted(now, later, now)
    assert not settled.trusted(now, folder, now)  # same tick as the directory's change
    assert not settled.trusted(now, index, now)  # same tick as the index's change
    assert not settled.trusted(now, later, None)  # the index is gone
    moved = {"dir": [now["dir"][0], folder + 1], "index": now["index"]}
    assert not settled.trusted(now, later, moved)
    assert not settled.trusted({"dir": []}, later, now)


def test_a_trusted_read_is_the_index_a_checked_read_gives(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    for name in ("st-alpha", "st-beta", "st-gamma"):
        publish(store, tmp_path, name)
    index = store.channel_dir("unstable") / "noarch" / "repodata.json"
    trusted = Repodata.read(index, "noarch", trusted=True)
    checked = Repodata.read(index, "noarch")
    assert trusted == checked and trusted.listed == checked.listed
    assert trusted.lists("st-beta-1.0-0.conda") and not trusted.lists("st-delta-1.0-0.conda")
    assert trusted.to_bytes() == index.read_bytes()
