"""R packages: DESCRIPTION, built by ``R CMD build`` + ``R CMD INSTALL``, tested by testthat."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.languages.r.description import read_r_project
from dsprod.languages.r.recipe import r_recipe
from dsprod.languages.r.runner import BASE_REQUIREMENTS, run_r_tests
from dsprod.languages.r.version import (
    installed_version_problems,
    is_r_version_tag,
    tagged_version,
)
from dsprod.progress import Report
from dsprod.project import ProjectInfo
from dsprod.recipe.model import Recipe
from dsprod.vcs.scm import describe

__all__ = ["R", "RLanguage"]


class RLanguage:
    """Folders holding an R ``DESCRIPTION``."""

    name = "r"
    test_base_requirements = BASE_REQUIREMENTS
    # The runners read tests/ alone: testthat.R and the scripts live there.
    test_config_files: tuple[str, ...] = ()
    test_folder_files: tuple[str, ...] = ()

    def detect(self, root: Path) -> bool:
        return (root / "DESCRIPTION").is_file()

    def read(self, root: Path) -> ProjectInfo:
        # R's own version syntax (languages/r/version.py), not setuptools_scm's PEP 440.
        # Without a version tag the reader falls back to DESCRIPTION's Version, and says so.
        version, notes = tagged_version(describe(root, is_r_version_tag))
        info = read_r_project(root, version)
        return replace(info, warnings=(*notes, *info.warnings))

    async def resolve_build_requirements(
        self, info: ProjectInfo, channels: Sequence[str], work_dir: Path, report: Report
    ) -> ProjectInfo:
        return info  # DESCRIPTION's requirements depend on no channel

    def recipe(self, info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
        return r_recipe(info, source_path, repository)

    def run_tests(
        self,
        artifact: Artifact,
        prefix: Path,
        tests: ExportedTests,
        junit_xml: Path,
        extra_args: Sequence[str],
    ) -> TestRun:
        return run_r_tests(prefix, tests.tests[0], junit_xml, extra_args)

    def check_package(self, artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
        return installed_version_problems(artifact, info.name, info.version.native)


R = RLanguage()
