"""The interface every build backend implements (rattler-build now; conda-build, boa later)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dsprod.progress import Report


@dataclass(frozen=True)
class BuildRequest:
    """One recipe to build, and where."""

    recipe_path: Path
    output_dir: Path
    """A fresh folder: builders may treat what is in it as a channel."""
    channels: tuple[str, ...]
    """Channels to resolve build and host dependencies from, highest priority first."""
    variables: Mapping[str, str]
    """Per-build values the recipe reads (versions, commit: ``recipe.model.BUILD_VARIABLES``).

    Given to this build alone, never through the process environment: two
    builds in one process must not see each other's values.
    """
    log_path: Path
    """Where the full build log is written."""
    run_recipe_tests: bool = True
    """Run the recipe's own smoke tests (imports, ``--help``) right after packaging."""
    compression_level: int | None = None
    """zstd level for ``.conda`` files; None keeps the builder's default (slow, small)."""
    include_recipe: bool = False
    """Ship the recipe inside the package (``info/recipe``); dsprod never does.

    rattler-build ships the whole recipe folder plus ``rendered_recipe.yaml``,
    which records the build's own folders (``host_prefix``, ``build_prefix``,
    ``work_dir``), the channel URLs and the source path: paths of the build
    machine, in every package. Nothing is lost without it: a package records
    its commit, and the recipe is at that commit (a maintained recipe in the
    repository, a generated one from ``dsprod recipe``).
    """


class Builder(Protocol):
    """Turns a recipe file of its format into package files."""

    recipe_format: str
    """The recipe format it builds: ``v1`` (recipe.yaml) or ``v0`` (meta.yaml)."""

    def build(self, request: BuildRequest, report: Report) -> list[Path]:
        """Build and return the package files; raise BuildFailed with the log's tail."""
        ...
