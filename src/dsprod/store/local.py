"""The embedded default store: channels as plain folders on a local or shared disk.

Layout under the store root::

    channels/<channel>/<subdir>/<package files> + repodata.json
    reports/<sha256>.json, reports/<sha256>.xml
    promotions.log          (JSON lines, append-only)
    owners.json             (package name -> owner and the history of changes)
    .lock                   (serialises writers: many CI runners may share a store)

Guarantees: a package file is never overwritten (the same name with other bytes
is refused, the same bytes again is a no-op); ``repodata.json`` is replaced
atomically, so a reader sees the old index or the new one, never half of one;
an interrupted publish leaves the channel valid (a file not yet indexed is
picked up by the next publish).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rattler import Subdir
from rattler.index import index_fs

from dsprod.artifact import PACKAGE_SUFFIXES, Artifact, sha256_of
from dsprod.errors import InputError, StoreRefused
from dsprod.store.base import StoredPackage
from dsprod.store.ledger import (
    OwnerChange,
    Ownership,
    PromotionEntry,
    TestReport,
    next_ownership,
)

NOARCH = "noarch"


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
    def open(cls, settings: LocalSettings) -> LocalStore:
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
            added = self._place(artifact.path, artifact.sha256, channel, artifact.subdir)
            await self._reindex(channel, artifact.subdir)
        return added

    async def copy(self, package: StoredPackage, target: str) -> bool:
        source = await self.fetch(package)
        if sha256_of(source) != package.sha256:
            raise StoreRefused(
                f"{source}: sha256 differs from the index of channel '{package.channel}';"
                " the channel is damaged, not copying"
            )
        with _locked(self.root):
            await self._ensure_channel(target)
            added = self._place(source, package.sha256, target, package.subdir)
            await self._reindex(target, package.subdir)
        return added

    async def packages(self, channel: str) -> list[StoredPackage]:
        found: list[StoredPackage] = []
        folder = self.channel_dir(channel)
        if not folder.is_dir():
            return found
        for repodata_path in sorted(folder.glob("*/repodata.json")):
            repodata = json.loads(repodata_path.read_text(encoding="utf-8"))
            subdir = repodata_path.parent.name
            for key in ("packages", "packages.conda"):
                for filename, record in repodata.get(key, {}).items():
                    found.append(
                        StoredPackage(
                            channel=channel,
                            subdir=subdir,
                            filename=filename,
                            name=record["name"],
                            version=record["version"],
                            build=record["build"],
                            sha256=record["sha256"],
                        )
                    )
        return found

    async def fetch(self, package: StoredPackage) -> Path:
        return self.channel_dir(package.channel) / package.subdir / package.filename

    # -- internals -------------------------------------------------------------

    async def _ensure_channel(self, channel: str) -> None:
        """Give a channel an index for noarch and this host's subdir, even when empty (lock held).

        Solvers read both; a channel without them is not a channel to them.
        """
        for subdir in (NOARCH, str(Subdir.current())):
            if not (self.channel_dir(channel) / subdir / "repodata.json").is_file():
                await self._reindex(channel, subdir)

    def _place(self, source: Path, sha256: str, channel: str, subdir: str) -> bool:
        """Put the file into the channel without ever replacing existing bytes."""
        destination = self.channel_dir(channel) / subdir / source.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists():
            if sha256_of(destination) == sha256:
                return False
            raise StoreRefused(
                f"{destination}: a package of this name with other bytes is already in"
                f" channel '{channel}'; refusing to overwrite it (bump the version or build number)"
            )
        handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=destination.parent)
        try:
            with os.fdopen(handle, "wb") as out, source.open("rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
            if sha256_of(Path(temporary)) != sha256:
                raise StoreRefused(f"{source}: bytes changed while copying into '{channel}'")
            os.link(temporary, destination)  # fails rather than replaces if the name exists
        finally:
            os.unlink(temporary)
        return True

    async def _reindex(self, channel: str, subdir: str) -> None:
        """Index one subdir in a staging copy, then swap its repodata.json in atomically.

        The live index is copied into the staging folder first, so only the
        package files it does not list yet are opened and read.
        """
        channel_dir = self.channel_dir(channel)
        live = channel_dir / subdir
        live.mkdir(parents=True, exist_ok=True)
        staging_root = Path(tempfile.mkdtemp(prefix=".staging-", dir=channel_dir))
        try:
            staged = staging_root / subdir
            staged.mkdir()
            for package in live.iterdir():
                if package.name.endswith(PACKAGE_SUFFIXES) and not package.name.startswith("."):
                    os.link(package, staged / package.name)
            if (live / "repodata.json").is_file():
                shutil.copyfile(live / "repodata.json", staged / "repodata.json")
            await index_fs(
                staging_root,
                target_platform=Subdir(subdir),
                write_zst=False,
                write_shards=False,
            )
            os.replace(staged / "repodata.json", live / "repodata.json")
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)


class FileLedger:
    """The local store's ledger: ``reports/<sha256>.json`` (+ ``.xml``), ``promotions.log``,
    ``owners.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save_report(self, report: TestReport, junit_xml: Path | None) -> TestReport:
        folder = self.root / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        kept_xml = None
        if junit_xml is not None and junit_xml.is_file():
            kept_xml = folder / f"{report.sha256}.xml"
            _atomic_write(kept_xml, junit_xml.read_bytes())
        destination = folder / f"{report.sha256}.json"
        kept = report.kept_at(str(destination), str(kept_xml) if kept_xml else None)
        data = json.dumps(kept.to_json(), indent=2, sort_keys=True).encode()
        _atomic_write(destination, data)
        return kept.with_digest(hashlib.sha256(data).hexdigest())

    def load_report(self, sha256: str) -> TestReport | None:
        path = self.root / "reports" / f"{sha256}.json"
        if not path.is_file():
            return None
        data = path.read_bytes()  # read once: the digest is of the very bytes parsed
        report = TestReport.from_json(_json_document(path, data), str(path))
        return report.with_digest(hashlib.sha256(data).hexdigest())

    def append_log(self, entry: PromotionEntry) -> None:
        line = json.dumps(entry.to_json(), sort_keys=True) + "\n"
        with _locked(self.root), (self.root / "promotions.log").open("a", encoding="utf-8") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())

    def read_log(self) -> list[PromotionEntry]:
        path = self.root / "promotions.log"
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [
            PromotionEntry.from_json(json.loads(line), str(path)) for line in lines if line.strip()
        ]

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
            self.root / "owners.json", json.dumps(document, indent=2, sort_keys=True).encode()
        )
        return owners[name]


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the store's write lock (an flock, released if the process dies)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _json_document(path: Path, data: bytes) -> Any:
    """Parse a ledger file; bytes that are not JSON text mean a damaged store, said in one line."""
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError both
        raise StoreRefused(f"{path}: not valid JSON ({error}); the store is damaged") from None


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
