"""A maintained ``recipes/<name>/recipe.yaml`` read back with rattler-build's own renderer.

A repository may hold no metadata file any language reads, only a recipe its
team maintains: then the recipe is the metadata. Its name, and what it
records under ``extra.dsprod``, are what rattler-build makes of it once this
commit's per-build variables (``BUILD_VARIABLES``) are filled in, never what a
parser of our own guesses from the Jinja text. Every per-commit value must
render to what git says, or the first build after the next tag would carry
a stale claim: ``problems`` names each field that does not, with what to write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rattler_build
from rattler_build import RenderConfig, Stage0Recipe

from dsprod.errors import InputError
from dsprod.recipe.extra import KEY as EXTRA_KEY
from dsprod.recipe.extra import DsprodExtra
from dsprod.recipe.model import BUILD_VARIABLES
from dsprod.recipe.select import RECIPE_FILE, RECIPES_DIR


@dataclass(frozen=True)
class MaintainedRecipe:
    """What one maintained recipe renders to with this commit's per-build variables."""

    path: Path
    name: str
    version: str
    build_string: str | None
    """``build.string`` as rendered (rattler-build's hash string when the recipe sets none)."""
    extra: DsprodExtra
    records_extra: bool
    """False when the recipe has no ``extra.dsprod`` mapping at all."""
    about: Mapping[str, Any]
    tests: tuple[str, ...]
    """The kind of each entry of ``tests:`` (``script``, ``python``, ``package_contents`` ...)."""


def recipe_names(project_root: Path) -> list[str]:
    """The folders of ``recipes/`` holding a ``recipe.yaml``, sorted."""
    folder = project_root / RECIPES_DIR
    if not folder.is_dir():
        return []
    return sorted(path.parent.name for path in folder.glob(f"*/{RECIPE_FILE}") if path.is_file())


def choose_recipe(project_root: Path, name: str | None) -> Path:
    """The recipe a build of ``project_root`` uses: ``name``'s, else the only one there is."""
    names = recipe_names(project_root)
    where = project_root / RECIPES_DIR
    if name is not None:
        if name not in names:
            listed = ", ".join(names) or "none"
            raise InputError(f"{where}/{name}/{RECIPE_FILE}: no such recipe (found: {listed})")
        return where / name / RECIPE_FILE
    if not names:
        raise InputError(f"{where}: no {RECIPE_FILE} in any of its folders")
    if len(names) > 1:
        raise InputError(
            f"{where}: {len(names)} recipes ({', '.join(names)}); choose one with --recipe NAME"
        )
    return where / names[0] / RECIPE_FILE


def render_maintained(path: Path, variables: Mapping[str, str]) -> MaintainedRecipe:
    """Render ``path`` as the build will (``variables`` as render variables), one package only."""
    try:
        variants = Stage0Recipe.from_file(path).render(
            render_config=RenderConfig(extra_context=dict(variables))
        )
    except rattler_build.RattlerBuildError as error:
        raise InputError(f"{path}: {_first_line(error)}") from None
    if len(variants) != 1:
        raise InputError(
            f"{path}: renders to {len(variants)} packages (outputs or variants);"
            " dsprod builds one package per recipe"
        )
    rendered = variants[0].recipe.to_dict()
    package = rendered.get("package", {})
    extra = rendered.get("extra") or {}
    recorded = extra.get(EXTRA_KEY) if isinstance(extra, Mapping) else None
    build_string = rendered.get("build", {}).get("string")
    return MaintainedRecipe(
        path=path,
        name=str(package.get("name", "")),
        version=str(package.get("version", "")),
        build_string=build_string if isinstance(build_string, str) else None,
        extra=DsprodExtra.from_about({"extra": extra}),
        records_extra=isinstance(recorded, Mapping),
        about=rendered.get("about") or {},
        tests=tuple(next(iter(test), "?") for test in rendered.get("tests") or ()),
    )


def problems(recipe: MaintainedRecipe, variables: Mapping[str, str]) -> list[str]:
    """Each per-commit value that does not render to this commit's, with what to write instead.

    ``variables`` are this commit's per-build values (``BUILD_VARIABLES``);
    an empty repository value means the repository has no origin, so the
    recipe must record none.
    """
    if not recipe.records_extra:
        return [
            f"extra.{EXTRA_KEY} is missing: dsprod checks every value a package records against"
            f" git; add extra: {{{EXTRA_KEY}: {{commit: {_variable('commit')},"
            f" pep440_version: {_variable('pep440_version')},"
            f" repository: {_variable('repository')}, language: recipe}}}}"
            " (language: recipe runs the recipe's own tests:, or name the language whose"
            " runner tests the package)"
        ]
    extra = recipe.extra
    checked = {
        "package.version": ("conda_version", recipe.version),
        "build.string": ("build_string", recipe.build_string),
        f"extra.{EXTRA_KEY}.commit": ("commit", extra.commit),
        f"extra.{EXTRA_KEY}.pep440_version": ("pep440_version", extra.pep440_version),
        f"extra.{EXTRA_KEY}.repository": ("repository", extra.repository),
    }
    found = []
    for field, (key, value) in checked.items():
        wanted = variables[BUILD_VARIABLES[key]] or None
        if value == wanted:
            continue
        state = "is not set" if value is None else f"is {value!r}"
        says = f"git says {wanted!r}" if wanted is not None else "this repository has no origin"
        found.append(f"{field} {state}, but {says}: write {_variable(key)}")
    return found


def _variable(key: str) -> str:
    """How a recipe reads the per-build value ``key`` (``${{ dsprod_conda_version }}``)."""
    return f"${{{{ {BUILD_VARIABLES[key]} }}}}"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
