"""What every stage of one command shares: the project, its settings, the store, progress."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dsprod.config import Settings
from dsprod.pipeline.channels import resolve_channels
from dsprod.progress import Report
from dsprod.store import Store, open_store

WORK_DIR = ".dsprod"


@dataclass
class Session:
    """One command's context. The store opens on first use: ``dsprod recipe`` never needs it."""

    project_root: Path
    settings: Settings
    report: Report

    @cached_property
    def store(self) -> Store:
        return open_store(self.settings.store)

    @property
    def work_dir(self) -> Path:
        """Scratch space inside the project, ignored by git (and so by rattler-build's copy)."""
        folder = self.project_root / WORK_DIR / "work"
        folder.mkdir(parents=True, exist_ok=True)
        ignore = self.project_root / WORK_DIR / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        return folder

    async def channels(self) -> list[str]:
        """Where builds and test envs resolve from: unstable first, then dependencies."""
        base = self.settings.source.parent if self.settings.source else self.project_root
        unstable = await self.store.channel_url(self.settings.channel("unstable"))
        return [unstable, *resolve_channels(self.settings.dependency_channels, base)]
