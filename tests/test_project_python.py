"""Reading real-looking pyproject.toml / setup.cfg files into a ProjectInfo."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from dsprod.errors import InputError
from dsprod.languages.python import read_python_project
from dsprod.vcs.scm import VersionInfo

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

VERSION = VersionInfo(
    pep440="1.4.0",
    native="1.4.0",
    conda="1.4.0",
    build_string="g1a2b3c4_0",
    commit="1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    distance=0,
    dirty=False,
    is_final=True,
    tag="v1.4.0",
)


def make_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path -> text, dedented) under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def read(root: Path, files: dict[str, str]):
    return read_python_project(make_project(root, files), VERSION)


def warnings_text(info) -> str:
    return "\n".join(info.warnings)


# --------------------------------------------------------------------------- backends


def test_setuptools_src_layout_with_scm(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=64", "setuptools-scm[toml]>=8"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "Acme_Widgets"
                description = "Widgets for everyone"
                requires-python = ">=3.9"
                dynamic = ["version"]
                license = "MIT"
                dependencies = ["numpy>=1.22,<3", "torch>=2.1", "typing_extensions"]

                [project.optional-dependencies]
                test = ["pytest>=7", "pytest-cov"]
                plot = ["matplotlib"]

                [project.scripts]
                widgets = "acme_widgets.cli:main"

                [project.urls]
                homepage = "https://acme.example"
                "Source Code" = "https://github.com/acme/widgets"
                Documentation = "https://acme.example/docs"
            """,
            "src/acme_widgets/__init__.py": "",
            "src/acme_widgets/cli.py": "def main(): pass\n",
            "tests/test_x.py": "",
            "LICENSE": "MIT",
        },
    )
    assert info.name == "Acme_Widgets"
    assert info.conda_name == "acme-widgets"
    assert info.language == "python"
    assert info.version is VERSION
    assert info.build_backend == "setuptools.build_meta"
    assert info.host_requirements == (
        "python >=3.9",
        "pip",
        "setuptools >=64",
        "setuptools-scm >=8",
    )
    assert info.run_requirements == (
        "python >=3.9",
        "numpy >=1.22,<3",
        "pytorch >=2.1",
        "typing_extensions",
    )
    assert info.test_requirements == ("pytest >=7",)
    assert "developer tools the tests do not need: coverage (pytest-cov)" in warnings_text(info)
    assert info.run_requirements[0] == "python >=3.9"
    assert info.entry_points == ("widgets = acme_widgets.cli:main",)
    assert info.imports == ("acme_widgets",)
    assert info.noarch is True
    assert info.license == "MIT"
    assert info.license_files == ("LICENSE",)
    assert info.summary == "Widgets for everyone"
    assert info.homepage == "https://acme.example"
    assert info.repository == "https://github.com/acme/widgets"
    assert info.documentation == "https://acme.example/docs"
    assert info.tests_dirs == ("tests",)
    assert "setuptools-scm >=8: dropped extras [toml]" in warnings_text(info)


def test_hatchling_with_hatch_vcs_and_declared_wheel_packages(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling", "hatch-vcs"]
                build-backend = "hatchling.build"

                [project]
                name = "skyline"
                dynamic = ["version"]
                requires-python = "~=3.10"
                dependencies = ["requests >= 2.28"]

                [tool.hatch.version]
                source = "vcs"

                [tool.hatch.build.targets.wheel]
                packages = ["lib/skyline_core"]
            """,
            "lib/skyline_core/__init__.py": "",
        },
    )
    assert info.host_requirements == ("python >=3.10,<4", "pip", "hatchling", "hatch-vcs")
    assert info.run_requirements[0] == "python >=3.10,<4"
    assert info.run_requirements == ("python >=3.10,<4", "requests >=2.28")
    assert info.imports == ("skyline_core",)
    assert info.test_requirements == ("pytest",)
    assert info.license == "LicenseRef-dsprod-unknown" and info.license_files == ()
    assert "licence unknown (no SPDX license field or licence classifier, and no licence file)" in (
        warnings_text(info)
    )


def test_flit_module_name_and_classifier_license(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["flit_core >=3.2,<4"]
                build-backend = "flit_core.buildapi"

                [project]
                name = "tiny-thing"
                version = "1.4.0"
                description = "A tiny thing"
                classifiers = [
                    "Programming Language :: Python :: 3",
                    "License :: OSI Approved :: BSD License",
                    "License :: OSI Approved :: Apache Software License",
                ]

                [tool.flit.module]
                name = "tinything"
            """,
            "tinything.py": "",
            "COPYING.txt": "",
        },
    )
    assert info.host_requirements == ("python", "pip", "flit-core >=3.2,<4")
    assert info.imports == ("tinything",)
    assert info.license == "Apache-2.0"
    assert (
        "'License :: OSI Approved :: BSD License' names a family of licences and the licence"
        " files' text names none of them; left out"
    ) in warnings_text(info)
    assert info.license_files == ("COPYING.txt",)
    assert "static version" not in warnings_text(info)  # 1.4.0 is the version dsprod builds


