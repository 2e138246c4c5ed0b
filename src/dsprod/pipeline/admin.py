"""What repository administrators do to a store: yank a bad build, mirror channels, the status page.

These stages work on the store alone (no project is read); the store
operations they need sit behind the Store interface, the page itself is
written by ``status_page.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsprod import promote as promotion
from dsprod.config import BROKEN_LEVEL
from dsprod.pipeline.session import Session
from dsprod.promote import Yank
from dsprod.store import lookup


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
