"""The interface every language implements, and what all of them share.

A language knows how to recognise its projects, read their own metadata (and
their own versioning options) into a ``ProjectInfo``, describe the package as a
neutral ``Recipe``, run the project's tests against the installed package, and
check a built package for what only it can see. Adding a language is one
package under ``languages/`` plus one line in ``languages/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.progress import Report
from dsprod.project import ProjectInfo
from dsprod.recipe.extra import DsprodExtra
from dsprod.recipe.model import About, Recipe
from dsprod.vcs.git import path_in_repository


class Language(Protocol):
    """One language's knowledge, from its metadata files to its test runner."""

    @property
    def name(self) -> str:
        """The name packages record (``extra.dsprod.language``) and ``ProjectInfo.language``."""
        ...

    @property
    def test_base_requirements(self) -> tuple[str, ...]:
        """Installed into every test env beside the package (e.g. pytest)."""
        ...

    @property
    def test_config_files(self) -> tuple[str, ...]:
        """Files of the project folder that configure the test runner, exported with the tests.

        Never code the installed package could be shadowed by.
        """
        ...

    @property
    def test_folder_files(self) -> tuple[str, ...]:
        """Files the runner reads from every folder on the way down to the tests (conftest.py)."""
        ...

    def detect(self, root: Path) -> bool:
        """True when ``root`` holds a project of this language."""
        ...

    def read(self, root: Path) -> ProjectInfo:
        """The project's metadata at HEAD, versioned from git with the project's own options."""
        ...

    async def resolve_build_requirements(
        self, info: ProjectInfo, channels: Sequence[str], work_dir: Path, report: Report
    ) -> ProjectInfo:
        """``info`` as the build will see it, once the ``channels`` it resolves from are known.

        The reader has no channels; what depends on them (the python a host env
        gets, a build backend's own requirements) is settled here, before a
        recipe is written. ``work_dir`` is scratch space removed afterwards.
        """
        ...

    def recipe(self, info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
        """The recipe that builds ``info`` from ``source_path`` (relative to the recipe file).

        ``repository`` is where the commit can be fetched again (``extra.dsprod``), if known.
        """
        ...

    def run_tests(
        self,
        artifact: Artifact,
        prefix: Path,
        tests: ExportedTests,
        junit_xml: Path,
        extra_args: Sequence[str],
    ) -> TestRun:
        """Run the exported tests against ``artifact``, installed in ``prefix``.

        The artifact says what the package installed (its ``paths``): a language
        whose tests build against the package (C headers, libraries) needs it.
        """
        ...

    def check_package(self, artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
        """Problems only this language can see in a freshly built package (none: empty)."""
        ...


@runtime_checkable
class CarriesItsTests(Protocol):
    """A language whose tests travel inside the package (a recipe's ``tests:``).

    No tests are exported from git for it: the tool that wrote the tests runs
    each in an env it solves itself, from ``channels`` (the store's unstable
    channel first, then the dependency channels), and the outcome comes back
    as JUnit in ``junit_xml``, one testcase per test.
    """

    def run_package_tests(
        self, artifact: Artifact, channels: Sequence[str], junit_xml: Path, report: Report
    ) -> TestRun:
        """Run every test ``artifact`` carries; a package carrying none says so in a warning."""
        ...


def recipe_for(
    info: ProjectInfo, source_path: str, repository: str | None, **language_fields: Any
) -> Recipe:
    """A ``Recipe`` with what every package has, plus the language's own ``language_fields``."""
    return Recipe(
        name=info.conda_name,
        conda_version=info.version.conda,
        pep440_version=info.version.pep440,
        native_version=info.version.native,
        build_string=info.version.build_string,
        source_path=source_path,
        extra=extra_of(info, repository),
        compilers=info.compilers,
        host_requirements=info.host_requirements,
        run_requirements=info.run_requirements,
        about=about_of(info),
        **language_fields,
    )


def about_of(info: ProjectInfo) -> About:
    """What the project's own metadata says about it, whatever its language."""
    return About(
        summary=info.summary,
        description=info.description,
        license=info.license,
        license_files=info.license_files,
        homepage=info.homepage,
        repository=info.repository,
        documentation=info.documentation,
    )


def extra_of(info: ProjectInfo, repository: str | None) -> DsprodExtra:
    """The ``extra.dsprod`` record for a package built from ``info`` at its commit."""
    return DsprodExtra(
        commit=info.version.commit,
        pep440_version=info.version.pep440,
        repository=repository,
        language=info.language,
        project_dir=path_in_repository(info.root, "."),
        tests_dirs=info.tests_dirs,
        test_requirements=info.test_requirements,
        optional_test_requirements=info.optional_test_requirements,
        build_system=info.build_system,
        test_options=info.test_options,
    )
