"""What repository administrators do to a store: yank a bad build, mirror channels, the status page.

These stages work on the store alone (no project is read); the store
operations they need sit behind the Store interface, the page itself is
written by ``status_page.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dsprod import promote as promotion
from dsprod.config import BROKEN_LEVEL, Settings, load_settings
from dsprod.errors import InputError, StoreRefused
from dsprod.pipeline import status_page
from dsprod.pipeline.session import Session
from dsprod.pipeline.stages import status
from dsprod.promote import Yank
from dsprod.store import Store, lookup, open_store
from dsprod.store.base import StoredPackage
from dsprod.store.ledger import Ledger, PromotionEntry, now
from dsprod.store.local import LocalStore


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


@dataclass(frozen=True)
class MirrorOutcome:
    """What ``dsprod mirror`` did, as ``channel/subdir/file`` names in the target store."""

    target: str
    """The target store's description."""
    copied: list[str]
    present: list[str]
    """Already in the target with the same bytes (a re-run copies nothing twice)."""
    reports: int
    """Test reports the target's ledger received (it lacked them)."""
    owners: list[str]
    """Package names whose owner the target's ledger received (it had none)."""


def mirror_target(session: Session, target: str) -> Settings:
    """The settings of the store ``--to`` names: a channels.yaml (any store kind, its own
    channel names), or a folder (a local store there, this store's channel names).

    The ``DSPROD_*`` variables are not applied to the target's channels.yaml:
    they describe this command's own store (``DSPROD_STORE`` would make the
    target the source). Credentials still come from the environment, to the store.
    """
    path = Path(target).expanduser()
    if path.is_file():
        return load_settings(path.parent, path, environ={})
    if path.exists() and not path.is_dir():
        raise InputError(f"--to {target}: neither a channels.yaml nor a folder")
    location = LocalStore.parse_settings({}, "--to", Path.cwd(), str(path))
    return dataclasses.replace(session.settings, store=location, source=None)


async def mirror(session: Session, target: Settings, levels: Sequence[str]) -> MirrorOutcome:
    """Copy the channels of ``levels`` into the target store, sha256 checked, resumable.

    Each package is read from this store with its sha256 checked against the
    channel's index, published into the target's channel of the same level
    (which refuses other bytes under its name), and read back from the
    target's index. What the target holds already with the same bytes is
    skipped, so a second run copies nothing and a killed one is completed by
    the next. The target's ledger receives each package's test report (and
    JUnit XML) it lacks, so promotions there rest on the same reports, and
    each mirrored name's owner if it has none, so the repository that owns a
    name here owns it there.
    """
    source = session.store
    destination = open_store(target.store)
    if destination.describe() == source.describe():
        raise InputError(f"--to names this very store ({source.describe()})")
    copied: list[str] = []
    present: list[str] = []
    names: set[str] = set()
    reports = 0
    for level in levels:
        here, there = session.settings.channel(level), target.channel(level)
        held = {p.key: p.sha256 for p in await destination.packages(there)}
        for package in await source.packages(here):
            name = f"{there}/{package.subdir}/{package.filename}"
            if held.get(package.key) == package.sha256:
                present.append(name)
            else:
                if package.key in held:
                    raise StoreRefused(
                        f"{name} in {destination.describe()} holds other bytes than"
                        f" {here}/{package.subdir}/{package.filename}; not mirroring over it"
                    )
                artifact = await lookup.fetch_artifact(source, package)
                session.report(f"mirroring {name}")
                await destination.publish(artifact, there)
                await lookup.listed(destination, there, artifact)  # the target's index agrees
                copied.append(name)
            reports += await _mirror_report(session, destination, package)
            names.add(package.name)
    owners = _mirror_owners(source, destination, names)
    return MirrorOutcome(destination.describe(), copied, present, reports, owners)


async def _mirror_report(session: Session, destination: Store, package: StoredPackage) -> int:
    """Give the target's ledger the package's test report if it lacks one (1 if it did)."""
    report = session.store.ledger.load_report(package.sha256)
    if report is None or destination.ledger.load_report(package.sha256) is not None:
        return 0
    junit = session.store.ledger.load_junit(package.sha256)
    with session.scratch_outside_project("mirror") as folder:
        xml = folder / "junit.xml"
        if junit is not None:
            xml.write_bytes(junit)
        destination.ledger.save_report(report, xml if junit is not None else None)
    return 1


def _mirror_owners(source: Store, destination: Store, names: set[str]) -> list[str]:
    """Claim each of ``names`` in the target for its owner here (the claim the source recorded),
    where the target has no owner for it yet; returns the names claimed."""
    there = {ownership.name for ownership in destination.ledger.owners()}
    claimed = []
    for ownership in source.ledger.owners():
        if ownership.name in names and ownership.name not in there:
            destination.ledger.claim_owner(ownership.name, ownership.history[-1])
            claimed.append(ownership.name)
    return claimed
