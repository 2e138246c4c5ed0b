"""Finding one package without listing the channel: always the answer the full listing gives.

The local store is ``Searchable`` (one name, file name or sha256 found by a search
of the index's bytes) and keeps its path index synced across the copies a
promotion makes (so a clobber check reads no listing). These tests hold both to
the answers of the full listing, whatever happened to the channel meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsprod.artifact import read_artifact
from dsprod.errors import StoreRefused
from dsprod.store import lookup, settled
from dsprod.store.base import Searchable
from dsprod.store.local import PATHS, LocalStore
from dsprod.store.path_index import PathIndex
from tests.fakes import FakeStore
from tests.packages import write_package

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

FIELDS = ("name", "filename", "sha256")


def agrees_with_the_listing(store: LocalStore, channel: str, values: set[str]) -> None:
    """Every search of ``channel`` equals the full listing filtered, field by field."""
    for field in FIELDS:
        for value in values:
            found = asyncio.run(store.having(channel, field, value))  # type: ignore[arg-type]
            listed = asyncio.run(store.packages(channel))
            assert found == [p for p in listed if getattr(p, field) == value], (field, value)


def package(folder: Path, number: int, version: str, variant: int) -> Path:
    """``fs-<number>``, depending on a neighbour by its bare name (so a search also hits
    another package's line), its bytes varied by ``variant`` under the same file name."""
    written = folder / f"v{variant}" / f"fs-{number}-{version}-0.conda"
    if written.exists():
        return written
    about = {"info/about.json": {"license": "MIT", "summary": f"variant {variant}"}}
    return write_package(
        folder / f"v{variant}",
        f"fs-{number}",
        version,
        info_files=about,
        depends=[f"fs-{(number + 1) % 4}", f"fs-{number} >=0"],
    )


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["publish", "copy", "remove", "stray"]),
        st.integers(0, 3),
        st.sampled_from(["1.0", "2.0"]),
        st.integers(0, 1),
    ),
    max_size=10,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_a_search_answers_what_the_full_listing_answers_after_any_writes(
    tmp_path_factory: pytest.TempPathFactory, operations: list
) -> None:
    """Invariant: after any publishes, copies, removals, re-publishes of other bytes under
    a removed file's name, and stray files left in a subdir, a search by name, file name or
    sha256 lists exactly the packages the full listing lists with that value, in its order."""
    folder = tmp_path_factory.mktemp("search")
    store = LocalStore(folder / "store")
    assert isinstance(store, Searchable)
    values = {"fs-9", "fs-9-1.0-0.conda", "0" * 64}  # never listed
    for operation, number, version, variant in operations:
        path = package(folder, number, version, variant)
        values |= {f"fs-{number}", path.name, read_artifact(path).sha256}
        if operation == "publish":
            unstable = asyncio.run(lookup.having(store, "unstable", "filename", path.name))
            if not unstable:
                asyncio.run(store.publish(read_artifact(path), "unstable"))
        elif operation == "copy":
            for listed in asyncio.run(store.having("unstable", "filename", path.name)):
                if not asyncio.run(store.having("testing", "filename", path.name)):
                    asyncio.run(store.copy(listed, "testing"))
        elif operation == "remove":
            for listed in asyncio.run(store.having("testing", "name", f"fs-{number}")):
                asyncio.run(store.remove(listed))
        else:  # what a killed writer leaves: a genuine file the index does not list
            live = store.channel_dir("testing") / "noarch"
            if live.is_dir() and not (live / path.name).exists():
                shutil.copyfile(path, live / path.name)
        for channel in ("unstable", "testing"):
            agrees_with_the_listing(LocalStore(store.root), channel, values)


def test_a_store_without_search_is_listed_whole(tmp_path: Path) -> None:
    plain = FakeStore(tmp_path / "blobs")
    assert not isinstance(plain, Searchable)
    artifact = read_artifact(write_package(tmp_path, "fs-plain", "1.0"))
    asyncio.run(plain.publish(artifact, "testing"))
    [found] = asyncio.run(lookup.having(plain, "testing", "sha256", artifact.sha256))
    assert found.filename == artifact.filename
    assert asyncio.run(lookup.having(plain, "testing", "name", "fs-other")) == []


def test_a_damaged_record_found_by_a_search_is_a_damaged_store(tmp_path: Path) -> None:
    """A search parses the lines it hits; one that is not JSON says so, naming the index."""
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(read_artifact(write_package(tmp_path, "fs-ok", "1.0")), "testing"))
    index = store.channel_dir("testing") / "noarch" / "repodata.json"
    data = index.read_bytes()
    broken = data.replace(b'"depends":[]', b'"depends":[}')
    os.replace(_written(tmp_path / "x.json", broken), index)
    with pytest.raises(StoreRefused, match="damaged"):
        asyncio.run(store.having("testing", "name", "fs-ok"))


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _index(store: LocalStore, channel: str) -> PathIndex:
    return PathIndex(store.root / PATHS / f"{channel}.sqlite3")


