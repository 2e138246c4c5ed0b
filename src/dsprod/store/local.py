"""The embedded default store: channels as plain folders on a local or shared disk.

Layout under the store root::

    channels/<channel>/<subdir>/<package files> + repodata.json(.zst)   (all a file server serves)
    reports/<sha256>.json, reports/<sha256>.xml
    promotions.log          (JSON lines, append-only)
    owners.json             (package name -> owner and the history of changes)
    intents/<id>.json       (promotions under way, written before their copy)
    removals/<id>.json      (files leaving a channel: a yank under way)
    .staging/               (files and indexes being prepared; same filesystem as channels/)
    .settled/<channel>/<subdir>.json   (each subdir as its last writer left it: settled.py)
    .paths/<channel>.sqlite3           (installed path -> package, for promotion: path_index.py)
    .lock                   (serialises writers: many CI runners may share a store)

Guarantees: a package file is never overwritten (the same name with other bytes
is refused, the same bytes again is a no-op); ``repodata.json`` is replaced
atomically, so a reader sees the old index or the new one, never half of one.

Cost (design note). A publish or copy adds one record to the index, made from
the package's own ``info/index.json`` (``repodata.py``: its layout lets a writer
add a line without parsing the others), so its cost does not grow with the
channel beyond one read and one write of the index's bytes (and their zstd
compression, done while the index is written). The directory read that finds
files a crash left unlisted, and the check of the index's every line, are only
done when the subdir changed since its last writer left it (``settled.py``).
Rebuilding an index from every package file is the explicit repair,
``reindex`` (``dsprod reindex``), never a publish's path. A promotion's clobber
check asks the channel's path index (``installing``, ``path_index.py``) instead
of reading every package; each copy keeps that index synced, and a promotion
finds its package, the target's copy and the broken channel's by a search of
the index's bytes (``having``), so it lists no channel whole.

Crash safety (design note). A writer may be killed at any instruction; whoever
comes next finishes or discards what it left, and never needs a human:

* Everything is prepared in ``.staging/`` while the lock is held, outside the
  served ``channels/`` tree but on its filesystem (so ``os.link`` and
  ``os.replace`` stay atomic). The next holder of the lock knows no live writer
  owns anything there, and empties it (``.staging-*``/``.incoming-*`` folders
  that older versions left inside channels go the same way).
* A publish copies the file into staging, writes the new index there, links
  the file into the channel and only then swaps ``repodata.json.zst`` and
  last ``repodata.json`` in. A kill
  between those two steps leaves a complete file that the index does not list.
  Such a file is *adopted*, indexed by the next ``packages()`` (so by every
  lookup) or publish, provided its own metadata match its name. A re-run of the
  same commit then finds the bytes it published and reuses them, rather than
  building other bytes that the store must refuse under the same name.
* The promotion log takes one ``write`` per entry, always on a fresh line, and
  its reader skips a torn line. An entry is announced as an intent before its
  copy (``FileLedger.begin``); a promotion whose process died is finished from
  its intent by the next one (``promote.finish_interrupted``).
* A removal (``remove``, a yank's last step) is the one change that takes a
  file out of a channel, and adoption works against it: a file the index stops
  listing is indexed again by the next writer or lookup. Removing the file
  first would instead leave, for a while, an index listing a file that is not
  there (a reader's solve would pick it and fail to download it). So a removal
  is recorded first (``removals/<id>.json``, written whole), then the index
  swapped without the record, then the file unlinked, then the record
  dropped; and every holder of the lock completes the removals it finds
  before anything else, so before any adoption. A reader sees the file listed
  and present, or neither, at every instant.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rattler import Subdir
from rattler.index import index_fs

from dsprod.artifact import PACKAGE_SUFFIXES, Artifact, read_artifact, read_paths, sha256_of
from dsprod.errors import InputError, StoreRefused
from dsprod.store import settled
from dsprod.store.base import Field, StoredPackage, WriteTokens
from dsprod.store.ledger import (
    Intent,
    OwnerChange,
    Ownership,
    PromotionEntry,
    TestReport,
    next_ownership,
)
from dsprod.store.path_index import FullKey, PathIndex, installed_paths
from dsprod.store.repodata import Repodata, compressed, record_of

NOARCH = "noarch"
STAGING = ".staging"
"""Where writers prepare files and indexes, under the store root (never under channels/)."""
OLDER_TEMPS = ".incoming-"
"""How older versions named the files they prepared inside a channel's subdir."""
PATHS = ".paths"
"""Under the store root: each channel's ``installed path -> package`` index (``path_index``)."""
INTENTS = "intents"
REMOVALS = "removals"
LOG = "promotions.log"

