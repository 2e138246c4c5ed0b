"""Which top-level packages a wheel installs (the import tests), for layouts that leave some out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_project_python import read

pytestmark = pytest.mark.selftest

SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
FLIT = '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n'


def test_poetry_sdist_only_include_is_not_installed(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.poetry]
                name = "poet"
                version = "1.0"
                description = ""
                authors = []
                packages = [
                    {include = "poet", from = "src"},
                    {include = "tests", format = "sdist"},
                    {include = "extras", format = ["sdist", "wheel"]},
                    {include = "legacy"},
                ]
                exclude = ["legacy"]
            """,
            "src/poet/__init__.py": "",
            "tests/__init__.py": "",
            "extras/__init__.py": "",
            "legacy/__init__.py": "",
        },
    )
    assert info.imports == ("poet", "extras")


def test_setuptools_find_exclude_and_include(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": SETUPTOOLS
        + '[project]\nname = "kit"\n[tool.setuptools.packages.find]\nexclude = ["devtools*"]\n',
        "kit/__init__.py": "",
        "devtools/__init__.py": "",
    }
    assert read(tmp_path / "a", files).imports == ("kit",)
    cfg = {
        "setup.cfg": """
            [metadata]
            name = kit
            [options]
            packages = find:
            package_dir =
                =lib
            [options.packages.find]
            where = lib
            include = kit*
        """,
        "lib/kit/__init__.py": "",
        "lib/kitchen/__init__.py": "",
        "lib/other/__init__.py": "",
    }
    assert read(tmp_path / "b", cfg).imports == ("kit", "kitchen")


def test_hatch_only_include_with_sources(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"
                [project]
                name = "hatched"
                [tool.hatch.build.targets.wheel]
                only-include = ["lib/hatched", "lib/helper.py"]
                sources = ["lib"]
                [tool.hatch.build.targets.sdist]
                only-include = ["lib", "tests"]
            """,
            "lib/hatched/__init__.py": "",
            "lib/helper.py": "",
            "tests/__init__.py": "",
        },
    )
    assert info.imports == ("hatched", "helper")


def test_hatch_sources_table_renames(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "renamed"
                [tool.hatch.build]
                only-include = ["code"]
                sources = {"code" = "renamed"}
            """,
            "code/__init__.py": "",
        },
    )
    assert info.imports == ("renamed",)


@pytest.mark.parametrize("where", ["src/flit_mod/__init__.py", "flit_mod.py", "src/flit_mod.py"])
def test_flit_module_is_the_project_name(tmp_path: Path, where: str) -> None:
    files = {
        "pyproject.toml": FLIT + '[project]\nname = "flit-mod"\n',
        where: "",
        "helpers/__init__.py": "",
    }
    assert read(tmp_path, files).imports == ("flit_mod",)


def test_flit_module_table_names_it(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": FLIT + '[project]\nname = "flit-x"\n[tool.flit.module]\nname = "fx"\n',
        "src/fx/__init__.py": "",
    }
    info = read(tmp_path, files)
    assert info.imports == ("fx",)
