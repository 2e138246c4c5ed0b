"""A maintained recipe as a project's metadata: name and records from it, version from git."""

from __future__ import annotations

from pathlib import Path

from dsprod.errors import InputError
from dsprod.project import ProjectInfo
from dsprod.recipe.extra import KEY as EXTRA_KEY
from dsprod.recipe.maintained import choose_recipe, problems, render_maintained
from dsprod.recipe.model import build_variables
from dsprod.vcs.git import origin_url, require_toplevel
from dsprod.vcs.scm import git_version

RECIPE_LANGUAGE = "recipe"
"""``extra.dsprod.language`` of a package tested by its recipe's own ``tests:``."""


def read_recipe_project(root: Path, choice: str | None) -> ProjectInfo:
    """The project in ``root`` as its maintained recipe (``choice``, else the only one) says.

    Refuses, naming the file and each field, a recipe whose per-commit values
    would not render to this commit's, or that records no language dsprod can
    test it with.
    """
    from dsprod.languages import LANGUAGES  # the registry lists this language too

    path = choose_recipe(root, choice)
    version = git_version(root)
    variables = build_variables(version, origin_url(require_toplevel(root)))
    recipe = render_maintained(path, variables)
    found = problems(recipe, variables)
    language = recipe.extra.language
    if recipe.records_extra and language is None:
        found.append(
            f"extra.{EXTRA_KEY}.language is not set: write `language: {RECIPE_LANGUAGE}` to"
            f" test the package with the recipe's own tests:, or the language whose runner"
            f" tests it ({', '.join(name for name in LANGUAGES if name != RECIPE_LANGUAGE)})"
        )
    elif language is not None and language not in LANGUAGES:
        found.append(
            f"extra.{EXTRA_KEY}.language is {language!r}, which dsprod does not know"
            f" (known: {', '.join(LANGUAGES)})"
        )
    if recipe.name != path.parent.name:
        found.append(
            f"package.name is {recipe.name!r}: a maintained recipe lives in"
            f" recipes/<its package name>/ (rename the folder to recipes/{recipe.name}/)"
        )
    if found:
        raise InputError(f"{path}: " + "; ".join(found))
    assert language is not None  # a recipe recording none was refused above
    warnings = []
    if language == RECIPE_LANGUAGE and not [
        kind for kind in recipe.tests if kind != "package_contents"
    ]:
        warnings.append(
            f"{path}: no tests: entry runs against the installed package (script, python"
            " ...; package_contents is checked while packaging): its test report will say"
            " that none ran, and it is promoted without one"
        )
    if language == RECIPE_LANGUAGE and recipe.extra.tests_dirs:
        warnings.append(
            f"{path}: extra.{EXTRA_KEY}.tests_dirs is not run: language '{RECIPE_LANGUAGE}'"
            " runs the recipe's own tests: (record the language that runs those folders)"
        )
    about = recipe.about
    return ProjectInfo(
        root=root,
        language=language,
        name=recipe.name,
        conda_name=recipe.name,
        version=version,
        summary=str(about.get("summary") or ""),
        license=str(about["license"]) if about.get("license") else None,
        homepage=str(about["homepage"]) if about.get("homepage") else None,
        tests_dirs=recipe.extra.tests_dirs,
        test_requirements=recipe.extra.test_requirements,
        optional_test_requirements=recipe.extra.optional_test_requirements,
        noarch=False,
        warnings=tuple(warnings),
    )
