"""What every stage of one command shares: the project, its settings, the store, progress.

Scratch folders (design note). Builds work in folders under
``<project>/.dsprod/work`` that can hold tens of megabytes (test runs work
outside the project, see ``scratch_outside_project``). Each is named
``<kind>-<pid>@<host>-<random>`` after the process that owns it (``<host>`` is a
short digest of the host name, which keeps env prefixes short) and is removed
when its stage ends; a process killed mid-stage cannot remove its own, so the
first session to use the work folder removes every scratch folder whose owner
is provably gone: same host, and no process with that pid. A folder of a live
process (even another user's: ``kill`` answers EPERM) is never touched, nor
one whose name does not say its owner.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rattler.networking import Client

from dsprod.config import Settings
from dsprod.pipeline.channels import resolve_channels
from dsprod.progress import Report
from dsprod.store import Store, open_store
from dsprod.store.base import PrivateReads

WORK_DIR = ".dsprod"
SCRATCH_KINDS = ("build", "test", "resolve")
"""The scratch folders stages make in the work folder (``test``: earlier versions did)."""
SCRATCH_NAME = re.compile(r"^(?P<kind>[a-z]+)-(?P<pid>\d+)@(?P<host>[0-9a-f]+)-[^-]+$")
"""A scratch folder's name: kind, owner pid and host, mkdtemp's random part (no dashes)."""


@dataclass
class Session:
    """One command's context. The store opens on first use: ``dsprod recipe`` never needs it."""

    project_root: Path
    settings: Settings
    report: Report
    recipe_name: str | None = None
    """``--recipe NAME``: build ``recipes/NAME/recipe.yaml`` as the project's metadata."""
    build_system: str | None = None
    """The C/C++ build system the user chose (``--build-system``); None: the reader chooses."""
    _said_unreadable: bool = field(default=False, init=False, repr=False)
    """Whether ``build_channels`` has warned about the channels builds cannot read."""

    @cached_property
    def store(self) -> Store:
        return open_store(self.settings.store, self.settings.write_tokens())

    @cached_property
    def work_dir(self) -> Path:
        """Scratch space inside the project, ignored by git (and so by rattler-build's copy).

        Scratch folders that killed processes left behind are removed on first use.
        """
        folder = self.project_root / WORK_DIR / "work"
        folder.mkdir(parents=True, exist_ok=True)
        ignore = self.project_root / WORK_DIR / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        remove_stale_scratch(folder, SCRATCH_KINDS)
        return folder

    @contextlib.contextmanager
    def scratch(self, kind: str) -> Iterator[Path]:
        """A new folder in ``work_dir`` owned by this process, removed when the block ends."""
        folder = new_scratch(self.work_dir, kind)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @contextlib.contextmanager
    def scratch_outside_project(self, kind: str) -> Iterator[Path]:
        """A new folder in the temporary folder, removed when the block ends.

        Test runs work here: pytest looks for its configuration in every parent
        of the tests, and under ``work_dir`` it would find the project's own.
        The CLI points ``$TMPDIR`` at a folder of its process, which the next
        command sweeps if this process is killed.
        """
        folder = new_scratch(Path(tempfile.gettempdir()), kind)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def channels(self) -> list[str]:
        """Where test envs resolve from, read with ``read_client``: unstable, then dependencies."""
        base = self.settings.source.parent if self.settings.source else self.project_root
        unstable = await self.store.channel_url(self.settings.channel("unstable"))
        return [unstable, *resolve_channels(self.settings.dependency_channels, base)]

    @cached_property
    def read_client(self) -> Client | None:
        """The py-rattler client every solve and install of ``channels`` uses (None: default)."""
        return self.store.read_client() if isinstance(self.store, PrivateReads) else None

    async def build_channels(self) -> list[str]:
        """Where builds resolve from: ``channels``, but only those a build can read.

        rattler-build's Python API reads no ``s3://`` channel (its client has no
        S3 middleware, and it takes none from the caller), so with a private S3
        store (``read: s3``) builds resolve from the dependency channels alone,
        and a build requirement only the store has is not found; said once.
        """
        channels = await self.channels()
        unreadable = [url for url in channels if url.startswith("s3://")]
        if unreadable and not self._said_unreadable:
            self._said_unreadable = True
            self.report(
                f"warning: builds resolve without {', '.join(unreadable)}: rattler-build's"
                " Python API cannot read s3:// channels (store.read: s3); build requirements"
                " must come from the dependency channels"
            )
        return [url for url in channels if url not in unreadable]


def new_scratch(parent: Path, kind: str) -> Path:
    """A new folder in ``parent`` whose name says that this process, on this host, owns it."""
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}@{_host()}-", dir=parent))


def remove_stale_scratch(parent: Path, kinds: Collection[str]) -> list[Path]:
    """Remove the scratch folders of ``kinds`` in ``parent`` whose owner is gone; returns them."""
    host = _host()
    removed = []
    for folder in parent.iterdir():
        named = SCRATCH_NAME.match(folder.name)
        if (
            named is not None
            and named["kind"] in kinds
            and named["host"] == host
            and folder.is_dir()
            and not folder.is_symlink()
            and not _alive(int(named["pid"]))
        ):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (a reused pid counts: keep)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True
