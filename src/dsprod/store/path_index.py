"""Which package of a channel installs which file: the index behind promotion's clobber check.

Why this module exists: a package may not enter a channel if it installs a file
that another package there installs too (``promote.clobbered``). Answering that
by reading every package's ``info/paths.json`` costs the whole channel at each
promotion (4.5 s at 2,000 packages, measured). This index answers it in time
proportional to the promoted package's own files: ``installed path -> packages``,
one SQLite database per channel (the standard library's, so updates are
transactions: a writer killed at any instruction leaves the previous state,
rolled back by whoever opens it next).

The index is kept as a verified cache of the channel's listing, not as a second
source of truth: every query first brings it to exactly the packages the
channel's index lists, by (subdir, file name, sha256) (``sync``). Packages it
does not hold yet have their paths read, those no longer listed (or listed with
other bytes) are dropped. So whatever happened to the channel meanwhile
(publishes, copies, yanks, a crash between any two steps, a hand-repaired
index), the answer is the one a full read of every package would give; the
cost of a query is one read of the packages added since the last one, plus a
comparison of the listing with the index's keys (C loops in SQLite and sets).
Publishing never touches it: the hot path pays nothing for an index only a
promotion reads. ``rebuild`` starts over (``dsprod reindex``).

Comparing with the listing still costs the listing (0.2 s to parse at 20,000
packages, and as much to compare). So the index also remembers the stamp it
was synced at, in the same transaction: the caller's name for the listing's
exact bytes (the local store's ``settled`` identities of each subdir's index).
A query at the same stamp answers without a sync (``owners_if_synced``); a copy
into the channel, seeing the stamp it started from, adds its one package and
the new stamp (``added``). Anything else (a yank, other hands, a crash between
the index swap and ``added``) leaves a stamp that no longer matches, and the
next query syncs.

Paths are compared as ``installed_paths`` spells them, so that a noarch python
package and a platform one installing the same module collide.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from pathlib import Path, PurePosixPath
from typing import Any

from dsprod.store.base import StoredPackage

SCHEMA_VERSION = 2
_SYNCED = """
CREATE TABLE IF NOT EXISTS synced (stamp TEXT NOT NULL);
"""
_SCHEMA = (
    _SYNCED
    + """
