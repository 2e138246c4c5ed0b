"""Which recipe a build uses: the one maintained in the repository, else a generated one.

``dsprod recipe`` writes ``recipes/<name>/recipe.yaml`` into the project; from
then on that file is the project's own, and dsprod builds it as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dsprod.recipe.model import Recipe
from dsprod.recipe.v1 import write_recipe

RECIPES_DIR = "recipes"
RECIPE_FILE = "recipe.yaml"

RecipeFor = Callable[[str], Recipe]
"""Generates the recipe for a given source path (relative to the recipe's folder)."""


def maintained_recipe_path(project_root: Path, conda_name: str) -> Path:
    """Where a recipe kept in the repository lives (written by ``dsprod recipe``)."""
    return project_root / RECIPES_DIR / conda_name / RECIPE_FILE


def source_path_from(recipe_dir: Path, project_root: Path) -> str:
    """The project folder as seen from the recipe's folder (``../..`` for recipes/<name>/)."""
    return Path(*[".."] * len(recipe_dir.relative_to(project_root).parts)).as_posix()


def recipe_to_build(
    project_root: Path, conda_name: str, generate: RecipeFor, scratch: Path
) -> tuple[Path, bool]:
    """The recipe file to build, and whether it was generated (into ``scratch``)."""
    maintained = maintained_recipe_path(project_root, conda_name)
    if maintained.is_file():
        return maintained, False
    path = scratch / RECIPE_FILE
    write_recipe(generate(str(project_root)), path, regenerate=True)
    return path, True
