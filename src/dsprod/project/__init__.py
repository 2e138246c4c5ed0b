"""Readers of a project's own metadata, one module per language, and the choice between them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from dsprod.errors import InputError
from dsprod.git import toplevel
from dsprod.project.model import ProjectInfo
from dsprod.recipe.model import Recipe

RECIPES_DIR = "recipes"
RECIPE_FILE = "recipe.yaml"


@dataclass(frozen=True)
class LoadedProject:
    """A project's metadata at HEAD, with where its git repository lives."""

    info: ProjectInfo
    repository: str
    """The ``origin`` remote's URL, or the repository's folder when it has none."""

    @property
    def maintained_recipe(self) -> Path:
        """Where a recipe kept in the repository lives (written by ``dsprod recipe``)."""
        return self.info.root / RECIPES_DIR / self.info.conda_name / RECIPE_FILE

    def recipe(self, source_path: str) -> Recipe:
        """The generated recipe, building from ``source_path`` (relative to the recipe file)."""
        info = self.info
        if info.language == "r":
            from dsprod.recipe.r import r_recipe as generate
        else:
            from dsprod.recipe.python import python_recipe as generate
        return generate(info, source_path, self.repository)

    def render_recipe(self) -> str:
        """The recipe as ``dsprod recipe`` would write it."""
        from dsprod.recipe.v1 import render_v1

        return render_v1(
            self.recipe(_relative_source(self.maintained_recipe.parent, self.info.root))
        )

    def write_recipe(self, *, regenerate: bool) -> Path:
        """Write the recipe into the repository (never over a maintained one unless asked)."""
        from dsprod.recipe.v1 import write_recipe

        path = self.maintained_recipe
        write_recipe(
            self.recipe(_relative_source(path.parent, self.info.root)), path, regenerate=regenerate
        )
        return path

    def recipe_path(self, scratch: Path) -> tuple[Path, bool]:
        """The recipe to build: the maintained one as is, else a generated one in ``scratch``.

        Returns the path and whether it was generated.
        """
        if self.maintained_recipe.is_file():
            return self.maintained_recipe, False
        from dsprod.recipe.v1 import write_recipe

        path = scratch / RECIPE_FILE
        write_recipe(self.recipe(str(self.info.root)), path, regenerate=True)
        return path, True


def load_project(root: Path) -> LoadedProject:
    """Detect the project's language, read its metadata and its version from git."""
    root = root.resolve()
    git_root = _git_root(root)
    if (root / "DESCRIPTION").is_file():
        info = _read_r(root)
    elif (root / "pyproject.toml").is_file() or (root / "setup.cfg").is_file():
        info = _read_python(root)
    else:
        raise InputError(
            f"{root}: no project metadata found (pyproject.toml, setup.cfg or an R DESCRIPTION)"
        )
    return LoadedProject(info=info, repository=_repository(git_root))


def _read_python(root: Path) -> ProjectInfo:
    from dsprod.project.python import load_pyproject, read_python_project
    from dsprod.version import ScmOptions, git_version, scm_options_from_pyproject

    pyproject = root / "pyproject.toml"
    options = (
        scm_options_from_pyproject(load_pyproject(pyproject), pyproject)
        if pyproject.is_file()
        else ScmOptions()
    )
    return read_python_project(root, git_version(root, options))


def _read_r(root: Path) -> ProjectInfo:
    from dsprod.project.r import read_r_project
    from dsprod.version import NoVersionTag, git_version

    try:
        version = git_version(root)
    except NoVersionTag:
        version = None  # the reader falls back to DESCRIPTION's Version, and says so
    return read_r_project(root, version)


def _git_root(root: Path) -> Path:
    top = toplevel(root)
    if top is None:
        raise InputError(
            f"{root}: not inside a git repository (dsprod versions come from git tags)"
        )
    return top


def _repository(git_root: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(git_root), "remote", "get-url", "origin"], capture_output=True, text=True
    )
    return (
        result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else str(git_root)
    )


def _relative_source(recipe_dir: Path, project_root: Path) -> str:
    """The project folder as seen from the recipe's folder (``../..`` for recipes/<name>/)."""
    return Path(*[".."] * len(recipe_dir.relative_to(project_root).parts)).as_posix()
