"""Stand-ins for the pipeline's two seams: a Store kept in memory and a Builder that builds nothing.

Both follow their protocols (``store.base.Store``, ``store.ledger.Ledger``,
``builders.base.Builder``) so that the stages run unchanged against them;
``tests/test_fakes.py`` holds them to the local store's behaviour. Everything
else stays real: the package files are real ``.conda`` files, and verification
reads them.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dsprod.artifact import Artifact, sha256_of
from dsprod.builders.base import BuildRequest
from dsprod.errors import StoreRefused
from dsprod.progress import Report
from dsprod.store.base import StoredPackage
from dsprod.store.ledger import (
    Intent,
    Ledger,
    OwnerChange,
    Ownership,
    PromotionEntry,
    TestReport,
    next_ownership,
)


class MemoryLedger:
    """Test reports by sha256, the promotion log and package owners, in memory."""

    def __init__(self) -> None:
        self.reports: dict[str, TestReport] = {}
        self.log: list[PromotionEntry] = []
        self.owned: dict[str, Ownership] = {}
        self.intents: dict[str, Intent] = {}

    def save_report(self, report: TestReport, junit_xml: Path | None) -> TestReport:
        kept = report.kept_at(f"memory://reports/{report.sha256}.json", None)
        kept = kept.with_digest(hashlib.sha256(repr(kept).encode()).hexdigest())
        self.reports[report.sha256] = kept
        return kept

    def load_report(self, sha256: str) -> TestReport | None:
        return self.reports.get(sha256)

    def load_junit(self, sha256: str) -> bytes | None:
        return None  # save_report keeps no JUnit XML here

    def append_log(self, entry: PromotionEntry) -> None:
        self.log.append(entry)

    def read_log(self) -> list[PromotionEntry]:
        return list(self.log)

    def begin(self, entry: PromotionEntry, channel: str) -> Intent:
        intent = Intent(entry, channel, token=str(id(entry)))
        self.intents[intent.token] = intent
        return intent

    def finish(self, intent: Intent, happened: bool) -> None:
        if self.intents.pop(intent.token, None) is not None and happened:
            self.log.append(intent.entry)

    def interrupted(self) -> list[Intent]:
        return []  # memory dies with its process: no intent outlives the promotion that made it

    def owners(self) -> list[Ownership]:
        return [self.owned[name] for name in sorted(self.owned)]

    def claim_owner(self, name: str, change: OwnerChange) -> Ownership:
        if name not in self.owned:
            self.owned[name] = next_ownership(name, None, change)
        return self.owned[name]

    def transfer_owner(self, name: str, change: OwnerChange) -> Ownership:
        self.owned[name] = next_ownership(name, self.owned.get(name), change)
        return self.owned[name]


class FakeStore:
    """Channels as a dict of channel -> [(StoredPackage, file)], the file bytes kept in ``blobs``.

    Publishing copies the file (the pipeline removes its build folder afterwards,
    as it may with any store); the same bytes again are a no-op, other bytes
    under the same name are refused, like every store must.
    """

    def __init__(self, blobs: Path) -> None:
        self.blobs = blobs
        self.channels: dict[str, list[tuple[StoredPackage, Path]]] = {}
        self._ledger = MemoryLedger()

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    def describe(self) -> str:
        return "fake store in memory"

    async def channel_url(self, channel: str) -> str:
        self.channels.setdefault(channel, [])
        return f"memory://fake/{channel}"

    async def publish(self, artifact: Artifact, channel: str) -> bool:
        kept = self.blobs / artifact.sha256 / artifact.filename
        if not kept.exists():
            kept.parent.mkdir(parents=True)
            shutil.copyfile(artifact.path, kept)
        package = StoredPackage(
            channel=channel,
            subdir=artifact.subdir,
            filename=artifact.filename,
            name=artifact.name,
            version=artifact.version,
            build=artifact.build,
            sha256=artifact.sha256,
        )
        return self.add(package, kept)

    async def copy(self, package: StoredPackage, target: str) -> bool:
        source = await self.fetch(package)
        if sha256_of(source) != package.sha256:
            raise StoreRefused(f"{package.filename}: sha256 differs from the index, not copying")
        return self.add(replace(package, channel=target), source)

    async def packages(self, channel: str) -> list[StoredPackage]:
        return [package for package, _ in self.channels.get(channel, [])]

    async def fetch(self, package: StoredPackage) -> Path:
        for listed, path in self.channels.get(package.channel, []):
            if listed.key == package.key:
                return path
        raise StoreRefused(f"{package.filename} is not in channel '{package.channel}'")

    def add(self, package: StoredPackage, path: Path) -> bool:
        """List ``package`` (its bytes at ``path``) in its channel; tests may arrange state so."""
        listed = self.channels.setdefault(package.channel, [])
        for existing, _ in listed:
            if existing.key == package.key:
                if existing.sha256 != package.sha256:
                    raise StoreRefused(
                        f"{package.filename}: other bytes are already in channel"
                        f" '{package.channel}'; refusing to overwrite them"
                    )
                return False
        listed.append((package, path))
        return True


class FakeBuilder:
    """Returns the package files it was given, copied into the request's output folder.

    ``requests`` records every build asked of it, so a test can tell that none was.
    """

    recipe_format = "v1"

    def __init__(self, packages: Sequence[Path]) -> None:
        self.packages = list(packages)
        self.requests: list[BuildRequest] = []

    def build(self, request: BuildRequest, report: Report) -> list[Path]:
        self.requests.append(request)
        request.output_dir.mkdir(parents=True, exist_ok=True)
        built = []
        for package in self.packages:
            shutil.copyfile(package, request.output_dir / package.name)
            built.append(request.output_dir / package.name)
        report(f"fake build of {request.recipe_path}: {len(built)} package(s)")
        return built
