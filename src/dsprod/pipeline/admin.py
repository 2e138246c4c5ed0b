"""What repository administrators do to a store: yank a bad build, mirror channels, the status page.

These stages work on the store alone (no project is read); the store
operations they need sit behind the Store interface, the page itself is
written by ``status_page.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dsprod import promote as promotion
from dsprod.config import BROKEN_LEVEL
from dsprod.errors import StoreRefused
from dsprod.pipeline import status_page
from dsprod.pipeline.session import Session
from dsprod.pipeline.stages import status
from dsprod.promote import Yank
from dsprod.store import lookup
from dsprod.store.base import StoredPackage
from dsprod.store.ledger import Ledger, PromotionEntry, now


@dataclass(frozen=True)
class YankOutcome:
    """What ``dsprod yank`` did: the move, or nothing when an earlier run had done it."""

    yank: Yank | None
    already: list[str]
    """The matching files the broken channel holds when there was nothing left to move."""


async def yank(session: Session, spec: str, level: str, reason: str) -> YankOutcome:
    """Move the build ``spec`` names out of ``level``'s channel into the broken channel.

    A re-run after a completed (or killed and since finished) yank finds the
    build in the broken channel only, and says so instead of failing.
    """
    store = session.store
    await promotion.finish_interrupted(store)  # a yank killed mid-way is finished (and logged)
    source = session.settings.channel(level)
    if not await lookup.matching(store, source, spec):
        broken = await lookup.matching(store, session.settings.channel(BROKEN_LEVEL), spec)
        if broken:
            return YankOutcome(None, sorted(p.filename for p in broken))
    package = await lookup.by_spec(store, source, spec)
    moved = await promotion.yank(store, session.settings, package, level, reason)
    return YankOutcome(moved, [])


async def write_status_page(session: Session, folder: Path) -> Path:
    """Write the store's status page into ``folder`` (``status_page``); returns the page's path.

    A build's commit comes from its test report, else from the package itself
    (fetched, sha256 checked); who put it into a channel, from the last log
    entry that moved these bytes there.
    """
    store = session.store
    ledger = store.ledger
    state = await status(session)
    last_entry: dict[tuple[str, str], PromotionEntry] = {}
    for entry in ledger.read_log():
        last_entry[(entry.sha256, entry.target)] = entry
    builds = []
    junit: dict[str, bytes] = {}
    for level, packages in state.items():
        for package in packages:
            builds.append(await _build_row(session, ledger, level, package, last_entry, junit))
    channels = [(level, session.settings.channel(level)) for level in state]
    return status_page.write_page(folder, store.describe(), channels, builds, junit, now())


async def _build_row(
    session: Session,
    ledger: Ledger,
    level: str,
    package: StoredPackage,
    last_entry: dict[tuple[str, str], PromotionEntry],
    junit: dict[str, bytes],
) -> status_page.Build:
    report = ledger.load_report(package.sha256)
    commit = report.commit if report else None
    if commit is None:
        try:
            commit = (await lookup.fetch_artifact(session.store, package)).extra.commit
        except StoreRefused as error:  # shown on the page rather than stopping it
            session.report(f"warning: {error}")
    if (
        report is not None
        and package.sha256 not in junit
        and (xml := ledger.load_junit(package.sha256)) is not None
    ):
        junit[package.sha256] = xml
    entry = last_entry.get((package.sha256, level))
    how = None
    if entry is not None:
        how = f"{entry.action} from {entry.source}"
        how += f": {entry.reason}" if entry.reason else ""
        how += " (FORCED)" if entry.forced else ""
    return status_page.Build(
        channel=package.channel,
        name=package.name,
        version=package.version,
        build=package.build,
        subdir=package.subdir,
        filename=package.filename,
        sha256=package.sha256,
        commit=commit,
        tests_passed=report.passed if report else None,
        tests_summary=report.summary if report else "",
        junit_link=status_page.junit_link(package.sha256) if package.sha256 in junit else None,
        entered_by=entry.who if entry else None,
        entered_at=entry.time if entry else None,
        entered_how=how,
    )
