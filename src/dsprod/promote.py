"""Promotion: which channel a tested package may enter, and the copy that puts it there.

The policy (``decide``) is pure and knows no store: a package enters *testing*
when its tests passed, and *stable* when, in addition, its version is final
(PEP 440: neither pre- nor dev-release). Two more rules need the package and the
store, so ``promote`` checks them and hands ``decide`` what they found: the test
report must be about this very package (``report_mismatches``), and the package
must not install a file that another package in the target channel installs
(``clobbered``). Every rule can be overridden with ``force``, and the log says
which were. A channel may demand more in channels.yaml's ``policy`` (a known
licence, ``channel_policy_problems``): a package goes up to the channel below
the first that refuses it, and the refusal is a verification failure (exit 5).
Promotion copies the very bytes that were tested, level by level,
and logs every step in the store's ledger, with the digest of the report it
rested on.

Each copy and its log entry form one recoverable unit: the entry is recorded
as an intent before the copy and logged after it, and every promotion first
finishes the intents of promotions whose process died (``finish_interrupted``):
logged if their copy reached the target channel, dropped if it did not. A
re-run therefore never meets an unlogged copy as "already there".

A yank (``yank``) is the way back down: a bad build leaves a channel for the
broken channel (conda-forge's ``broken`` label), bytes first: copied into
broken, then removed from the channel (``Removable.remove``), logged like a
promotion with its reason. Its intent names the channel it leaves, and it
happened once that channel no longer lists it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from dsprod.artifact import Artifact, read_paths
from dsprod.conda.licenses import is_known_license
from dsprod.conda.version import NotPep440, is_final
from dsprod.config import BROKEN_LEVEL, CONFIG_FILE, MATURITY_LEVELS, Settings
from dsprod.errors import InputError, StoreRefused, VerifyFailed
from dsprod.store.base import PathIndexed, Removable, Store, StoredPackage
from dsprod.store.ledger import Intent, PromotionEntry, TestReport, actor, now
from dsprod.store.lookup import fetch_artifact, having
from dsprod.store.path_index import installed_paths

_CLOBBER_EXAMPLES = 3


@dataclass(frozen=True)
class Decision:
    """Whether a package may enter a level, and every rule it breaks."""

    allowed: bool
    broken_rules: tuple[str, ...]
    forced: bool


@dataclass(frozen=True)
class Promotion:
    """One copy that was made (or was already there)."""

    package: StoredPackage
    source_level: str
    target_level: str
    copied: bool
    forced: bool


@dataclass(frozen=True)
class Yank:
    """A build moved out of a channel into the broken channel."""

    package: StoredPackage
    source_level: str
    copied: bool
    """Whether its bytes entered the broken channel now (False: they were there already)."""


def highest_level_for(pep440_version: str | None) -> str:
    """Where a package whose tests passed goes: stable if final, else testing."""
    return "stable" if _final(pep440_version) else "testing"


def levels_to(target_level: str) -> tuple[str, ...]:
    """The maturity levels from unstable up to ``target_level``, which must be above unstable."""
    if target_level not in MATURITY_LEVELS[1:]:
        raise InputError(f"cannot promote to '{target_level}' (choose testing or stable)")
    return MATURITY_LEVELS[: MATURITY_LEVELS.index(target_level) + 1]


def decide(
    target_level: str,
    pep440_version: str | None,
    report: TestReport | None,
    force: bool,
    *,
    found: Sequence[str] = (),
) -> Decision:
    """The promotion policy, without side effects.

    ``pep440_version`` is None for a package that does not record one (built
    from a recipe dsprod did not write): it can never be judged final.
    ``found`` are the rules the package was found to break against its report
    and the target channels (``report_mismatches``, ``clobbered``).
    """
    levels_to(target_level)  # refuses a target that is not above unstable
    broken: list[str] = [*found]
    if report is None:
        broken.append("no test report for this exact package (run `dsprod test` first)")
    elif not report.passed:
        broken.append(f"its tests failed ({report.summary or 'see the report'})")
    if target_level == "stable" and not _final(pep440_version):
        if pep440_version is None:
            broken.append("the package records no PEP 440 version (extra.dsprod.pep440_version)")
        else:
            broken.append(f"version {pep440_version} is not a final release (pre- or dev-release)")
    return Decision(
        allowed=force or not broken, broken_rules=tuple(broken), forced=force and bool(broken)
    )


async def promote(
    store: Store,
    settings: Settings,
    package: StoredPackage,
    target_level: str | None = None,
    *,
    force: bool = False,
) -> list[Promotion]:
    """Copy ``package`` from unstable up to ``target_level`` through every level between.

    Without a target, it goes as far as its version allows (testing, or stable if final).
    """
    await finish_interrupted(store)
    artifact = await fetch_artifact(store, package)
    report = store.ledger.load_report(package.sha256)
    pep440_version = artifact.extra.pep440_version
    target_level = target_level or highest_level_for(pep440_version)
    levels = levels_to(target_level)
    found = report_mismatches(report, package, artifact.extra.commit)
    found.extend(await yanked(store, settings, package))
    installed_by: dict[str, frozenset[str]] = {}  # sha256 -> paths, for this call's channels
    for level in levels[1:]:
        found.extend(await clobbered(store, settings.channel(level), artifact, installed_by))
    refused = {
        level: problems
        for level in levels[1:]
        if (problems := channel_policy_problems(settings, level, artifact))
    }
    if force:  # overridden like every other rule, and logged
        found.extend(problem for problems in refused.values() for problem in problems)
        refused = {}
    decision = decide(target_level, pep440_version, report, force, found=found)
    if not decision.allowed:
        reasons = "; ".join(decision.broken_rules)
        raise StoreRefused(f"{package.filename} may not enter {target_level}: {reasons}")
    reached = levels[: levels.index(next(iter(refused)))] if refused else levels
    steps: list[Promotion] = []
    for source_level, level in pairwise(reached):
        source = await _package_in(store, settings.channel(source_level), package)
        entry = _log_entry(
            package,
            source_level,
            level,
            report,
            "promote",
            forced=decision.forced,
            overridden_rules=decision.broken_rules if decision.forced else (),
        )
        copied = await _copy_logged(store, source, settings.channel(level), entry)
        steps.append(Promotion(package, source_level, level, copied, decision.forced))
    if refused:
        level, problems = next(iter(refused.items()))
        raise VerifyFailed(
            f"{package.filename} may not enter '{settings.channel(level)}': {'; '.join(problems)};"
            f" it stays in {', '.join(repr(settings.channel(r)) for r in reached)}",
            details={"name": package.name, "package": package.filename, "channels": list(reached)},
        )
    return steps


async def yanked(store: Store, settings: Settings, package: StoredPackage) -> list[str]:
    """A yanked build goes up no more: the broken channel holding these bytes is a broken rule."""
    broken = settings.channel(BROKEN_LEVEL)
    if await having(store, broken, "sha256", package.sha256):
        return [f"it was yanked (the '{broken}' channel holds these bytes; see the promotion log)"]
    return []


def channel_policy_problems(settings: Settings, level: str, artifact: Artifact) -> list[str]:
    """The rules of channels.yaml's ``policy.<level>`` that ``artifact`` breaks (one line each).

    Checked when a build is verified (unstable) and when a package is promoted
    (the other levels); a refusal is a verification failure (exit 5).
    """
    problems = []
    license = artifact.about.get("license")
    if settings.policy(level).require_known_license and not is_known_license(license):
        where = settings.source or CONFIG_FILE
        problems.append(
            f"its license {license!r} is not a known licence, and channel"
            f" '{settings.channel(level)}' requires one"
            f" (policy.{level}.require_known_license in {where})"
        )
    return problems


async def finish_interrupted(store: Store) -> None:
    """Log the copies of promotions that died before logging them; forget those that never copied.

    What counts is whether the target channel holds the bytes now (a copy cut
    short before its index swap is adopted by ``packages()``, so it counts too).
    """
    for intent in store.ledger.interrupted():
        store.ledger.finish(intent, happened=await _happened(store, intent))


async def yank(
    store: Store, settings: Settings, package: StoredPackage, source_level: str, reason: str
) -> Yank:
    """Move ``package`` out of the ``source_level`` channel into the broken channel, logged.

    Its bytes are copied into broken (sha256 checked) before the channel lets
    go of them, so no crash can lose them; the store's removal keeps the
    channel valid at every instant. The log entry is announced as an intent
    first and earned once the channel no longer lists the package, so a
    killed yank is logged once, by whichever command finishes it.
    """
    if not isinstance(store, Removable):
        raise InputError(
            f"{store.describe()} cannot take a package out of a channel yet;"
            " `dsprod yank` is not supported by this store"
        )
    if not reason.strip():
        raise InputError("--reason: say why the build is yanked (the promotion log keeps it)")
    if source_level == BROKEN_LEVEL or package.channel == settings.channel(BROKEN_LEVEL):
        raise InputError(f"{package.filename} is in the broken channel already")
    await finish_interrupted(store)
    report = store.ledger.load_report(package.sha256)
    entry = _log_entry(package, source_level, BROKEN_LEVEL, report, "yank", reason=reason.strip())
    intent = store.ledger.begin(entry, package.channel)
    try:
        copied = await store.copy(package, settings.channel(BROKEN_LEVEL))
        await store.remove(package)
    except Exception:
        store.ledger.finish(intent, happened=await _happened(store, intent))
        raise
    store.ledger.finish(intent, happened=True)
    return Yank(package, source_level, copied)


async def _happened(store: Store, intent: Intent) -> bool:
    """Whether an intent's step is done: a copy's target lists it, a yank's channel does not."""
    holds = await _holds(store, intent.channel, intent.entry)
    return not holds if intent.entry.action == "yank" else holds


