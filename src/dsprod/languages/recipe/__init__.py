"""Repositories whose only metadata is a maintained recipe: the recipe is the metadata.

Registered last: a language that reads the project's own files
(pyproject.toml, DESCRIPTION ...) knows more (its versioning options, its
test layout), and a maintained recipe already wins over the one it would
generate. This one answers for whatever is left that holds
``recipes/<name>/recipe.yaml``: the name and ``extra.dsprod`` come from the
recipe as rattler-build renders it, the version from git tags (PEP 440 ->
conda, as for Python). The package's tests are those of the language the
recipe records (``extra.dsprod.language``), or with ``language: recipe`` the
recipe's own ``tests:``, which travel inside the package (``runner.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.errors import InputError
from dsprod.languages.recipe.reader import RECIPE_LANGUAGE, read_recipe_project
from dsprod.languages.recipe.runner import run_package_tests
from dsprod.progress import Report
from dsprod.project import ProjectInfo
from dsprod.recipe.maintained import recipe_names
from dsprod.recipe.model import Recipe

__all__ = ["NAME", "RECIPE", "RecipeLanguage"]

NAME = RECIPE_LANGUAGE
"""What a recipe records (``extra.dsprod.language``) to be tested by its own ``tests:``."""


class RecipeLanguage:
    """Folders whose ``recipes/`` holds a maintained recipe; ``choice`` names one of several."""

    name = NAME
    test_base_requirements: tuple[str, ...] = ()
    test_config_files: tuple[str, ...] = ()
    test_folder_files: tuple[str, ...] = ()

    def __init__(self, choice: str | None = None) -> None:
        self.choice = choice

    def choosing(self, choice: str) -> RecipeLanguage:
        """This language reading ``recipes/<choice>/recipe.yaml`` (``--recipe NAME``)."""
        return RecipeLanguage(choice)

    def detect(self, root: Path) -> bool:
        return bool(recipe_names(root))

    def read(self, root: Path) -> ProjectInfo:
        return read_recipe_project(root, self.choice)

    async def resolve_build_requirements(
        self, info: ProjectInfo, channels: Sequence[str], work_dir: Path, report: Report
    ) -> ProjectInfo:
        return info  # the recipe says its own requirements

    def recipe(self, info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
        raise InputError(
            f"{info.root}: the maintained recipe is this project's only metadata;"
            " there is nothing to generate a recipe from (edit the recipe itself)"
        )

    def run_tests(
        self,
        artifact: Artifact,
        prefix: Path,
        tests: ExportedTests,
        junit_xml: Path,
        extra_args: Sequence[str],
    ) -> TestRun:
        """Refused: nothing is exported from git for this language (see ``run_package_tests``).

        The test stage asks a ``CarriesItsTests`` language for ``run_package_tests``
        instead, which receives the channels rattler-build solves each test's env
        from; ``Language.run_tests`` has no channels to give.
        """
        raise InputError(
            f"{artifact.filename}: its tests travel inside the package; they run through"
            " run_package_tests, with the channels to solve their envs from"
        )

    def run_package_tests(
        self, artifact: Artifact, channels: Sequence[str], junit_xml: Path, report: Report
    ) -> TestRun:
        """Run the tests the package carries (its recipe's ``tests:``), each in a fresh env."""
        return run_package_tests(artifact, channels, junit_xml, report)

    def check_package(self, artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
        return ()  # verify.py checks what every package records; the recipe's tests the rest


RECIPE = RecipeLanguage()