DEFAULT_PATH = Path(".dsprod") / "store"
"""Where the embedded default store lives, relative to channels.yaml (or the project)."""


@dataclass(frozen=True)
class LocalSettings:
    """The ``store:`` section of channels.yaml for ``kind: local``."""

    path: Path
    kind: str = "local"


class LocalStore:
    """A store in a folder; channels are readable as ``file://`` URLs."""

    kind = "local"
    settings_keys = frozenset({"path"})

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ledger = FileLedger(root)
        self._listings: dict[Path, tuple[bytes, list[StoredPackage]]] = {}
        """Each index this process listed: its bytes and their packages (``_listing``)."""

    @classmethod
    def parse_settings(
        cls, section: Mapping[str, Any], where: str, base: Path, location: str | None
    ) -> LocalSettings:
        """Validate the section; ``location`` ($DSPROD_STORE) replaces ``path`` when given."""
        if location:
            return LocalSettings(path=Path(location).expanduser().resolve())
        path = section.get("path", str(DEFAULT_PATH))
        if not isinstance(path, str) or path == "":
            raise InputError(
                f"{where}: 'store.path' must be a path, got {type(path).__name__} {path!r}"
            )
        return LocalSettings(path=(base / path).resolve())

    @classmethod
    def open(cls, settings: LocalSettings, tokens: WriteTokens) -> LocalStore:
        """A local store needs no tokens: whoever may write its folder writes its channels."""
        return cls(settings.path)

    def describe(self) -> str:
        return f"local store at {self.root}"

    def channel_dir(self, channel: str) -> Path:
        return self.root / "channels" / channel

    async def channel_url(self, channel: str) -> str:
        with _locked(self.root):
            await self._ensure_channel(channel)
        return self.channel_dir(channel).as_uri()

    async def publish(self, artifact: Artifact, channel: str) -> bool:
        with _locked(self.root):
            await self._ensure_channel(channel)
            return await self._add(artifact.path, artifact.sha256, channel, artifact.subdir)

    async def copy(self, package: StoredPackage, target: str) -> bool:
        source = await self.fetch(package)
        if sha256_of(source) != package.sha256:
            raise StoreRefused(
                f"{source}: sha256 differs from the index of channel '{package.channel}';"
                " the channel is damaged, not copying"
            )
        with _locked(self.root):
            await self._ensure_channel(target)
            return await self._add(source, package.sha256, target, package.subdir)

    async def packages(self, channel: str) -> list[StoredPackage]:
        """Every package the channel's index lists, after adopting files a crash left unlisted."""
        found: list[StoredPackage] = []
        for live, unsettled in self._subdirs_to_read(channel):
            found.extend(
                self._adopted(channel, live) if unsettled else self._listing(channel, live)
            )
        return found

    async def having(self, channel: str, field: Field, value: str) -> list[StoredPackage]:
        """The packages ``packages()`` would list with ``field`` equal to ``value``, in its order.

        A subdir as its last writer left it (``settled``) has only the lines of
        its index that hold ``value`` parsed (``Repodata.records_holding``):
        its cost is a read and a search of the index's bytes, not a parse of
        every record. Any other subdir is listed as ``packages()`` lists it
        (adopting what a crash left).
        """
        found: list[StoredPackage] = []
        for live, unsettled in self._subdirs_to_read(channel):
            if unsettled:
                candidates = self._adopted(channel, live)
            else:
                index = Repodata.read(live / "repodata.json", live.name, trusted=True)
                records = index.records_holding(live / "repodata.json", value)
                candidates = _listed(channel, live.name, records)
            found.extend(p for p in candidates if getattr(p, field) == value)
        return found

    def _subdirs_to_read(self, channel: str) -> list[tuple[Path, bool]]:
        """The channel's subdirs, each with whether it is unsettled (may hold unlisted files).

        First what killed writers left is completed (a removal) or swept, as
        every reader does before reading an index.
        """
        folder = self.channel_dir(channel)
        if not folder.is_dir():
            return []
        if _removals_pending(self.root) and os.access(self.root, os.W_OK):
            with _locked(self.root):  # completes them: what a killed yank left goes now
                pass
        subdirs = _subdirs(folder)
        unsettled = [live for live in subdirs if not settled.unchanged(self.root, live)]
        _sweep_if_idle(self.root, *unsettled)
        return [(live, live in unsettled) for live in subdirs]

    def _adopted(self, channel: str, live: Path) -> list[StoredPackage]:
        """The listing of an unsettled subdir, after indexing the files a crash left unlisted."""
        if _unlisted(live, _names(self._listing(channel, live))) and os.access(self.root, os.W_OK):
            with _locked(self.root):  # a reader of a read-only store sees the index as it is
                if _unlisted(live, _names(self._listing(channel, live))):
                    self._update_index(channel, live.name, None)
        return self._listing(channel, live)

    def _listing(self, channel: str, live: Path) -> list[StoredPackage]:
        """The packages ``live``'s index lists, parsed once per process for the same bytes.

        A command lists a channel several times (a promotion: before judging,
        before copying); reading the index again and comparing it with the bytes
        parsed last time costs a small part of parsing them again.
        """
        path = live / "repodata.json"
        if not path.is_file():
            return []
        data = path.read_bytes()
        parsed = self._listings.get(path)
        if parsed is None or parsed[0] != data:
            parsed = (data, _listed(channel, live.name, _records(path, data)))
            self._listings[path] = parsed
        return parsed[1]

    async def installing(
        self, channel: str, paths: frozenset[str]
    ) -> dict[StoredPackage, frozenset[str]]:
        """Which packages the channel lists install any of ``paths``, from its path index.

        The index answers at once when it was last synced with exactly the
        indexes the channel has now (``_stamp``; each copy into the channel
        keeps it so, ``_update_index``). Otherwise it is first brought to the
        channel's listing (``path_index``: only packages new to it are read).
        A store this process may not write gets an index built in memory for
        the one query.
        """
        found = await self._owners(channel, paths)
        answer: dict[StoredPackage, frozenset[str]] = {}
        for (subdir, filename, sha256), shared in found.items():
            for package in await self.having(channel, "filename", filename):
                if package.key == (subdir, filename) and package.sha256 == sha256:
                    answer[package] = shared  # (one yanked meanwhile is no longer an answer)
        return answer

    async def _owners(self, channel: str, paths: frozenset[str]) -> dict[FullKey, frozenset[str]]:
        """The path index's answer: at once if synced at the channel's stamp, else after a sync."""
        read = self._paths_reader(channel)
        if not os.access(self.root, os.W_OK):
            return PathIndex(":memory:").owners(await self.packages(channel), paths, read)
        with _locked(self.root):
            found = self._path_index(channel).owners_if_synced(self._stamp(channel), paths)
            if found is not None:
                return found
            self._settle(channel)
            before = self._stamp(channel)
        listed = await self.packages(channel)
        with _locked(self.root):
            # the listing is of these very indexes only if none changed meanwhile
            stamp = self._stamp(channel)
            return self._path_index(channel).owners(
                listed, paths, read, stamp=stamp if stamp == before else None
            )

    def _settle(self, channel: str) -> None:
        """Record each complete subdir of the channel as settled where no writer did (lock held).

        An index another indexer wrote, or a subdir after a yank, has no record
        until the next publish there, and a channel with such a subdir has no
        stamp: its path index would be synced at every query. Its index is
        checked line by line (a damaged one is refused) and its folder for
        unlisted packages, as a writer does before recording it; one holding
        such files is left to the listing, which adopts them.
        """
        for live in _subdirs(self.channel_dir(channel)):
            index_path = live / "repodata.json"
            if settled.unchanged(self.root, live) or not index_path.is_file():
                continue
            if not _unlisted(live, Repodata.read(index_path, live.name).listed):
                with _staging(self.root) as staging:
                    settled.record(self.root, live, staging)

    def _stamp(self, channel: str) -> str | None:
        """The identity of the channel's indexes now, if every subdir is settled (else None).

        Equal stamps mean the same index bytes (``settled.current``): the path
        index, synced at one stamp, needs no sync while the channel keeps it.
        """
        folder = self.channel_dir(channel)
        if not folder.is_dir():
            return None
        identities = {}
        for live in _subdirs(folder):
            identity = settled.current(self.root, live)
            if identity is None:
                return None
            identities[live.name] = identity
        return json.dumps(identities, sort_keys=True)

    def _path_index(self, channel: str) -> PathIndex:
        (self.root / PATHS).mkdir(exist_ok=True)
        return PathIndex(self.root / PATHS / f"{channel}.sqlite3")

    def _paths_reader(self, channel: str) -> Callable[[StoredPackage], list[dict[str, Any]]]:
        """Reads a listed package's paths.json; an unreadable one is a damaged channel."""

        def read(package: StoredPackage) -> list[dict[str, Any]]:
            path = self.channel_dir(channel) / package.subdir / package.filename
            try:
                return read_paths(path)
            except InputError as error:
                raise StoreRefused(f"{error}; channel '{channel}' is damaged") from None

        return read

    async def fetch(self, package: StoredPackage) -> Path:
        return self.channel_dir(package.channel) / package.subdir / package.filename

    async def remove(self, package: StoredPackage) -> bool:
        """Take ``package`` out of its channel (index, then file; see the crash-safety note).

        The caller keeps the bytes elsewhere first (a yank copies them to the
        broken channel): this is the one operation that unlinks a package file.
        False if the channel held neither the file nor a record of it.
        """
        live = self.channel_dir(package.channel) / package.subdir
        path = live / package.filename
        with _locked(self.root):
            index = Repodata.read(live / "repodata.json", package.subdir)
            if not (package.filename in index.listed or path.exists()):
                return False
            if path.exists() and sha256_of(path) != package.sha256:
                raise StoreRefused(
                    f"{path}: other bytes than the {package.sha256[:12]}... asked to be removed"
                    f" from channel '{package.channel}'; not removing it"
                )
            record = {"channel": package.channel, "subdir": package.subdir}
            record["filename"] = package.filename
            folder = self.root / REMOVALS
            folder.mkdir(exist_ok=True)
            removal = folder / f"{os.getpid()}-{uuid.uuid4().hex}.json"
            _atomic_write(self.root, removal, json.dumps(record, sort_keys=True).encode())
            _fsync(folder)
            _complete_removal(self.root, removal)
        return True

    # -- internals (the lock is held) -------------------------------------------

    async def _ensure_channel(self, channel: str) -> None:
        """Give a channel an index for noarch and this host's subdir, even when empty.

        Solvers read both; a channel without them is not a channel to them.
        """
        for subdir in (NOARCH, str(Subdir.current())):
            if not (self.channel_dir(channel) / subdir / "repodata.json").is_file():
                self._update_index(channel, subdir, None)

    async def _add(self, source: Path, sha256: str, channel: str, subdir: str) -> bool:
        """Put the file into the channel and its index, never replacing existing bytes."""
        live = self.channel_dir(channel) / subdir
        destination = live / source.name
        if destination.exists():
            if sha256_of(destination) != sha256:
                raise StoreRefused(
                    f"{destination}: a package of this name with other bytes is already in"
                    f" channel '{channel}'; refusing to overwrite it"
                    " (bump the version or build number)"
                )
            if not Repodata.read(live / "repodata.json", subdir).lists(destination.name):
                self._update_index(channel, subdir, None, scan=True)  # left unindexed by a crash
            return False
        with _staging(self.root) as staging:
            incoming = staging / source.name
            with incoming.open("wb") as out, source.open("rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(incoming, 0o644)
            if sha256_of(incoming) != sha256:
                raise StoreRefused(f"{source}: bytes changed while copying into '{channel}'")
            self._update_index(channel, subdir, incoming)
        return True

    def _update_index(
        self, channel: str, subdir: str, incoming: Path | None, *, scan: bool = False
    ) -> None:
        """Add ``incoming``, and any file a crash left unlisted, to the subdir's index in place.

        This is every publish's and copy's path, and its cost does not grow with
        the channel beyond reading and writing the index's bytes: the new
        records come from the packages' own ``info/index.json``
        (``repodata.record_of``), the listed ones stay as they are. The new
        index and its ``.zst`` are prepared in staging; ``incoming`` is linked
        into the channel, then the ``.zst`` and last ``repodata.json`` replace
        theirs. A kill before the last swap leaves a complete file that
        ``repodata.json`` does not list: the next writer or reader adopts it
        (and so rewrites both indexes).

        Looking for such files takes a directory read, and checking the index's
        lines a pass over it; both are skipped when the subdir is exactly as the
        last writer left it (``settled``), and done when ``scan`` is asked for.
        """
        live = self.channel_dir(channel) / subdir
        live.mkdir(parents=True, exist_ok=True)
        trusted = not scan and settled.unchanged(self.root, live)
        path_indexed = (self.root / PATHS / f"{channel}.sqlite3").is_file()
        before = self._stamp(channel) if trusted and path_indexed else None
        index = Repodata.read(live / "repodata.json", subdir, trusted=trusted)
        if not trusted:
            others = _not_listed(live, index.listed)
            _remove([live / name for name in others if name.startswith(OLDER_TEMPS)])
            for package in _genuine_packages(live, others):
                index.add(package.name, record_of(package))
        if incoming is None:
            _swap_index(self.root, live, index, None, settle=True)
            return
        record = record_of(incoming)
        index.add(incoming.name, record)
        _swap_index(self.root, live, index, incoming, settle=True)
        if before is not None:
            self._path_index_added(channel, subdir, incoming, record["sha256"], before)

    def _path_index_added(
        self, channel: str, subdir: str, incoming: Path, sha256: str, before: str
    ) -> None:
        """Keep the channel's path index synced across this one addition (lock held).

        Only if it was synced with the indexes as they were just before
        (``before``): then the listing gained exactly ``incoming``. Otherwise,
        or if the package's file list cannot be read, it is left as it was,
        and the next query syncs it (and reports a damaged package).
        """
        try:
            paths = installed_paths(read_paths(incoming))
        except InputError:
            return
        key = (subdir, incoming.name, sha256)
        self._path_index(channel).added(before, self._stamp(channel), key, paths)

    async def reindex(self, channel: str) -> list[str]:
        """Rebuild the channel's indexes from its package files with rattler's indexer.

        The explicit repair for an index damaged or edited by other hands
        (``dsprod reindex``); publishing and promoting never need it. Reads every
        package, so it costs what the channel holds. The channel's path index
        is rebuilt from the new listing too. Returns the subdirs indexed (none
        for a channel nothing was ever published to).
        """
        folder = self.channel_dir(channel)
        if not folder.is_dir():  # nothing was ever published there
            return []
        with _locked(self.root):
            subdirs = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name[0] != ".")
            for subdir in subdirs:
                live = folder / subdir
                with _staging(self.root) as staging:
                    staged = staging / "channel" / subdir
                    staged.mkdir(parents=True)
                    for package in _genuine_packages(live, os.listdir(live)):
                        os.link(package, staged / package.name)
                    await index_fs(
                        staged.parent,
                        target_platform=Subdir(subdir),
                        write_zst=False,
                        write_shards=False,
                        force=True,
                    )
                    index = Repodata.read(staged / "repodata.json", subdir)
                    _swap_index(self.root, live, index, None, settle=True)
            listed = [
                package
                for subdir in subdirs
                for package in _listed(channel, subdir, _index_of(folder / subdir))
            ]
            self._path_index(channel).rebuild(listed, self._paths_reader(channel))
        return subdirs


