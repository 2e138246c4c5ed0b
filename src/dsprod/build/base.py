"""The interface every build backend implements (rattler-build now; conda-build, boa later)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Report = Callable[[str], None]


@dataclass(frozen=True)
class BuildRequest:
    """One recipe to build, and where."""

    recipe_path: Path
    output_dir: Path
    """A fresh folder: builders may treat what is in it as a channel."""
    channels: tuple[str, ...]
    """Channels to resolve build and host dependencies from, highest priority first."""
    environment: Mapping[str, str]
    """Variables the recipe reads with ``env.get`` (versions, commit: recipe.model.BUILD_ENV)."""
    log_path: Path
    """Where the full build log is written."""
    run_recipe_tests: bool = True
    """Run the recipe's own smoke tests (imports, ``--help``) right after packaging."""
    compression_level: int | None = None
    """zstd level for ``.conda`` files; None keeps the builder's default (slow, small)."""
    include_recipe: bool = True
    """Ship the recipe inside the package (``info/recipe``)."""


class Builder(Protocol):
    """Turns a recipe into package files."""

    name: str

    def build(self, request: BuildRequest, report: Report) -> list[Path]:
        """Build and return the package files; raise BuildFailed with the log's tail."""
        ...