def test_pdm_backend_flat_layout_and_static_version_warning(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["pdm-backend"]
                build-backend = "pdm.backend"

                [project]
                name = "pdm_demo"
                version = "0.9"
                license = {text = "apache-2.0"}
                dependencies = ["msgpack"]

                [project.optional-dependencies]
                testing = ["hypothesis"]
            """,
            "pdm_demo/__init__.py": "",
            "tests/__init__.py": "",
            "docs/conf.py": "",
            "noxfile.py": "",
        },
    )
    assert info.host_requirements == ("python", "pip", "pdm-backend")
    assert info.run_requirements == ("python", "msgpack-python")
    assert info.test_requirements == ("pytest", "hypothesis")
    assert info.imports == ("pdm_demo",)
    assert info.license == "Apache-2.0"
    assert "declares the static version 0.9" in warnings_text(info)


def test_poetry_tables_and_constraints(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.poetry]
                name = "poetic"
                version = "0.0.0"
                description = "Rhymes"
                license = "GPL-3.0-or-later"
                homepage = "https://poetic.example"
                repository = "https://github.com/poetic/poetic"
                packages = [{ include = "poetic", from = "src" }]

                [tool.poetry.dependencies]
                python = "^3.9"
                click = "^8.1.3"
                zeta = "^0.2.3"
                attrs = "~22.1"
                tomli = { version = ">=1.1", python = "<3.11" }
                colorama = { version = "*", markers = "sys_platform == 'win32'" }
                rich = "13.*"
                pyyaml = "6.0.1"
                alt = ">=1.0,<2.0 || >=3.0"
                pandas = { version = "^2", optional = true }

                [tool.poetry.extras]
                frames = ["pandas"]

                [tool.poetry.group.test.dependencies]
                pytest = "^8"

                [tool.poetry.dev-dependencies]
                black = "*"

                [tool.poetry.scripts]
                poetic = "poetic.cli:run"

                [build-system]
                requires = ["poetry-core>=1.0.0"]
                build-backend = "poetry.core.masonry.api"
            """,
            "src/poetic/__init__.py": "",
        },
    )
    assert info.name == "poetic"
    assert info.run_requirements[0] == "python >=3.9,<4"
    assert info.host_requirements == ("python >=3.9,<4", "pip", "poetry-core >=1.0.0")
    assert info.run_requirements == (
        "python >=3.9,<4",
        "click >=8.1.3,<9",
        "zeta >=0.2.3,<0.3",
        "attrs >=22.1,<22.2",
        "tomli >=1.1",
        "rich ==13.*",
        "pyyaml ==6.0.1",
        "alt >=1.0,<2.0|>=3.0",
    )
    text = warnings_text(info)
    assert "kept tomli >=1.1 although its marker" in text
    assert "dropped colorama: marker" in text and "never applies on linux" in text
    assert info.test_requirements == ("pytest >=8,<9",)
    assert "formatting (black)" in text
    assert info.entry_points == ("poetic = poetic.cli:run",)
    assert info.imports == ("poetic",)
    assert info.license == "GPL-3.0-or-later"
    assert info.homepage == "https://poetic.example"
    assert info.repository == "https://github.com/poetic/poetic"
    assert "static version 0.0.0" in text


def test_no_build_system_means_setuptools_legacy(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "plain"\n', "plain.py": ""},
    )
    assert info.build_backend == "setuptools.build_meta:__legacy__"
    assert info.host_requirements == ("python", "pip", "setuptools")
    assert info.imports == ("plain",)


# --------------------------------------------------------------------------- setup.cfg