def _swap_index(
    root: Path, live: Path, index: Repodata, incoming: Path | None, *, settle: bool = False
) -> None:
    """Write ``index`` and its ``.zst`` in staging, link ``incoming`` in, then swap both in.

    The ``.zst`` is compressed in a thread while ``repodata.json`` is written
    and made durable (zstd leaves the GIL; the two take about as long each at
    20,000 packages). It is one zstd frame: rattler reads only the first frame
    of a ``repodata.json.zst`` (measured), so it is compressed whole each time.
    ``settle``: ``index`` lists every genuine package file of ``live``, and
    the next writer may rely on it while the subdir stays as it is (``settled``).
    """
    document = index.to_bytes()
    # incoming's own staging folder serves (one folder made and removed per publish, not two)
    place = _staging(root) if incoming is None else contextlib.nullcontext(incoming.parent)
    with place as staging, ThreadPoolExecutor(max_workers=1) as compressor:
        zst = compressor.submit(compressed, document)
        for name, data in (("repodata.json", document), ("repodata.json.zst", zst)):
            handle = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                _write_all(handle, data if isinstance(data, bytes) else data.result())
                os.fsync(handle)
            finally:
                os.close(handle)
        if incoming is not None:
            os.link(incoming, live / incoming.name)  # fails rather than replaces a name
        os.replace(staging / "repodata.json.zst", live / "repodata.json.zst")
        os.replace(staging / "repodata.json", live / "repodata.json")
        _fsync(live)
        if settle:
            settled.record(root, live, staging)


