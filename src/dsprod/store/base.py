"""The interface every artefact store implements (local folder, anaconda.org, quetz, S3 ...).

A store holds named channels (one per maturity level), an append-only
promotion log, and the test reports that promotion decisions rest on. The
pipeline talks only to this interface, so a new store is one new module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from dsprod.artifact import Artifact


@dataclass(frozen=True)
class StoredPackage:
    """One package file as listed by a channel's index."""

    channel: str
    subdir: str
    filename: str
    name: str
    version: str
    build: str
    sha256: str

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the file inside any channel: (subdir, filename)."""
        return (self.subdir, self.filename)


class Store(Protocol):
    """What the pipeline needs from a place where channels live."""

    def describe(self) -> str:
        """A one-line human description (kind and location)."""
        ...

    def channel_url(self, channel: str) -> str:
        """A URL a solver can read the channel from."""
        ...

    def publish(self, artifact: Artifact, channel: str) -> bool:
        """Add a package file to a channel; True if new, False if the same bytes were there.

        Raises StoreRefused when a file of that name with other bytes exists.
        """
        ...

    def copy(self, package: StoredPackage, target: str) -> bool:
        """Copy a package byte for byte (sha256 checked) into another channel."""
        ...

    def packages(self, channel: str) -> list[StoredPackage]:
        """Every package file the channel's index lists."""
        ...

    def fetch(self, package: StoredPackage) -> Path:
        """A local path holding the package file's bytes."""
        ...

    def save_report(self, sha256: str, report: dict[str, Any], junit_xml: Path | None) -> Path:
        """Keep a test report for the package with this sha256; returns where it is kept.

        The kept report gains ``report_path`` (and ``junit_xml`` when one was given).
        """
        ...

    def load_report(self, sha256: str) -> dict[str, Any] | None:
        """The latest test report saved for the package with this sha256."""
        ...

    def append_log(self, entry: dict[str, Any]) -> None:
        """Append one entry to the store's promotion log (never rewritten)."""
        ...

    def read_log(self) -> list[dict[str, Any]]:
        """Every promotion log entry, oldest first."""
        ...
