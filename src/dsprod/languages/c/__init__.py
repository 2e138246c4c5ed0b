"""C and C++ projects: CMake, Meson or a plain Makefile, read with the build systems' own tools.

A folder with a ``CMakeLists.txt``, ``meson.build`` or ``Makefile`` (and no
Python or R metadata: those languages are asked first, so a scikit-build-core
project stays Python) is a C/C++ project. Its package is a platform package
built with the conda compilers; its tests build against the installed package
(``runner.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from dsprod.artifact import Artifact
from dsprod.envtest.result import TestRun
from dsprod.envtest.source import ExportedTests
from dsprod.languages.c.choose import present
from dsprod.languages.c.reader import read_c_project
from dsprod.languages.c.recipe import c_recipe
from dsprod.languages.c.runner import BASE_REQUIREMENTS, TEST_CONFIG_FILES, run_c_tests
from dsprod.progress import Report
from dsprod.project import ProjectInfo
from dsprod.recipe.model import Recipe

__all__ = ["C", "CLanguage"]


class CLanguage:
    """Folders holding a CMakeLists.txt, meson.build or Makefile.

    ``build_system`` is the user's choice (``--build-system``) when the folder has
    several; None lets the reader choose (``choose.py``).
    """

    name = "c"
    test_base_requirements = BASE_REQUIREMENTS
    test_config_files = TEST_CONFIG_FILES
    test_folder_files: tuple[str, ...] = ()

    def __init__(self, build_system: str | None = None) -> None:
        self.build_system = build_system

    def detect(self, root: Path) -> bool:
        return bool(present(root))

    def read(self, root: Path) -> ProjectInfo:
        return read_c_project(root, self.build_system)

    async def resolve_build_requirements(
        self, info: ProjectInfo, channels: Sequence[str], work_dir: Path, report: Report
    ) -> ProjectInfo:
        return info  # the build system's answers depend on no channel

    def recipe(self, info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
        return c_recipe(info, source_path, repository)

    def run_tests(
        self,
        artifact: Artifact,
        prefix: Path,
        tests: ExportedTests,
        junit_xml: Path,
        extra_args: Sequence[str],
    ) -> TestRun:
        return run_c_tests(artifact, prefix, tests, junit_xml, extra_args)

    def check_package(self, artifact: Artifact, info: ProjectInfo) -> Iterable[str]:
        return ()  # the linkage and consumer checks run in the clean test env (runner.py)


C = CLanguage()
