"""What a store keeps besides packages: test reports, the promotion log, owners, as typed records.

Promotion rests on these: a package enters *testing* only with a passing
``TestReport`` for its exact bytes, and every promotion is a ``PromotionEntry``
appended to the log. Publishing rests on ``Ownership``: the first repository to
publish a package name owns it in the store, and only an administrator's
logged transfer gives it to another. Each store implements ``Ledger`` next to
its channels (the local store keeps them as files).

A copy and its log entry cannot be written in one step, so a promotion is
announced first: ``begin`` records the entry it will earn as an ``Intent``,
``finish`` logs it (or drops it) once the copy is done. A process killed in
between leaves the intent; ``interrupted`` hands it to the next promotion,
which logs it if the copy happened (``promote.finish_interrupted``). The log
thus holds every copy exactly once, whenever its process died.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

from dsprod.errors import StoreRefused

R = TypeVar("R")


def now() -> str:
    """When a ledger record is made: UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def actor() -> str:
    """Who makes a ledger record: ``user@host`` of this process."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


@dataclass(frozen=True)
class TestReport:
    """The outcome of ``dsprod test`` for one package file (identified by its sha256)."""

    __test__ = False  # not a pytest test class, despite the name

    package: str
    name: str
    version: str
    build: str
    sha256: str
    commit: str | None
    passed: bool
    summary: str
    tests: int
    failures: int
    errors: int
    skipped: int
    duration_s: float
    env: tuple[str, ...]
    """The test env's packages as ``name version build`` lines."""
    time: str
    """When the tests ran (ISO 8601, UTC)."""
    report_path: str | None = None
    """Where the store keeps this report (set by the ledger)."""
    junit_xml: str | None = None
    """Where the store keeps the runner's JUnit XML, if there was one."""
    report_sha256: str | None = None
    """sha256 of the stored report file's bytes (set by the ledger; never inside the file).

    The promotion log records it, so the exact report a promotion rested on can
    be told apart from one written over it later."""
    optional_left_out: tuple[str, ...] = ()
    """Optional test requirements the env went without (the channels could not provide them),
    each with the reason."""

    def to_json(self) -> dict[str, Any]:
        """The report file's content: every field but the digest of that very content."""
        document = asdict(self)
        document["env"] = list(self.env)
        document["optional_left_out"] = list(self.optional_left_out)
        del document["report_sha256"]
        return document

    @classmethod
    def from_json(cls, document: Mapping[str, Any], where: str) -> Self:
        """Read a report file; a digest written into the file is ignored (the ledger sets it)."""
        return _record(
            cls,
            document,
            where,
            env=tuple(document.get("env") or ()),
            optional_left_out=tuple(document.get("optional_left_out") or ()),
            report_sha256=None,
        )

    def kept_at(self, report_path: str, junit_xml: str | None) -> TestReport:
        """This report as the store keeps it."""
        return replace(self, report_path=report_path, junit_xml=junit_xml)

    def with_digest(self, report_sha256: str) -> TestReport:
        """This report, knowing the sha256 of the file the ledger keeps it in."""
        return replace(self, report_sha256=report_sha256)


@dataclass(frozen=True)
class PromotionEntry:
    """One line of the promotion log: who copied which bytes where, on which report.

    ``action`` is ``promote``, or ``yank`` for a build moved out of a channel into
    the broken channel (``dsprod yank``, with its reason)."""

    time: str
    who: str
    action: str
    package: str
    subdir: str
    name: str
    version: str
    build: str
    sha256: str
    source: str
    """The maturity level it came from (``from`` in the log)."""
    target: str
    """The maturity level it entered (``to`` in the log)."""
    test_report: str | None
    forced: bool
    overridden_rules: tuple[str, ...]
    test_report_sha256: str | None = None
    """sha256 of the report file's bytes the promotion rested on (None in older lines)."""
    reason: str | None = None
    """Why an administrator did it: a yank's ``--reason`` (None for a promotion)."""

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["from"] = document.pop("source")
        document["to"] = document.pop("target")
        document["overridden_rules"] = list(self.overridden_rules)
        return document

    @classmethod
    def from_json(cls, document: Mapping[str, Any], where: str) -> Self:
        renamed = {**document, "source": document.get("from"), "target": document.get("to")}
        return _record(
            cls,
            renamed,
            where,
            overridden_rules=tuple(document.get("overridden_rules") or ()),
        )