async def _copy_logged(
    store: Store, source: StoredPackage, channel: str, entry: PromotionEntry
) -> bool:
    """Copy ``source`` into ``channel`` and log ``entry`` as one unit that survives a crash.

    A package already there needs no intent: nothing is copied, and only a forced
    promotion is logged (it records that rules were overridden).
    """
    if not entry.forced and await _holds(store, channel, entry):
        return await store.copy(source, channel)  # checks the bytes; copies nothing
    intent = store.ledger.begin(entry, channel)
    try:
        copied = await store.copy(source, channel)
    except Exception:
        store.ledger.finish(intent, happened=await _holds(store, channel, entry))
        raise
    store.ledger.finish(intent, happened=copied or entry.forced)
    return copied


async def _holds(store: Store, channel: str, entry: PromotionEntry) -> bool:
    """Whether ``channel`` lists exactly the bytes ``entry`` is about."""
    return any(
        (p.subdir, p.sha256) == (entry.subdir, entry.sha256)
        for p in await having(store, channel, "filename", entry.package)
    )


def report_mismatches(
    report: TestReport | None, package: StoredPackage, commit: str | None
) -> list[str]:
    """Where the test report kept for ``package`` describes another package.

    The ledger finds a report by the package's sha256, but a report file can be
    copied or written by hand: only a report whose own identity is this
    package's (bytes, file name, name, version, build, and the commit the
    package records) says that these bytes were tested.
    """
    if report is None:
        return []
    wanted = {
        "sha256": package.sha256,
        "package": package.filename,
        "name": package.name,
        "version": package.version,
        "build": package.build,
        "commit": commit,
    }
    wrong = [
        f"{key} {getattr(report, key)!r} (the package's is {value!r})"
        for key, value in wanted.items()
        if getattr(report, key) != value
    ]
    if not wrong:
        return []
    where = report.report_path or "the test report"
    return [f"{where} is not about this package: its {', '.join(wrong)}"]


