"""The path index behind promotion's clobber check: always the answer a full read would give."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsprod.artifact import Artifact, read_artifact, read_paths
from dsprod.errors import StoreRefused
from dsprod.promote import clobbered
from dsprod.store.base import PathIndexed, StoredPackage
from dsprod.store.local import PATHS, LocalStore
from dsprod.store.path_index import PathIndex, installed_paths
from tests.fakes import FakeStore
from tests.packages import write_package

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

FILES = ("bin/tool", "share/doc/a.txt", "share/doc/b.txt", "lib/libx.so", "etc/x.conf")


def package_installing(
    folder: Path, name: str, files: tuple[str, ...], build: str = "0"
) -> Artifact:
    """A real package whose info/paths.json lists ``files`` (what the clobber check reads)."""
    entries = [{"_path": f, "path_type": "hardlink", "size_in_bytes": 1} for f in files]
    paths = {"info/paths.json": {"paths": entries, "paths_version": 1}}
    return read_artifact(write_package(folder, name, "1.0", build, info_files=paths))


def full_read(store: LocalStore, listed: list[StoredPackage], ours: frozenset[str]) -> dict:
    """The answer without an index: every listed package's paths read from its file."""
    found = {}
    for package in listed:
        shared = ours & installed_paths(read_paths(asyncio.run(store.fetch(package))))
        if shared:
            found[package] = shared
    return found


def reader(store: LocalStore, channel: str):
    return lambda p: read_paths(store.channel_dir(channel) / p.subdir / p.filename)


def test_noarch_python_and_platform_spellings_of_a_module_are_the_same_path() -> None:
    entries = [
        {"_path": "lib/python3.12/site-packages/mod/__init__.py", "path_type": "hardlink"},
        {"_path": "lib/python3.13t/site-packages/other.py"},
        {"_path": "python-scripts/tool"},
        {"_path": "share/empty", "path_type": "directory"},
        {"_path": ""},
    ]
    assert installed_paths(entries) == {
        "site-packages/mod/__init__.py",
        "site-packages/other.py",
        "bin/tool",
    }


