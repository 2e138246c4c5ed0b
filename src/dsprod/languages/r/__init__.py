"""R packages: DESCRIPTION, built by ``R CMD build`` + ``R CMD INSTALL``, tested by testthat."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.languages.r.description import read_r_project
from dsprod.languages.r.recipe import r_recipe
from dsprod.languages.r.runner import BASE_REQUIREMENTS, run_r_tests
from dsprod.project import ProjectInfo
from dsprod.recipe.model import Recipe
from dsprod.vcs.scm import NoVersionTag, git_version

__all__ = ["R", "RLanguage"]


class RLanguage:
    """Folders holding an R ``DESCRIPTION``."""

    name = "r"
    test_base_requirements = BASE_REQUIREMENTS

    def detect(self, root: Path) -> bool:
        return (root / "DESCRIPTION").is_file()

    def read(self, root: Path) -> ProjectInfo:
        try:
            version = git_version(root)
        except NoVersionTag:
            version = None  # the reader falls back to DESCRIPTION's Version, and says so
        return read_r_project(root, version)

    def recipe(self, info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
        return r_recipe(info, source_path, repository)

    def run_tests(
        self, prefix: Path, tests: ExportedTests, junit_xml: Path, extra_args: Sequence[str]
    ) -> TestRun:
        return run_r_tests(prefix, tests.tests[0], junit_xml, extra_args)

    def check_package(self, artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
        return ()


R = RLanguage()