async def clobbered(
    store: Store, channel: str, artifact: Artifact, installed_by: dict[str, frozenset[str]]
) -> list[str]:
    """Packages in ``channel`` that install a file ``artifact`` installs too (one rule each).

    Installing both would let one overwrite the other's file. Other builds of
    the same name are left out: an environment holds one of them. Only the
    subdirs an environment could combine are compared (the package's own and
    noarch; every subdir for a noarch package). A package already in
    ``channel`` is not judged there again. A store with a path index
    (``PathIndexed``, the local store) answers from it, in time that does not
    grow with the channel; any other has each package's paths read, once per
    call (``installed_by``, by sha256). Either way the problems come in the
    channel's listing order (subdir, then file name).
    """
    there = await having(store, channel, "filename", artifact.filename)
    if any(p.subdir == artifact.subdir for p in there):
        return []
    ours = installed_paths(artifact.paths)
    if isinstance(store, PathIndexed):
        shared_with = await store.installing(channel, ours)
    else:
        shared_with = {
            other: ours & await _installed_by(store, channel, other, installed_by)
            for other in await store.packages(channel)
            if _combinable(artifact, other)
        }
    problems: list[str] = []
    for other in sorted(shared_with, key=lambda p: p.key):
        shared = sorted(shared_with[other])
        if shared and _combinable(artifact, other):
            examples = ", ".join(shared[:_CLOBBER_EXAMPLES])
            more = len(shared) - _CLOBBER_EXAMPLES
            more_text = f" and {more} more" if more > 0 else ""
            problems.append(
                f"its files clobber those of {other.filename} in '{channel}': {examples}{more_text}"
            )
    return problems


