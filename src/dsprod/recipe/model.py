"""A neutral conda recipe: what to build, independent of the recipe file format.

Generators (one per language) fill a ``Recipe`` from a ``ProjectInfo``; writers
(``v1.py`` for rattler-build's ``recipe.yaml``, later ``v0.py`` for
``meta.yaml``) turn it into text. Values that change with every commit
(versions, build string, commit) are written so that the builder can set them
from the environment at build time (see ``BUILD_ENV``): a recipe written once
into a repository stays right on later commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsprod.project.model import ProjectInfo

# Environment variables the builder sets for every build; recipe writers refer
# to them so that a recipe file is never stale. The recipe's own values are the
# defaults, used when the recipe is built without dsprod.
BUILD_ENV = {
    "conda_version": "DSPROD_CONDA_VERSION",
    "pep440_version": "DSPROD_PEP440_VERSION",
    "build_string": "DSPROD_BUILD_STRING",
    "commit": "DSPROD_GIT_COMMIT",
    "repository": "DSPROD_GIT_REPOSITORY",
}


@dataclass(frozen=True)
class About:
    """The about section: what users and channel browsers see."""

    summary: str = ""
    description: str = ""
    license: str | None = None
    license_files: tuple[str, ...] = ()
    homepage: str | None = None
    repository: str | None = None
    documentation: str | None = None

    @classmethod
    def of(cls, info: ProjectInfo) -> About:
        """What the project's own metadata says about it, whatever its language."""
        return cls(
            summary=info.summary,
            description=info.description,
            license=info.license,
            license_files=info.license_files,
            homepage=info.homepage,
            repository=info.repository,
            documentation=info.documentation,
        )


@dataclass(frozen=True)
class Recipe:
    """Everything a builder needs to build one package from one project."""

    name: str
    conda_version: str
    pep440_version: str
    build_string: str
    commit: str
    """Git commit the package is built from; recorded in the package's metadata."""
    repository: str
    """Where the git repository lives (remote URL or absolute path), for ``test``."""
    source_path: str
    """Project folder, relative to the recipe file's folder (or absolute)."""
    script: tuple[str, ...]
    """Build script lines (bash)."""
    noarch: str | None = None
    """``"python"``, ``"generic"`` or None for a platform-specific package."""
    script_env: tuple[tuple[str, str], ...] = ()
    """Extra environment for the build script; values are literals."""
    entry_points: tuple[str, ...] = ()
    build_requirements: tuple[str, ...] = ()
    host_requirements: tuple[str, ...] = ()
    run_requirements: tuple[str, ...] = ()
    test_imports: tuple[str, ...] = ()
    """Python modules the package's own smoke test imports."""
    test_commands: tuple[str, ...] = ()
    """Shell commands the package's own smoke test runs (e.g. ``tool --help``)."""
    test_requirements: tuple[str, ...] = ()
    """Requirements of the smoke-test commands above."""
    about: About = About()
    language: str = "python"
    """Which test runner ``dsprod test`` uses for the package (recorded in its metadata)."""
    tests_dir: str = "tests"
    """The project's tests, relative to the git repository root (recorded in its metadata)."""
    project_test_requirements: tuple[str, ...] = ()
    """What the project's own tests need (pytest, R Suggests ...), recorded for ``dsprod test``."""