def test_setup_cfg_project(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools", "wheel"]
                build-backend = "setuptools.build_meta"
            """,
            "setup.cfg": """
                [metadata]
                name = old.school
                description = Classic packaging
                license = BSD-3-Clause
                license_files = LICENSE.rst
                url = https://old.example
                project_urls =
                    Source = https://git.example/old
                    Docs = https://old.example/docs

                [options]
                package_dir =
                    =src
                packages = find:
                python_requires = >=3.8
                install_requires =
                    requests>=2
                    importlib-metadata; python_version < "3.10"
                    pywin32; sys_platform == "win32"

                [options.packages.find]
                where = src

                [options.entry_points]
                console_scripts =
                    old-school = old_school.main:cli

                [options.extras_require]
                test =
                    pytest>=6
                    tables
            """,
            "src/old_school/__init__.py": "",
            "LICENSE.rst": "",
        },
    )
    assert info.name == "old.school"
    assert info.conda_name == "old-school"
    assert info.summary == "Classic packaging"
    assert info.license == "BSD-3-Clause"
    assert info.license_files == ("LICENSE.rst",)
    assert info.homepage == "https://old.example"
    assert info.repository == "https://git.example/old"
    assert info.documentation == "https://old.example/docs"
    assert info.host_requirements == ("python >=3.8", "pip", "setuptools", "wheel")
    assert info.run_requirements == ("python >=3.8", "requests >=2", "importlib-metadata")
    assert info.test_requirements == ("pytest >=6", "pytables")
    assert info.entry_points == ("old-school = old_school.main:cli",)
    assert info.imports == ("old_school",)
    text = warnings_text(info)
    assert "kept importlib-metadata although" in text
    assert "dropped pywin32" in text


def test_setup_cfg_alone_with_non_spdx_license(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "setup.cfg": """
                [metadata]
                name = legacy
                license = BSD
                classifiers =
                    License :: OSI Approved :: MIT License
            """,
            "legacy/__init__.py": "",
        },
    )
    assert info.build_backend == "setuptools.build_meta:__legacy__"
    assert info.license == "MIT"
    assert "license 'BSD' is neither an SPDX expression nor a licence text" in warnings_text(info)


# --------------------------------------------------------------------------- markers


@pytest.mark.parametrize(
    ("requirement", "kept", "warning"),
    [
        ('tomli; python_version < "3.11"', "tomli", "applies to only some of python 3.9 .. 3.14"),
        ('exceptiongroup; python_version < "3.9"', None, "never applies on linux"),
        ('uvloop; sys_platform != "win32"', "uvloop", None),
        ('pywin32; platform_system == "Windows"', None, "never applies on linux"),
        ('dataclasses; python_version < "3.7"', None, "never applies"),
        ('optional-thing; extra == "fast"', None, "belongs to an extra"),
        ("numpy[extra1]>=1.0", "numpy >=1.0", "dropped extras [extra1]"),
        ("Pillow===9.0", "pillow ==9.0", None),
        ("pip-req @ https://example.org/pip_req-1.0-py3-none-any.whl", "pip-req", "by name"),
    ],
)
def test_markers_and_lossy_mappings(
    tmp_path: Path, requirement: str, kept: str | None, warning: str | None
) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": f"""
                [project]
                name = "marked"
                license = "MIT"
                requires-python = ">=3.9"
                dependencies = [{requirement!r}]
            """,
        },
    )
    assert info.run_requirements == ("python >=3.9", *([kept] if kept else []))
    if warning is None:
        assert info.warnings == ()
    else:
        assert warning in warnings_text(info)


def test_test_extra_referencing_own_extras(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "self-ref"
                [project.optional-dependencies]
                fast = ["orjson"]
                tests = ["self_ref[fast]", "pytest-xdist"]
            """,
        },
    )
    assert info.test_requirements == ("pytest", "orjson", "pytest-xdist")


# --------------------------------------------------------------------------- layout, noarch


def test_compiled_extension_in_setup_py_is_not_noarch(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "fastmath"\n',
            "setup.py": (
                "from setuptools import Extension, setup\n"
                "setup(ext_modules=[Extension('fastmath._core', ['src/fastmath/_core.c'])])\n"
            ),
            "src/fastmath/__init__.py": "",
        },
    )
    assert info.noarch is False
    assert info.compilers == ("c",)  # the one source is C


def test_c_source_inside_package_is_not_noarch(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "cy"\n',
            "cy/__init__.py": "",
            "cy/_speed.pyx": "",
        },
    )
    assert info.noarch is False