def _combinable(artifact: Artifact, other: StoredPackage) -> bool:
    """Whether an environment could hold both (another name, a subdir it can combine with)."""
    return other.name != artifact.name and (
        artifact.subdir == "noarch" or other.subdir in (artifact.subdir, "noarch")
    )


async def _installed_by(
    store: Store, channel: str, package: StoredPackage, installed_by: dict[str, frozenset[str]]
) -> frozenset[str]:
    """What ``package`` installs, read from its file once per call (``installed_by``)."""
    if package.sha256 not in installed_by:
        try:
            paths = read_paths(await store.fetch(package))
        except InputError as error:
            raise StoreRefused(f"{error}; channel '{channel}' is damaged") from None
        installed_by[package.sha256] = installed_paths(paths)
    return installed_by[package.sha256]


def _final(pep440_version: str | None) -> bool:
    if pep440_version is None:
        return False
    try:
        return is_final(pep440_version)
    except NotPep440:  # a hand-written recipe recorded something that is not PEP 440
        return False


async def _package_in(store: Store, channel: str, package: StoredPackage) -> StoredPackage:
    for candidate in await having(store, channel, "filename", package.filename):
        if candidate.key == package.key:
            if candidate.sha256 != package.sha256:
                raise StoreRefused(
                    f"{package.filename} in channel '{channel}' has other bytes than the tested one"
                )
            return candidate
    raise StoreRefused(f"{package.filename} is not in channel '{channel}'")


def _log_entry(
    package: StoredPackage,
    source_level: str,
    target_level: str,
    report: TestReport | None,
    action: str,
    *,
    forced: bool = False,
    overridden_rules: tuple[str, ...] = (),
    reason: str | None = None,
) -> PromotionEntry:
    """The promotion log's entry for moving ``package`` (a promotion or a yank), now, by us."""
    return PromotionEntry(
        time=now(),
        who=actor(),
        action=action,
        package=package.filename,
        subdir=package.subdir,
        name=package.name,
        version=package.version,
        build=package.build,
        sha256=package.sha256,
        source=source_level,
        target=target_level,
        test_report=report.report_path if report else None,
        forced=forced,
        overridden_rules=overridden_rules,
        test_report_sha256=report.report_sha256 if report else None,
        reason=reason,
    )