def test_a_copy_keeps_the_path_index_synced_so_the_next_query_reads_no_listing(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    first = read_artifact(write_package(tmp_path, "fs-first", "1.0"))
    second = read_artifact(write_package(tmp_path, "fs-second", "1.0"))
    for artifact in (first, second):
        asyncio.run(store.publish(artifact, "unstable"))
    [one] = asyncio.run(store.having("unstable", "name", "fs-first"))
    asyncio.run(store.copy(one, "testing"))
    asyncio.run(store.installing("testing", frozenset()))  # syncs, and remembers the stamp
    [two] = asyncio.run(store.having("unstable", "name", "fs-second"))
    asyncio.run(store.copy(two, "testing"))
    stamp = store._stamp("testing")
    assert stamp is not None
    wanted = frozenset({"share/fs-second/data.txt"})
    answer = _index(store, "testing").owners_if_synced(stamp, wanted)
    assert answer == {(two.subdir, two.filename, two.sha256): wanted}
    [listed] = asyncio.run(store.having("testing", "name", "fs-second"))
    assert asyncio.run(store.installing("testing", wanted)) == {listed: wanted}


def test_the_path_index_never_answers_for_a_channel_changed_behind_its_back(
    tmp_path: Path,
) -> None:
    """A yank (which leaves the path index alone), an index replaced by other hands, and a
    stray file all change the channel's stamp: the next query syncs first."""
    store = LocalStore(tmp_path / "store")
    names = ("fs-a", "fs-b", "fs-c")
    for name in names:
        asyncio.run(store.publish(read_artifact(write_package(tmp_path, name, "1.0")), "testing"))
    everything = frozenset(f"share/{name}/data.txt" for name in names)

    def answered() -> set[str]:
        return {
            p.name for p in asyncio.run(LocalStore(store.root).installing("testing", everything))
        }

    assert answered() == set(names)
    [a] = asyncio.run(store.having("testing", "name", "fs-a"))
    asyncio.run(store.remove(a))
    assert answered() == {"fs-b", "fs-c"}
    live = store.channel_dir("testing") / "noarch"
    kept = (live / "repodata.json").read_bytes()
    without_b = b"".join(
        line for line in kept.splitlines(keepends=True) if not line.startswith(b'"fs-b-')
    )
    os.replace(_written(tmp_path / "other-hands.json", without_b), live / "repodata.json")
    assert not settled.unchanged(store.root, live)
    # unsettled: fs-b's file is adopted again by the listing, so it is an answer again
    assert answered() == {"fs-b", "fs-c"}
    shutil.copyfile(write_package(tmp_path / "stray", "fs-d", "1.0"), live / "fs-d-1.0-0.conda")
    assert answered() == {"fs-b", "fs-c"}  # adopted, and installs none of the paths asked for
    stray = frozenset({"share/fs-d/data.txt"})
    assert {p.name for p in asyncio.run(store.installing("testing", stray))} == {"fs-d"}


def test_an_index_made_before_stamps_keeps_its_rows_and_is_synced_at_none(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(read_artifact(write_package(tmp_path, "fs-old", "1.0")), "testing"))
    asyncio.run(store.installing("testing", frozenset()))
    database = store.root / PATHS / "testing.sqlite3"
    before = PathIndex(database).contents()
    with sqlite3.connect(database) as connection:  # as schema 1 left it
        connection.executescript("DROP TABLE synced; PRAGMA user_version = 1;")
    assert PathIndex(database).contents() == before
    assert PathIndex(database).owners_if_synced(store._stamp("testing"), frozenset()) is None
    [listed] = asyncio.run(store.packages("testing"))
    paths = frozenset({"share/fs-old/data.txt"})
    assert asyncio.run(store.installing("testing", paths)) == {listed: paths}


def test_a_subdir_another_indexer_wrote_is_settled_by_the_first_query(tmp_path: Path) -> None:
    """Without it the channel has no stamp, and every query would sync (list the channel)."""
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(read_artifact(write_package(tmp_path, "fs-own", "1.0")), "testing"))
    other = store.channel_dir("testing") / "linux-64"
    other.mkdir(exist_ok=True)
    (other / "repodata.json").write_text('{"info": {"subdir": "linux-64"}, "packages": {}}')
    assert store._stamp("testing") is None
    paths = frozenset({"share/fs-own/data.txt"})
    [own] = asyncio.run(store.packages("testing"))
    assert asyncio.run(store.installing("testing", paths)) == {own: paths}
    stamp = store._stamp("testing")
    assert stamp is not None
    assert _index(store, "testing").owners_if_synced(stamp, paths) == {
        (own.subdir, own.filename, own.sha256): paths
    }


def test_a_damaged_index_in_an_unsettled_subdir_is_refused_by_the_query(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(read_artifact(write_package(tmp_path, "fs-own", "1.0")), "testing"))
    other = store.channel_dir("testing") / "linux-64"
    other.mkdir(exist_ok=True)
    (other / "repodata.json").write_text("{not json")
    with pytest.raises(StoreRefused, match="damaged"):
        asyncio.run(store.installing("testing", frozenset()))