CREATE TABLE IF NOT EXISTS packages (
    id INTEGER PRIMARY KEY,
    subdir TEXT NOT NULL,
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    UNIQUE (subdir, filename)
);
CREATE TABLE IF NOT EXISTS paths (
    path TEXT NOT NULL,
    package INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS paths_by_path ON paths (path);
CREATE INDEX IF NOT EXISTS paths_by_package ON paths (package);
"""
)

_NOARCH_PYTHON_PLACES = (
    (re.compile(r"^lib/python\d+\.\d+t?/site-packages/"), "site-packages/"),
    (re.compile(r"^python-scripts/"), "bin/"),
)
"""Where a platform-specific package installs what a noarch python one records elsewhere."""

FullKey = tuple[str, str, str]
"""A package file and its bytes in a channel: (subdir, file name, sha256)."""


def installed_paths(paths: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The files a package installs (its paths.json entries), spelled alike across subdirs."""
    installed = set()
    for entry in paths:
        if entry.get("path_type") == "directory" or not entry.get("_path"):
            continue
        path = str(PurePosixPath(str(entry["_path"])))
        for pattern, place in _NOARCH_PYTHON_PLACES:
            path = pattern.sub(place, path)
        installed.add(path)
    return frozenset(installed)


class PathIndex:
    """One channel's ``installed path -> package`` index in the SQLite file ``database``.

    ``database`` may be ``":memory:"`` (a store whose folder is read-only:
    built for the one query). The caller serialises writers (the store lock).
    """

    def __init__(self, database: Path | str) -> None:
        self.database = database

    def owners(
        self,
        listed: Sequence[StoredPackage],
        paths: Iterable[str],
        read_paths: Callable[[StoredPackage], Iterable[Mapping[str, Any]]],
        *,
        stamp: str | None = None,
    ) -> dict[FullKey, frozenset[str]]:
        """Which of ``listed`` install any of ``paths`` (as ``installed_paths`` spells them).

        ``listed`` is the channel's listing now; the index is brought to it
        first (``sync``), reading new packages' paths with ``read_paths``, and
        remembers ``stamp``, the caller's name for that listing (None: none).
        """
        with closing(self._open()) as connection:
            self._sync(connection, listed, read_paths, stamp)
            return self._query(connection, paths)

    def owners_if_synced(
        self, stamp: str | None, paths: Iterable[str]
    ) -> dict[FullKey, frozenset[str]] | None:
        """``owners`` without a sync, if the index was last synced at ``stamp``; else None.

        ``stamp`` names the channel's indexes now (the caller's; None when it
        cannot name them): an index synced at the same stamp holds exactly the
        packages they list.
        """
        if stamp is None:
            return None
        with closing(self._open()) as connection:
            if _stamp_of(connection) != stamp:
                return None
            return self._query(connection, paths)

    def added(
        self,
        before: str,
        after: str | None,
        package: FullKey,
        paths: Iterable[str],
    ) -> None:
        """The channel's indexes went from stamp ``before`` to ``after`` by listing ``package``.

        If the index was synced at ``before``, it takes the package (in place of
        any other bytes listed under its name) and is then synced at ``after``,
        in one transaction; otherwise it is left for the next query to sync.
        """
        with closing(self._open()) as connection, connection:
            if _stamp_of(connection) != before:
                return
            subdir, filename, _ = package
            stale = connection.execute(
                "SELECT subdir, filename, sha256 FROM packages WHERE subdir = ? AND filename = ?",
                (subdir, filename),
            ).fetchall()
            _delete(connection, stale)
            _insert(connection, package, paths)
            _set_stamp(connection, after)

    def _query(
        self, connection: sqlite3.Connection, paths: Iterable[str]
    ) -> dict[FullKey, frozenset[str]]:
        connection.execute("CREATE TEMP TABLE wanted (path TEXT PRIMARY KEY)")
        connection.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((p,) for p in paths))
        rows = connection.execute(
            "SELECT packages.subdir, packages.filename, packages.sha256, paths.path FROM wanted"
            " JOIN paths ON paths.path = wanted.path"
            " JOIN packages ON packages.id = paths.package"
        ).fetchall()
        found: dict[FullKey, set[str]] = {}
        for subdir, filename, sha256, path in rows:
            found.setdefault((subdir, filename, sha256), set()).add(path)
        return {key: frozenset(shared) for key, shared in found.items()}

    def sync(
        self,
        listed: Sequence[StoredPackage],
        read_paths: Callable[[StoredPackage], Iterable[Mapping[str, Any]]],
    ) -> None:
        """Bring the index to exactly ``listed`` (see the module docstring)."""
        with closing(self._open()) as connection:
            self._sync(connection, listed, read_paths)

    def contents(self) -> dict[tuple[str, str, str], frozenset[str]]:
        """Everything the index holds: (subdir, file name, sha256) -> paths (for checks)."""
        with closing(self._open()) as connection:
            packages = connection.execute("SELECT id, subdir, filename, sha256 FROM packages")
            held = {row[0]: (row[1], row[2], row[3]) for row in packages}
            found: dict[tuple[str, str, str], set[str]] = {key: set() for key in held.values()}
            for package, path in connection.execute("SELECT package, path FROM paths"):
                found[held[package]].add(path)
        return {key: frozenset(paths) for key, paths in found.items()}

    def rebuild(
        self,
        listed: Sequence[StoredPackage],
        read_paths: Callable[[StoredPackage], Iterable[Mapping[str, Any]]],
    ) -> None:
        """Start over from ``listed``: every package's paths read again (``dsprod reindex``)."""
        self._discard()
        self.sync(listed, read_paths)

    def _sync(
        self,
        connection: sqlite3.Connection,
        listed: Sequence[StoredPackage],
        read_paths: Callable[[StoredPackage], Iterable[Mapping[str, Any]]],
        stamp: str | None = None,
    ) -> None:
        wanted = {(p.subdir, p.filename, p.sha256): p for p in listed}
        held = set(connection.execute("SELECT subdir, filename, sha256 FROM packages"))
        stale = held.difference(wanted)  # set operations: C loops, not Python ones
        missing = [wanted[key] for key in wanted.keys() - held]
        if not (stale or missing) and _stamp_of(connection) == stamp:
            return
        new = [(p, installed_paths(read_paths(p))) for p in missing]  # may raise: before writing
        with connection:  # one transaction
            _delete(connection, stale)
            for package, paths in new:
                _insert(connection, (package.subdir, package.filename, package.sha256), paths)
            _set_stamp(connection, stamp)

    def _open(self) -> sqlite3.Connection:
        """The database, created with the schema if new.

        A file SQLite cannot read (damaged by other hands or a failing disk), or
        one of another schema, is a cache lost, not a channel damaged: it is
        started over.
        """
        try:
            return self._connect()
        except sqlite3.DatabaseError:
            self._discard()
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.database)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:  # new: no write at all when it exists already
                connection.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
            elif version == 1:  # made before stamps: its rows stay, it is synced at none
                connection.executescript(_SYNCED + f"PRAGMA user_version = {SCHEMA_VERSION};")
            elif version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"{self.database}: schema {version}, not ours")
        except BaseException:
            connection.close()
            raise
        return connection

    def _discard(self) -> None:
        """Delete the database and a journal it may have left (a new one starts empty)."""
        if isinstance(self.database, Path):
            journal = self.database.with_name(f"{self.database.name}-journal")
            for leftover in (self.database, journal):
                leftover.unlink(missing_ok=True)


def _stamp_of(connection: sqlite3.Connection) -> str | None:
    """The stamp the index was last synced at (None: not known to match any listing)."""
    row = connection.execute("SELECT stamp FROM synced").fetchone()
    return None if row is None else str(row[0])


def _set_stamp(connection: sqlite3.Connection, stamp: str | None) -> None:
    connection.execute("DELETE FROM synced")
    if stamp is not None:
        connection.execute("INSERT INTO synced (stamp) VALUES (?)", (stamp,))


def _delete(connection: sqlite3.Connection, packages: Iterable[FullKey]) -> None:
    """Drop these packages and their paths (inside the caller's transaction)."""
    keys = list(packages)
    connection.executemany(
        "DELETE FROM paths WHERE package IN"
        " (SELECT id FROM packages WHERE subdir = ? AND filename = ? AND sha256 = ?)",
        keys,
    )
    connection.executemany(
        "DELETE FROM packages WHERE subdir = ? AND filename = ? AND sha256 = ?", keys
    )


def _insert(connection: sqlite3.Connection, package: FullKey, paths: Iterable[str]) -> None:
    """Add a package and the paths it installs (inside the caller's transaction)."""
    cursor = connection.execute(
        "INSERT INTO packages (subdir, filename, sha256) VALUES (?, ?, ?)", package
    )
    connection.executemany(
        "INSERT INTO paths (path, package) VALUES (?, ?)",
        ((path, cursor.lastrowid) for path in sorted(paths)),
    )