def test_compiled_backend_is_not_noarch(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["scikit-build-core>=0.9", "pybind11"]
                build-backend = "scikit_build_core.build"
                [project]
                name = "native"
            """,
        },
    )
    assert info.noarch is False
    assert info.host_requirements == ("python", "pip", "scikit-build-core >=0.9", "pybind11")
    assert info.imports == ("native",)  # nothing found: the normalised name


def test_setuptools_declared_packages_and_several_top_levels(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "multi"
                [tool.setuptools]
                package-dir = {"" = "lib"}
                packages = ["helpers", "multi", "multi.sub"]
            """,
            "lib/multi/__init__.py": "",
            "lib/multi/sub/__init__.py": "",
            "lib/helpers/__init__.py": "",
        },
    )
    assert info.imports == ("multi", "helpers")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pyproject.toml": "[project\nname = 'x'\n"}, "pyproject.toml: invalid TOML: .*line 1"),
        ({"pyproject.toml": "[project]\nversion = '1'\n"}, r"pyproject.toml: \[project\] name"),
        ({"pyproject.toml": "[build-system]\n"}, r"pyproject.toml: \[project\] name"),
        (
            {"pyproject.toml": "[project]\nname = 'x'\ndependencies = 'numpy'\n"},
            r"pyproject.toml: \[project\] dependencies must be a list of strings",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\ndependencies = [1]\n"},
            r"\[project\] dependencies must be a list of strings",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['numpy >>> 1']\n"},
            r"pyproject.toml: \[project\] dependencies: invalid requirement 'numpy >>> 1'",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\nrequires-python = 'three'\n"},
            r"\[project\] requires-python: invalid version specifier",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\nrequires-python = '<3'\n"},
            r"\[project\] requires-python: '<3' allows none of python",
        ),
        (
            {"pyproject.toml": "[project]\nname = 42\n"},
            r"pyproject.toml: \[project\] name must be a string",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\nscripts = ['a']\n"},
            r"pyproject.toml: \[project\] scripts must be a table",
        ),
        (
            {"pyproject.toml": "[tool.poetry]\nname = 'p'\n[tool.poetry.dependencies]\nx = '^a.b'"},
            r"pyproject.toml: \[tool.poetry.dependencies\] x: invalid version 'a.b'",
        ),
        ({"setup.cfg": "[metadata]\ndescription = no name\n"}, r"setup.cfg: \[metadata\] name"),
        (
            {"setup.cfg": "[metadata\nname = x\n"},
            r"setup.cfg: invalid setup.cfg \(line 1\): File contains no section",
        ),
        (
            {"setup.cfg": "[metadata]\nname = x\n[options]\ninstall_requires =\n  a b c\n"},
            r"setup.cfg: \[options\] install_requires: invalid requirement 'a b c'",
        ),
    ],
)
def test_bad_input_names_file_and_field(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read(tmp_path, files)
    assert "\n" not in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_no_metadata_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no pyproject.toml or setup.cfg in"):
        read_python_project(tmp_path, VERSION)


# --------------------------------------------------------------------------- more forms


@pytest.mark.parametrize(
    ("license_lines", "files", "spdx", "license_files"),
    [
        ('license = "mit OR apache-2.0"', ["LICENSE-MIT", "LICENSE-APACHE"], "MIT OR Apache-2.0",
         ("LICENSE-APACHE", "LICENSE-MIT")),
        ('license = {file = "docs/LICENSE.txt"}', ["docs/LICENSE.txt", "LICENSE"],
         "LicenseRef-dsprod-unknown",
         ("docs/LICENSE.txt",)),
        ('license = "BSD-3-Clause"\nlicense-files = ["LICEN[CS]E*", "AUTHORS.md"]',
         ["LICENCE", "AUTHORS.md", "COPYING"], "BSD-3-Clause", ("LICENCE", "AUTHORS.md")),
    ],
)  # fmt: skip
def test_license_forms(
    tmp_path: Path,
    license_lines: str,
    files: list[str],
    spdx: str | None,
    license_files: tuple[str, ...],
) -> None:
    pyproject = f'[project]\nname = "lic"\n{license_lines}\n'
    info = read(tmp_path, {"pyproject.toml": pyproject, **dict.fromkeys(files, "text")})
    assert info.license == spdx
    assert info.license_files == license_files


def test_compatible_release_kept_for_dependencies_and_expanded_for_python(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "compat"
                requires-python = "~=3.10.2"
                dependencies = ["attrs~=23.1", "urllib3!=2.0.*,>=1.26"]
            """,
        },
    )
    assert info.run_requirements[0] == "python >=3.10.2,<3.11"
    assert info.run_requirements == (
        "python >=3.10.2,<3.11",
        "attrs ~=23.1",
        "urllib3 >=1.26,!=2.0.*",
    )


def test_dynamic_dependencies_are_reported(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "dyn"\ndynamic = ["version", "dependencies"]\n'},
    )
    assert info.run_requirements == ("python",)
    assert "dependencies are dynamic" in warnings_text(info)


def test_tests_dir_relative_to_git_root(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    info = read(
        tmp_path / "packages" / "sub",
        {
            "pyproject.toml": """
                [project]
                name = "sub"
                [tool.pytest.ini_options]
                testpaths = ["checks"]
            """,
            "checks/test_sub.py": "",
        },
    )
    assert info.tests_dirs == ("packages/sub/checks",)


def test_inactive_setuptools_scm_is_reported(tmp_path: Path) -> None:
    pyproject = """
        [build-system]
        requires = ["setuptools>=64", "setuptools-scm>=8"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "forgot-scm"
        license = "MIT"
        dynamic = ["version"]
    """
    info = read(tmp_path, {"pyproject.toml": pyproject})
    assert "stays inactive without a [tool.setuptools_scm] table" in warnings_text(info)
    fixed = read(tmp_path, {"pyproject.toml": pyproject + "[tool.setuptools_scm]\n"})
    assert fixed.warnings == ()
