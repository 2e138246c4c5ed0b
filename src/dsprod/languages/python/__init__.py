"""Python projects: pyproject.toml (PEP 621, poetry) or setup.cfg, built by pip, tested by pytest.

The project states its metadata once, for pip; dsprod reads it rather than
asking the user to repeat it in a recipe. Sources, in order of preference:
PEP 621 ``[project]``, poetry's ``[tool.poetry]``, setuptools' ``setup.cfg``.
Every step that cannot be mapped to conda exactly (environment markers,
extras, unknown licences) becomes a warning in the ``ProjectInfo``: a noarch
package that silently lost a dependency is worse than a loud one.

The version is never read from the project: dsprod computes it from git, with
the project's own setuptools_scm / hatch-vcs options (``scm.py``), and the
build script forces the backend to use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.languages.python.checks import dist_info_version_problems, extension_problems
from dsprod.languages.python.frontend import resolve_build_requirements
from dsprod.languages.python.pytest_config import CONFIG_FILES
from dsprod.languages.python.reader import read_python_project
from dsprod.languages.python.recipe import python_recipe
from dsprod.languages.python.runner import BASE_REQUIREMENTS, run_python_tests
from dsprod.languages.python.scm import scm_options_from_pyproject
from dsprod.languages.python.tables import load_toml
from dsprod.progress import Report
from dsprod.project import ProjectInfo
from dsprod.recipe.model import Recipe
from dsprod.vcs.scm import ScmOptions, git_version

__all__ = ["PYTHON", "PythonLanguage", "read_python_project"]


class PythonLanguage:
    """pyproject.toml / setup.cfg projects."""

    name = "python"
    test_base_requirements = BASE_REQUIREMENTS
    test_config_files = CONFIG_FILES
    test_folder_files = ("conftest.py",)

    def detect(self, root: Path) -> bool:
        return (root / "pyproject.toml").is_file() or (root / "setup.cfg").is_file()

    def read(self, root: Path) -> ProjectInfo:
        pyproject = root / "pyproject.toml"
        options = (
            scm_options_from_pyproject(load_toml(pyproject), pyproject)
            if pyproject.is_file()
            else ScmOptions()
        )
        return read_python_project(root, git_version(root, options))

    async def resolve_build_requirements(
        self, info: ProjectInfo, channels: Sequence[str], work_dir: Path, report: Report
    ) -> ProjectInfo:
        return await resolve_build_requirements(info, channels, work_dir, report)

    def recipe(self, info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
        return python_recipe(info, source_path, repository)

    def run_tests(
        self,
        artifact: Artifact,
        prefix: Path,
        tests: ExportedTests,
        junit_xml: Path,
        extra_args: Sequence[str],
    ) -> TestRun:
        return run_python_tests(prefix, tests, junit_xml, extra_args)

    def check_package(self, artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
        yield from dist_info_version_problems(artifact, info.version.pep440)
        yield from extension_problems(artifact, info)


PYTHON = PythonLanguage()