def _removals_pending(root: Path) -> bool:
    """Whether a killed yank left a removal to complete (one stat when none ever did)."""
    folder = root / REMOVALS
    return folder.is_dir() and any(folder.iterdir())


def _complete_removals(root: Path) -> None:
    """Finish every removal a killed writer left (lock held), before anything can adopt its file."""
    folder = root / REMOVALS
    if folder.is_dir():
        for removal in sorted(folder.glob("*.json")):
            _complete_removal(root, removal)


def _complete_removal(root: Path, removal: Path) -> None:
    """Unlist the recorded file, unlink it, forget the record (lock held; each step idempotent)."""
    record = _json_document(removal, removal.read_bytes())
    live = root / "channels" / record["channel"] / record["subdir"]
    index = Repodata.read(live / "repodata.json", record["subdir"])
    if index.remove(record["filename"]):
        _swap_index(root, live, index, None)
    if (live / record["filename"]).exists():
        os.unlink(live / record["filename"])
        _fsync(live)
    os.unlink(removal)
    _fsync(removal.parent)


class FileLedger:
    """The local store's ledger: reports, ``promotions.log``, promotion intents, ``owners.json``.

    An intent file is created and ``flock``-ed under the store lock and stays
    locked by its promoting process until ``finish``; the kernel releases that
    lock when the process dies, however it dies. So an intent whose lock can be
    taken is provably an interrupted promotion, never one still under way.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._held: dict[str, int] = {}
        """This process's own intents: token -> the open file holding its flock."""

    def save_report(self, report: TestReport, junit_xml: Path | None) -> TestReport:
        folder = self.root / "reports"
        with _locked(self.root):
            folder.mkdir(parents=True, exist_ok=True)
            kept_xml = None
            if junit_xml is not None and junit_xml.is_file():
                kept_xml = folder / f"{report.sha256}.xml"
                _atomic_write(self.root, kept_xml, junit_xml.read_bytes())
            destination = folder / f"{report.sha256}.json"
            kept = report.kept_at(str(destination), str(kept_xml) if kept_xml else None)
            data = json.dumps(kept.to_json(), indent=2, sort_keys=True).encode()
            _atomic_write(self.root, destination, data)
        return kept.with_digest(hashlib.sha256(data).hexdigest())

    def load_report(self, sha256: str) -> TestReport | None:
        path = self.root / "reports" / f"{sha256}.json"
        if not path.is_file():
            return None
        data = path.read_bytes()  # read once: the digest is of the very bytes parsed
        report = TestReport.from_json(_json_document(path, data), str(path))
        return report.with_digest(hashlib.sha256(data).hexdigest())

    def load_junit(self, sha256: str) -> bytes | None:
        path = self.root / "reports" / f"{sha256}.xml"
        return path.read_bytes() if path.is_file() else None

    def append_log(self, entry: PromotionEntry) -> None:
        with _locked(self.root):
            self._append(entry)

    def read_log(self) -> list[PromotionEntry]:
        """Every entry, skipping a line torn by a crash (its intent gets it logged again)."""
        path = self.root / LOG
        if not path.is_file():
            return []
        entries = []
        for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            document = _log_document(line) if line.strip() else None
            if document is not None:
                entries.append(PromotionEntry.from_json(document, str(path)))
        return entries

    def begin(self, entry: PromotionEntry, channel: str) -> Intent:
        folder = self.root / INTENTS
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        document = json.dumps({"channel": channel, "entry": entry.to_json()}, sort_keys=True)
        with _locked(self.root):
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(folder / f"{token}.json", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new file: nobody else holds it
            _write_all(handle, document.encode())
            os.fsync(handle)
            _fsync(folder)
            self._held[token] = handle
        return Intent(entry=entry, channel=channel, token=token)

    def finish(self, intent: Intent, happened: bool) -> None:
        path = self.root / INTENTS / f"{intent.token}.json"
        try:
            with _locked(self.root):
                if not path.exists():  # another process recovered it first
                    return
                # Our own intent cannot be logged yet; a dead one's may be (killed after the
                # append, before the unlink).
                if happened and (intent.token in self._held or intent.entry not in self.read_log()):
                    self._append(intent.entry)
                path.unlink()
                _fsync(path.parent)
        finally:
            handle = self._held.pop(intent.token, None)
            if handle is not None:
                os.close(handle)

    def interrupted(self) -> list[Intent]:
        folder = self.root / INTENTS
        if not folder.is_dir():
            return []
        found = []
        with _locked(self.root):
            for path in sorted(folder.glob("*.json")):
                handle = os.open(path, os.O_RDWR)  # an flock over NFS needs a writable file
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # its promotion is still under way
                    os.close(handle)
                    continue
                try:
                    document = json.loads(os.read(handle, 1 << 20) or b"null")
                    entry = PromotionEntry.from_json(document["entry"], str(path))
                    found.append(Intent(entry, document["channel"], path.stem))
                except (ValueError, TypeError, KeyError, StoreRefused):
                    path.unlink()  # torn while being written: its copy had not started
                finally:
                    os.close(handle)
        return found

    def owners(self) -> list[Ownership]:
        return sorted(self._read_owners().values(), key=lambda ownership: ownership.name)

    def claim_owner(self, name: str, change: OwnerChange) -> Ownership:
        with _locked(self.root):
            owners = self._read_owners()
            if name in owners:
                return owners[name]
            return self._write_owner(owners, name, change)

    def transfer_owner(self, name: str, change: OwnerChange) -> Ownership:
        with _locked(self.root):
            return self._write_owner(self._read_owners(), name, change)

    def _read_owners(self) -> dict[str, Ownership]:
        path = self.root / "owners.json"
        if not path.is_file():
            return {}
        document = _json_document(path, path.read_bytes())
        if not isinstance(document, dict):
            raise StoreRefused(f"{path}: not a mapping of package names; the store is damaged")
        return {name: Ownership.from_json(name, e, str(path)) for name, e in document.items()}

    def _write_owner(
        self, owners: dict[str, Ownership], name: str, change: OwnerChange
    ) -> Ownership:
        """Record ``change`` for ``name`` and rewrite owners.json atomically (lock held)."""
        owners[name] = next_ownership(name, owners.get(name), change)
        document = {key: owners[key].to_json() for key in sorted(owners)}
        _atomic_write(
            self.root,
            self.root / "owners.json",
            json.dumps(document, indent=2, sort_keys=True).encode(),
        )
        return owners[name]

    def _append(self, entry: PromotionEntry) -> None:
        """One write, on a fresh line even if a crash tore the last one (lock held)."""
        line = (json.dumps(entry.to_json(), sort_keys=True) + "\n").encode()
        handle = os.open(self.root / LOG, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(handle).st_size
            if size and os.pread(handle, 1, size - 1) != b"\n":
                line = b"\n" + line
            _write_all(handle, line)
            os.fsync(handle)
        finally:
            os.close(handle)


def _listed(channel: str, subdir: str, records: dict[str, dict[str, Any]]) -> list[StoredPackage]:
    """The packages a subdir's index lists, by file name."""
    return [
        StoredPackage.listed(channel, subdir, filename, record)
        for filename, record in sorted(records.items())
    ]


def _subdirs(folder: Path) -> list[Path]:
    """A channel folder's subdirs by name (dot-folders are not subdirs; none if no folder)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name[0] != ".")


def _names(packages: Iterable[StoredPackage]) -> set[str]:
    return {package.filename for package in packages}


def _index_of(live: Path) -> dict[str, dict[str, Any]]:
    """The subdir's index as ``filename -> record`` (empty if it has none yet)."""
    path = live / "repodata.json"
    return _records(path, path.read_bytes()) if path.is_file() else {}


def _records(path: Path, data: bytes) -> dict[str, dict[str, Any]]:
    """An index's bytes as ``filename -> record``; bytes that are not an index: damaged."""
    repodata = _json_document(path, data)
    if not isinstance(repodata, dict):
        raise StoreRefused(f"{path}: not a channel index; the store is damaged")
    return {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}


def _not_listed(live: Path, listed: Iterable[str]) -> set[str]:
    """The names in a subdir that are not in ``listed``.

    One directory read and a set difference, no Python loop over the names: a
    channel's subdir may hold tens of thousands of packages.
    """
    return set(os.listdir(live)).difference(listed)


def _genuine_packages(live: Path, names: Iterable[str]) -> list[Path]:
    """The genuine package files among ``names`` (see ``_genuine``)."""
    packages = sorted(n for n in names if n.endswith(PACKAGE_SUFFIXES) and n[0] != ".")
    return [live / name for name in packages if _genuine(live / name)]


def _unlisted(live: Path, listed: Iterable[str]) -> list[Path]:
    """Genuine package files that the index does not list (an interrupted publish or copy)."""
    return _genuine_packages(live, _not_listed(live, listed))


def _genuine(package: Path) -> bool:
    """Whether a file is a readable package whose metadata match its name.

    The store itself only ever links complete, verified files into a channel;
    this keeps a file put there by other hands from being indexed under a
    name that is not its own (or from breaking the indexer).
    """
    try:
        artifact = read_artifact(package)
    except Exception:  # whatever is wrong with it, it is not a package to index
        return False
    suffix = next(s for s in PACKAGE_SUFFIXES if package.name.endswith(s))
    return package.name == f"{artifact.name}-{artifact.version}-{artifact.build}{suffix}"


def _json_document(path: Path, data: bytes) -> Any:
    """Parse a ledger file or an index; bytes that are not JSON are a damaged store (one line)."""
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError both
        raise StoreRefused(f"{path}: not valid JSON ({error}); the store is damaged") from None


def _log_document(line: str) -> dict[str, Any] | None:
    """The JSON object on a log line; None for a torn line.

    A writer killed mid-line used to leave the next entry glued to the torn
    text; that entry is whole at the end of the line, and is still read.
    """
    decoder = json.JSONDecoder()
    starts = [i for i, c in enumerate(line) if c == "{"]
    for start in starts:
        try:
            document, end = decoder.raw_decode(line, start)
        except ValueError:
            continue
        if isinstance(document, dict) and not line[end:].strip():
            return document
    return None


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the store's write lock (an flock, released if the process dies).

    Holding it, nothing in ``.staging/`` can belong to a live writer: what is
    there was left by a killed one, and goes; a removal a killed writer left
    is completed first thing (before the holder could adopt its file).
    """
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            _sweep(root)
            _complete_removals(root)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sweep_if_idle(root: Path, *subdirs: Path) -> None:
    """Let a reader remove what a killed writer left, when no writer is at work (never waits).

    ``subdirs`` are the channel subdirs it is about to read (see ``_sweep``).
    """
    staging = root / STAGING
    left = (staging.is_dir() and any(staging.iterdir())) or any(map(_older_temps, subdirs))
    if not (left and os.access(root, os.W_OK)):
        return
    with (root / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a writer is at work; the next one sweeps
            return
        try:
            _sweep(root, *subdirs)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sweep(root: Path, *subdirs: Path) -> None:
    """Remove what killed writers left (lock held), including older versions' in-channel temps.

    Older versions prepared files inside a subdir (``.incoming-*``); those are
    looked for only in ``subdirs``, the ones about to be read or indexed:
    listing every subdir of every channel at each lock would cost a directory
    read of every package in the store.
    """
    leftovers = [
        *((root / STAGING).iterdir() if (root / STAGING).is_dir() else ()),
        *root.glob("channels/*/.staging-*"),
        *(temp for live in subdirs for temp in _older_temps(live)),
    ]
    _remove(leftovers)


def _remove(leftovers: list[Path]) -> None:
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _older_temps(live: Path) -> list[Path]:
    """What older versions of the store left while preparing a file inside ``live``."""
    if not live.is_dir():
        return []
    return [live / name for name in os.listdir(live) if name.startswith(OLDER_TEMPS)]


@contextlib.contextmanager
def _staging(root: Path) -> Iterator[Path]:
    """A private folder in ``.staging/`` (lock held), removed afterwards."""
    (root / STAGING).mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root / STAGING))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _atomic_write(root: Path, path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, preparing it in ``.staging/`` (lock held)."""
    with _staging(root) as staging:
        temporary = staging / path.name
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _fsync(path: Path) -> None:
    """Make a file's bytes, or a folder's names, durable (before another step relies on them)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