@dataclass(frozen=True)
class OwnerChange:
    """One change of a package name's owner: a first publish claiming it, or a transfer."""

    time: str
    who: str
    action: str
    """``claim`` (the first publish of the name) or ``transfer`` (``dsprod owner --set``)."""
    owner: str
    """The new owner: a normalised repository (``vcs.remote.normalise_repository``)."""
    previous: str | None = None
    """The owner before (None for a claim); the ledger fills it in."""

    @classmethod
    def now(cls, action: str, owner: str) -> Self:
        """A change made now, by this user on this host."""
        return cls(time=now(), who=actor(), action=action, owner=owner)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, document: Mapping[str, Any], where: str) -> Self:
        return _record(cls, document, where)


@dataclass(frozen=True)
class Ownership:
    """Who owns a package name in one store, and every change that led there."""

    name: str
    owner: str
    history: tuple[OwnerChange, ...]
    """Oldest first; the last change made ``owner`` the owner."""

    def to_json(self) -> dict[str, Any]:
        return {"owner": self.owner, "history": [change.to_json() for change in self.history]}

    @classmethod
    def from_json(cls, name: str, document: object, where: str) -> Self:
        damaged = f"{where}: '{name}' is not an owner record; the store is damaged"
        if not isinstance(document, Mapping):
            raise StoreRefused(damaged)
        history = document.get("history")
        if not isinstance(history, list) or not all(isinstance(c, Mapping) for c in history):
            raise StoreRefused(damaged)
        changes = tuple(OwnerChange.from_json(change, where) for change in history)
        return _record(cls, {**document, "name": name}, where, history=changes)


def next_ownership(name: str, before: Ownership | None, change: OwnerChange) -> Ownership:
    """``name``'s ownership after ``change``, which records who owned it before."""
    change = replace(change, previous=before.owner if before else None)
    return Ownership(name, change.owner, (*(before.history if before else ()), change))


@dataclass(frozen=True)
class Intent:
    """A promotion under way: the log entry its copy will earn, recorded before the copy."""

    entry: PromotionEntry
    channel: str
    """The channel the copy goes to (the entry names its maturity level); a yank's: the channel
    the package leaves (what decides whether it happened)."""
    token: str
    """How the ledger finds this record again."""


class Ledger(Protocol):
    """Test reports (by package sha256), the append-only promotion log, and package owners."""

    def save_report(self, report: TestReport, junit_xml: Path | None) -> TestReport:
        """Keep ``report`` (and the runner's JUnit XML); returns it with where it is kept."""
        ...

    def load_report(self, sha256: str) -> TestReport | None:
        """The latest report saved for the package with this sha256."""
        ...

    def load_junit(self, sha256: str) -> bytes | None:
        """The runner's JUnit XML kept with the report of that package, if there is one."""
        ...

    def append_log(self, entry: PromotionEntry) -> None:
        """Append one entry to the promotion log (never rewritten)."""
        ...

    def read_log(self) -> list[PromotionEntry]:
        """Every promotion log entry, oldest first (a line torn by a crash is skipped)."""
        ...

    def begin(self, entry: PromotionEntry, channel: str) -> Intent:
        """Record, before copying into ``channel``, the entry the copy will earn."""
        ...

    def finish(self, intent: Intent, happened: bool) -> None:
        """Log the intent's entry if the copy ``happened`` (once), then forget the intent."""
        ...

    def interrupted(self) -> list[Intent]:
        """Intents whose process died before finishing them (never one still under way)."""
        ...

    def owners(self) -> list[Ownership]:
        """Every owned package name, by name."""
        ...

    def claim_owner(self, name: str, change: OwnerChange) -> Ownership:
        """Make ``change.owner`` the owner of ``name`` unless it has one; return its ownership.

        Atomic: of two first publishers at once, one wins and the other sees its owner.
        """
        ...

    def transfer_owner(self, name: str, change: OwnerChange) -> Ownership:
        """Make ``change.owner`` the owner of ``name``, whoever owned it, keeping the history."""
        ...


def _record(kind: type[R], document: Mapping[str, Any], where: str, **converted: Any) -> R:
    """Build a record from JSON, refusing a document that lacks a field or has unknown ones."""
    names = [item.name for item in fields(kind)]  # type: ignore[arg-type]  # a dataclass type
    values = {name: document[name] for name in names if name in document}
    values.update(converted)
    try:
        return kind(**values)
    except TypeError as error:
        raise StoreRefused(
            f"{where}: not a dsprod record ({error}); the store is damaged"
        ) from None
