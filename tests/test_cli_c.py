"""The CLI on C/C++ projects without building: ``dsprod recipe`` and ``--build-system``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.projects import dsprod, git, make_repo
from tests.test_cli_errors import assert_one_line_error, run_cli

pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="no cmake on PATH")


@pytest.fixture
def cmkx(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "cmkx", "cmake-cxx", tmp_path / "store")
    git(repo, "tag", "0.3.0")
    return repo


def test_recipe_of_a_cmake_project(cmkx: Path) -> None:
    code, result, stderr = dsprod(cmkx, "recipe", "--stdout")
    assert code == 0, stderr
    recipe = YAML(typ="safe").load(result["recipe"])
    assert recipe["context"]["version"] == '${{ dsprod_conda_version | default("0.3.0") }}'
    assert recipe["requirements"]["build"] == ["${{ compiler('cxx') }}", "cmake", "ninja"]
    assert recipe["extra"]["dsprod"]["test_options"] == ["-DCMKX_BUILD_TESTS=ON"]
    assert "CMKX_BUILD_TESTS=ON" in stderr  # the switched-on gate is said


def test_a_build_system_the_project_lacks_is_one_clear_error(cmkx: Path) -> None:
    result = run_cli(cmkx, "recipe", "--stdout", "--build-system", "meson")
    assert_one_line_error(result, 2, "--build-system meson", "no meson.build")