def test_the_local_store_answers_from_its_index_and_keeps_it_in_step_with_the_channel(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    assert isinstance(store, PathIndexed)
    one = package_installing(tmp_path, "pi-one", ("bin/tool", "share/doc/a.txt"))
    two = package_installing(tmp_path, "pi-two", ("share/doc/a.txt", "share/doc/b.txt"))
    for artifact in (one, two):
        asyncio.run(store.publish(artifact, "testing"))
    listed = asyncio.run(store.packages("testing"))
    ours = frozenset({"share/doc/a.txt", "etc/x.conf"})

    found = asyncio.run(store.installing("testing", ours))
    assert found == full_read(store, listed, ours)
    assert {p.name: sorted(s) for p, s in found.items()} == {
        "pi-one": ["share/doc/a.txt"],
        "pi-two": ["share/doc/a.txt"],
    }
    # a package taken out of the channel is no longer an answer, nor in the index
    [first] = [p for p in listed if p.name == "pi-one"]
    asyncio.run(store.remove(first))
    listed = asyncio.run(store.packages("testing"))
    assert set(asyncio.run(store.installing("testing", ours))) == {listed[0]}
    index = PathIndex(store.root / PATHS / "testing.sqlite3")
    assert set(index.contents()) == {(p.subdir, p.filename, p.sha256) for p in listed}


def test_a_package_listed_again_with_other_bytes_has_its_paths_read_again(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    before = package_installing(tmp_path / "a", "pi-same", ("bin/tool",))
    after = package_installing(tmp_path / "b", "pi-same", ("etc/x.conf",))
    assert before.filename == after.filename and before.sha256 != after.sha256
    asyncio.run(store.publish(before, "testing"))
    [old] = asyncio.run(store.packages("testing"))
    assert asyncio.run(store.installing("testing", frozenset({"bin/tool"}))) != {}
    asyncio.run(store.remove(old))
    asyncio.run(store.publish(after, "testing"))
    [new] = asyncio.run(store.packages("testing"))
    assert asyncio.run(store.installing("testing", frozenset({"bin/tool"}))) == {}
    assert asyncio.run(store.installing("testing", frozenset({"etc/x.conf"}))) == {
        new: frozenset({"etc/x.conf"})
    }


def test_an_unreadable_listed_package_is_a_damaged_channel(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(package_installing(tmp_path, "pi-bad", ("bin/tool",)), "testing"))
    [package] = asyncio.run(store.packages("testing"))
    asyncio.run(store.fetch(package)).write_bytes(b"not a package")
    with pytest.raises(StoreRefused, match="channel 'testing' is damaged"):
        asyncio.run(store.installing("testing", frozenset({"bin/tool"})))


@pytest.mark.parametrize("damage", ["garbage", "another schema"])
def test_an_index_sqlite_cannot_use_is_started_over(tmp_path: Path, damage: str) -> None:
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(package_installing(tmp_path, "pi-one", ("bin/tool",)), "testing"))
    listed = asyncio.run(store.packages("testing"))
    database = store.root / PATHS / "testing.sqlite3"
    database.parent.mkdir(parents=True)
    if damage == "garbage":
        database.write_bytes(b"this is not a database" * 100)
    else:
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA user_version = 99")
    found = asyncio.run(store.installing("testing", frozenset({"bin/tool"})))
    assert found == {listed[0]: frozenset({"bin/tool"})}


KILLED_MID_TRANSACTION = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("DELETE FROM paths")
connection.execute("INSERT INTO packages (subdir, filename, sha256) VALUES ('noarch', 'x', '0')")
os.kill(os.getpid(), signal.SIGKILL)  # inside the transaction: nothing of it may stay
"""


def test_a_writer_killed_inside_a_transaction_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(package_installing(tmp_path, "pi-one", ("bin/tool",)), "testing"))
    listed = asyncio.run(store.packages("testing"))
    asyncio.run(store.installing("testing", frozenset()))  # the index holds pi-one
    database = store.root / PATHS / "testing.sqlite3"
    before = PathIndex(database).contents()
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_TRANSACTION, str(database)])
    assert killed.returncode < 0
    assert PathIndex(database).contents() == before
    found = asyncio.run(store.installing("testing", frozenset({"bin/tool"})))
    assert found == {listed[0]: frozenset({"bin/tool"})}


def test_reindex_rebuilds_the_path_index(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    asyncio.run(store.publish(package_installing(tmp_path, "pi-one", ("bin/tool",)), "testing"))
    [package] = asyncio.run(store.packages("testing"))
    database = store.root / PATHS / "testing.sqlite3"
    asyncio.run(store.installing("testing", frozenset()))
    with sqlite3.connect(database) as connection:  # an index edited by other hands
        connection.execute("UPDATE paths SET path = 'elsewhere'")
    asyncio.run(store.reindex("testing"))
    assert PathIndex(database).contents() == {
        (package.subdir, package.filename, package.sha256): frozenset({"bin/tool"})
    }


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(0, 5), st.sets(st.sampled_from(FILES))),
        st.tuples(st.just("copy"), st.integers(0, 5), st.just(frozenset())),
        st.tuples(st.just("remove"), st.integers(0, 5), st.just(frozenset())),
        st.tuples(st.just("query"), st.integers(0, 5), st.sets(st.sampled_from(FILES))),
    ),
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_the_index_answers_as_a_full_read_after_any_publishes_copies_and_removals(
    tmp_path_factory: pytest.TempPathFactory, operations: list
) -> None:
    """Invariant: after any sequence of publish, copy and remove, every query answers what
    reading every listed package would, and the index equals one rebuilt from scratch."""
    folder = tmp_path_factory.mktemp("ops")
    store = LocalStore(folder / "store")
    asyncio.run(store.channel_url("testing"))
    built: dict[int, Artifact] = {}
    for operation, number, files in operations:
        if operation == "publish" and number not in built:
            built[number] = package_installing(folder, f"pi-{number}", tuple(sorted(files)))
            asyncio.run(store.publish(built[number], "unstable"))
        elif operation == "copy" and number in built:
            [package] = [
                p for p in asyncio.run(store.packages("unstable")) if p.name == f"pi-{number}"
            ]
            asyncio.run(store.copy(package, "testing"))
        elif operation == "remove":
            for package in asyncio.run(store.packages("testing")):
                if package.name == f"pi-{number}":
                    asyncio.run(store.remove(package))
        elif operation == "query":
            listed = asyncio.run(store.packages("testing"))
            ours = frozenset(files)
            assert asyncio.run(store.installing("testing", ours)) == full_read(store, listed, ours)
    listed = asyncio.run(store.packages("testing"))
    asyncio.run(store.installing("testing", frozenset()))
    kept = PathIndex(store.root / PATHS / "testing.sqlite3")
    scratch = PathIndex(folder / "scratch.sqlite3")
    scratch.rebuild(listed, reader(store, "testing"))
    assert kept.contents() == scratch.contents()


def test_the_clobber_check_says_the_same_with_the_index_and_without_it(tmp_path: Path) -> None:
    """The local store answers from its index; a store without one has every package read."""
    local = LocalStore(tmp_path / "store")
    plain = FakeStore(tmp_path / "blobs")
    assert not isinstance(plain, PathIndexed)
    residents = [
        package_installing(tmp_path / "r", "pi-mod", ("site-packages/mod/__init__.py",)),
        package_installing(tmp_path / "r", "pi-docs", ("share/doc/a.txt", "share/doc/b.txt")),
        package_installing(tmp_path / "r", "pi-tool", ("bin/tool",)),
    ]
    for artifact in residents:
        for store in (local, plain):
            asyncio.run(store.publish(artifact, "testing"))
    newcomer = package_installing(
        tmp_path / "n",
        "pi-new",
        ("lib/python3.12/site-packages/mod/__init__.py", "share/doc/a.txt", "share/doc/b.txt"),
    )
    same_name = package_installing(tmp_path / "s", "pi-docs", ("share/doc/a.txt",), build="1")
    for artifact in (newcomer, same_name):
        with_index = asyncio.run(clobbered(local, "testing", artifact, {}))
        assert sorted(with_index) == sorted(asyncio.run(clobbered(plain, "testing", artifact, {})))
    assert sorted(asyncio.run(clobbered(local, "testing", newcomer, {}))) == [
        "its files clobber those of pi-docs-1.0-0.conda in 'testing':"
        " share/doc/a.txt, share/doc/b.txt",
        "its files clobber those of pi-mod-1.0-0.conda in 'testing': site-packages/mod/__init__.py",
    ]
    assert asyncio.run(clobbered(local, "testing", same_name, {})) == []  # another build of it
