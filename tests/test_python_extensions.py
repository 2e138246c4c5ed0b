"""Python projects with compiled extensions: compilers by language, python pin, build tools,
the import test, and the check that the package holds its compiled module."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.artifact import Artifact
from dsprod.errors import InputError
from dsprod.languages.python import read_python_project
from dsprod.languages.python.checks import extension_problems
from dsprod.languages.python.recipe import python_recipe
from tests.test_project_python import VERSION, make_project, read

pytestmark = pytest.mark.selftest

SKBUILD = """
    [build-system]
    requires = ["scikit-build-core>=0.10", "{library}"]
    build-backend = "scikit_build_core.build"
    [project]
    name = "native"
"""


@pytest.mark.parametrize(
    ("files", "compilers", "reason"),
    [
        pytest.param(
            {
                "setup.py": (
                    "from setuptools import Extension, setup\n"
                    "setup(ext_modules=[Extension('fast._core', sources=['src/fast/_core.c'])])\n"
                ),
            },
            ("c",),
            "c: setup.py Extension source src/fast/_core.c",
            id="setup.py-c",
        ),
        pytest.param(
            {
                "setup.py": (
                    "import setuptools\n"
                    "from pybind11.setup_helpers import Pybind11Extension\n"
                    "setuptools.setup(ext_modules=[Pybind11Extension('fast', ['a.cpp']),\n"
                    "    setuptools.Extension('fast._c', ['b.c'])])\n"
                ),
            },
            ("c", "cxx"),
            "cxx: setup.py Pybind11Extension (C++)",
            id="setup.py-pybind11-and-c",
        ),
        pytest.param(
            {
                "setup.py": (
                    "from setuptools import Extension, setup\n"
                    "setup(ext_modules=[Extension('f', ['f.c'], language='c++')])\n"
                ),
            },
            ("c", "cxx"),
            "cxx: setup.py Extension (C++)",
            id="setup.py-language-c++",
        ),
        pytest.param(
            {
                "pyproject.toml": """
                    [project]
                    name = "fast"
                    [[tool.setuptools.ext-modules]]
                    name = "fast._bits"
                    sources = ["fast/_bits.cc"]
                """,
            },
            ("cxx",),
            "cxx: pyproject.toml ext-modules fast._bits source fast/_bits.cc",
            id="ext-modules-cc",
        ),
        pytest.param(
            {
                "setup.py": (
                    "from Cython.Build import cythonize\nfrom setuptools import setup\n"
                    "setup(ext_modules=cythonize('src/fast/*.pyx'))\n"
                ),
                "src/fast/__init__.py": "",
                "src/fast/_a.pyx": "def f(): pass\n",
                "tests/helper.c": "int main(void) { return 0; }\n",
            },
            ("c",),
            "c: source file src/fast/_a.pyx Cython source _a.pyx",
            id="cythonize-glob-scans-sources-not-tests",
        ),
        pytest.param(
            {
                "setup.py": (
                    "from Cython.Build import cythonize\nfrom setuptools import setup\n"
                    "setup(ext_modules=cythonize('fast/*.pyx'))\n"
                ),
                "fast/__init__.py": "",
                "fast/_a.pyx": "# distutils: language = c++\nfrom libcpp.vector cimport vector\n",
            },
            ("cxx",),
            "(language = c++)",
            id="cython-marked-c++",
        ),
        pytest.param(
            {
                "pyproject.toml": SKBUILD.format(library="pybind11"),
                "CMakeLists.txt": (
                    "cmake_minimum_required(VERSION 3.15)\n"
                    "# project(old C)\n"
                    "project(${SKBUILD_PROJECT_NAME} VERSION 1.0\n"
                    '  DESCRIPTION "bindings to a C library" LANGUAGES CXX)\n'
                ),
                "src/x.c": "",
            },
            ("cxx",),
            "cxx: CMakeLists.txt project() enables CXX",
            id="cmake-languages-cxx",
        ),
        pytest.param(
            {
                "pyproject.toml": SKBUILD.format(library="nanobind"),
                "CMakeLists.txt": "project(native)\n",
            },
            ("c", "cxx"),
            "CMake enables C and C++",
            id="cmake-default-languages",
        ),
        pytest.param(
            {
                "pyproject.toml": """
                    [build-system]
                    requires = ["meson-python", "cython"]
                    build-backend = "mesonpy"
                    [project]
                    name = "native"
                """,
                "meson.build": (
                    "project('native', 'c', 'cython', version: run_command('v').stdout(),\n"
                    "  default_options: ['cpp_std=c++17'])\n"
                ),
            },
            ("c",),
            "c: meson.build project() enables c",
            id="meson-c-cython",
        ),
        pytest.param(
            {
                "pyproject.toml": """
                    [build-system]
                    requires = ["maturin>=1.0"]
                    build-backend = "maturin"
                    [project]
                    name = "native"
                """,
            },
            ("c", "rust"),
            "rust: maturin",
            id="maturin",
        ),
    ],
)
def test_compilers_follow_the_languages_compiled(
    tmp_path: Path, files: dict[str, str], compilers: tuple[str, ...], reason: str
) -> None:
    files.setdefault("pyproject.toml", '[project]\nname = "fast"\n')
    info = read(tmp_path, files)
    assert info.noarch is False
    assert info.compilers == compilers
    assert "in which language" not in "\n".join(info.warnings)
    assert any(reason in note for note in info.notes), info.notes


def test_nanobind_or_pybind11_means_cxx_whatever_the_files_say(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": SKBUILD.format(library="nanobind>=2"),
            "CMakeLists.txt": "project(native LANGUAGES C)\n",
        },
    )
    assert info.compilers == ("c", "cxx")
    assert any("nanobind among the build requirements" in note for note in info.notes)


def test_languages_nothing_tells_are_a_warned_guess(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "fast"\n',
            "setup.py": "from setuptools import setup\nsetup(ext_modules=make_extensions())\n",
        },
    )
    assert info.compilers == ("c", "cxx")
    assert "no build file or source says in which language" in "\n".join(info.warnings)


def test_bad_ext_modules_names_the_file_and_field(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "fast"\n[tool.setuptools]\next-modules = "x.c"\n'},
    )
    with pytest.raises(InputError, match=r"pyproject.toml: \[tool.setuptools\] ext-modules must"):
        read_python_project(tmp_path, VERSION)


def test_declared_extension_modules_join_the_import_test(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "fast"\n',
            "setup.py": (
                "from setuptools import Extension, setup\n"
                "setup(ext_modules=[Extension('fast._core', ['fast/_core.c']),\n"
                "                   Extension(name='_toplevel', sources=['t.c'])])\n"
            ),
            "fast/__init__.py": "",
        },
    )
    assert info.imports == ("fast", "fast._core", "_toplevel")
    assert python_recipe(info, ".", None).test_imports == info.imports


def test_python_is_pinned_to_the_build_minor_for_compiled_packages_only(tmp_path: Path) -> None:
    compiled = make_project(
        tmp_path / "compiled",
        {
            "pyproject.toml": '[project]\nname = "fast"\nrequires-python = ">=3.9"\n',
            "setup.py": "from setuptools import Extension, setup\n"
            "setup(ext_modules=[Extension('fast._c', ['fast/_c.c'])])\n",
        },
    )
    pure = make_project(
        tmp_path / "pure",
        {"pyproject.toml": '[project]\nname = "slow"\nrequires-python = ">=3.9"\n'},
    )
    info = read_python_project(compiled, VERSION, build_python="3.11.7")
    assert info.host_requirements[0] == info.run_requirements[0] == "python >=3.11,<3.12.0a0"
    # without the channels (before the build python is known) the project's own range
    assert read_python_project(compiled, VERSION).run_requirements[0] == "python >=3.9"
    pure_info = read_python_project(pure, VERSION, build_python="3.11.7")
    assert pure_info.run_requirements[0] == "python >=3.9"


@pytest.mark.parametrize(
    ("backend_requires", "backend", "tools"),
    [
        ('"scikit-build-core"', "scikit_build_core.build", ["cmake", "ninja"]),
        ('"meson-python"', "mesonpy", ["meson", "ninja"]),
        ('"setuptools"', "setuptools.build_meta", []),
    ],
)
def test_the_backend_s_commands_are_build_requirements(
    tmp_path: Path, backend_requires: str, backend: str, tools: list[str]
) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": f"""
                [build-system]
                requires = [{backend_requires}]
                build-backend = "{backend}"
                [project]
                name = "native"
            """,
            "native/__init__.py": "",
            "native/_x.c": "",
        },
    )
    recipe = python_recipe(info, ".", None)
    assert (recipe.noarch, recipe.compilers, list(recipe.build_requirements)) == (
        None,
        ("c",),
        tools,
    )


def package(paths: list[str]) -> Artifact:
    """A built package as verification sees it: its paths are what matters here."""
    return Artifact(
        path=Path("native-1.0-0.conda"),
        name="native",
        version="1.0",
        build="0",
        subdir="linux-64",
        sha256="0" * 64,
        index={},
        about={},
        paths=[{"_path": path} for path in paths],
    )


SITE = "lib/python3.11/site-packages"


@pytest.mark.parametrize(
    ("module", "refused"),
    [
        (f"{SITE}/native/_core.cpython-311-x86_64-linux-gnu.so", False),
        (f"{SITE}/native/_core.abi3.so", False),
        (f"{SITE}/native/_core.cpython-310-x86_64-linux-gnu.so", True),
        (f"{SITE}/native/_core.py", True),
    ],
)
def test_a_build_without_its_compiled_module_is_refused(
    tmp_path: Path, module: str, refused: bool
) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "native"\n',
            "setup.py": "from setuptools import Extension, setup\n"
            "setup(ext_modules=[Extension('native._core', ['native/_core.c'])])\n",
        },
    )
    artifact = package([f"{SITE}/native/__init__.py", module])
    problems = list(extension_problems(artifact, info))
    assert bool(problems) == refused
    if refused:
        assert "no extension module for python 3.11" in problems[0]
        assert "fell back to pure Python" in problems[0]


def test_noarch_packages_need_no_compiled_module(tmp_path: Path) -> None:
    info = read(tmp_path, {"pyproject.toml": '[project]\nname = "pure"\n'})
    assert list(extension_problems(package([f"{SITE}/pure/__init__.py"]), info)) == []
