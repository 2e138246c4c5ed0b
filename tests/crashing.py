"""Kill a store operation at a chosen step, for crash tests. Test-only: production has no hooks.

Run in a child process (started fresh, or forked from a forkserver that
imported this module before any thread existed)::

    python -m tests.crashing STORE KILL_AT [--tear] publish PACKAGE CHANNEL
    python -m tests.crashing STORE KILL_AT [--tear] promote CHANNEL FILENAME [TARGET]
    python -m tests.crashing STORE KILL_AT [--tear] yank LEVEL FILENAME REASON

Every call the local store makes that changes the disk (``os.write``,
``os.fsync``, ``os.link``, ``os.replace``, ``os.chmod``, ``os.unlink``, and each
run of the indexer) is a step. The child sends itself SIGKILL just before step
``KILL_AT`` (with ``--tear``, a ``write`` step first writes half its bytes, as
a crash or a full disk can), so everything before it happened and nothing
after. ``KILL_AT`` 0 never kills; the child then prints the operation's steps
by name, which is how a test learns the boundaries to try.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from dsprod import promote as promotion
from dsprod.artifact import read_artifact
from dsprod.config import load_settings
from dsprod.store import local
from dsprod.store.local import LocalStore

STEPS = ("write", "fsync", "link", "replace", "chmod", "unlink")


class _Crashing:
    """Counts steps; dies at the chosen one."""

    def __init__(self, kill_at: int, tear: bool) -> None:
        self.kill_at = kill_at
        self.tear = tear
        self.steps: list[str] = []

    def step(self, name: str, *args: Any) -> None:
        self.steps.append(name)
        if len(self.steps) != self.kill_at:
            return
        if self.tear and name == "write":
            handle, data = args
            os.write(handle, bytes(data)[: max(1, len(data) // 2)])
        os.kill(os.getpid(), signal.SIGKILL)


class _CrashingOs(ModuleType):
    """``os`` as the store module sees it: the same functions, each disk change a step."""

    def __init__(self, crashing: _Crashing) -> None:
        super().__init__("os")
        self._crashing = crashing

    def __getattr__(self, name: str) -> Any:
        real = getattr(os, name)
        if name not in STEPS:
            return real
        crashing = self._crashing

        def stepped(*args: Any, **kwargs: Any) -> Any:
            crashing.step(name, *args)
            return real(*args, **kwargs)

        return stepped


def install(kill_at: int, tear: bool) -> _Crashing:
    """Make the local store module crash at step ``kill_at``."""
    crashing = _Crashing(kill_at, tear)
    local.os = _CrashingOs(crashing)  # type: ignore[assignment]  # only in this child
    real_index = local.index_fs

    async def stepped_index(*args: Any, **kwargs: Any) -> None:
        crashing.step("index_fs")
        await real_index(*args, **kwargs)

    local.index_fs = stepped_index  # type: ignore[assignment]
    return crashing


def _operations(store: LocalStore, argv: list[str]) -> Callable[[], Any]:
    operation, *args = argv
    if operation == "publish":
        package, channel = args
        return lambda: store.publish(read_artifact(Path(package)), channel)
    if operation == "promote":
        channel, filename, *target = args
        settings = load_settings(store.root, environ={"DSPROD_STORE": str(store.root)})

        async def promote() -> None:
            [package] = [p for p in await store.packages(channel) if p.filename == filename]
            await promotion.promote(store, settings, package, *target)

        return promote
    if operation == "yank":
        level, filename, reason = args
        settings = load_settings(store.root, environ={"DSPROD_STORE": str(store.root)})

        async def yank() -> None:
            channel = settings.channel(level)
            [package] = [p for p in await store.packages(channel) if p.filename == filename]
            await promotion.yank(store, settings, package, level, reason)

        return yank
    raise SystemExit(f"unknown operation {operation}")


def main(argv: list[str]) -> list[str]:
    """Run the operation ``argv`` describes (see above); returns the names of its steps."""
    tear = "--tear" in argv
    root, kill_at, *rest = [a for a in argv if a != "--tear"]
    store = LocalStore(Path(root))
    run = _operations(store, rest)
    crashing = install(int(kill_at), tear)
    asyncio.run(run())
    return crashing.steps


if __name__ == "__main__":
    print(" ".join(main(sys.argv[1:])))
