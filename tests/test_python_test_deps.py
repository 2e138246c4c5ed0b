"""Test dependencies from every place Python projects keep them (``languages/python/test_deps``).

Each test writes one real-shaped project tree and reads it with the real
reader, so the order of sources, the dropping of developer tools and the
required/optional split are checked as a user meets them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.errors import InputError
from dsprod.languages.python.dev_tools import tool_category
from dsprod.languages.python.requirement_files import RequirementLines
from tests.test_project_python import read, warnings_text

pytestmark = pytest.mark.selftest


def test_dependency_groups_expand_include_group_and_split_dev(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "grouped"
                requires-python = ">=3.9"
                [project.optional-dependencies]
                yaml = ["pyyaml>=6"]

                [dependency-groups]
                mocking = ["pytest-mock>=3.10", "attrs"]
                test = [{include-group = "mocking"}, "pytest>=8", "grouped[yaml]"]
                lint = ["ruff", "flake8-bugbear"]
                dev = [{include-group = "test"}, "pytest-cov", "mypy", "types-PyYAML", "ipython"]
            """,
        },
    )
    assert info.test_requirements == ("pytest >=8", "pytest-mock >=3.10", "attrs", "pyyaml >=6")
    assert info.optional_test_requirements == ("ipython",)
    text = warnings_text(info)
    assert "coverage (pytest-cov); typing (mypy, types-pyyaml)" in text
    assert "ruff" not in text  # the lint group is not a test source at all
    assert "from pyproject.toml [dependency-groups] dev: ipython" in text


def test_dependency_group_cycle_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\[dependency-groups\] test: .*[Cc]yclic"):
        read(
            tmp_path,
            {
                "pyproject.toml": """
                    [project]
                    name = "cyclic"
                    [dependency-groups]
                    test = [{include-group = "dev"}]
                    dev = [{include-group = "test"}]
                """,
            },
        )


def test_tox_deps_with_requirement_files_references_and_factors(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "toxed"
                [project.optional-dependencies]
                test = ["iniconfig"]
            """,
            "tox.ini": """
                [tox]
                envlist = py38, py312

                [base]
                deps = attrs>=22

                [testenv]
                extras = test
                deps =
                    -r{toxinidir}/requirements/test.txt
                    -c constraints.txt
                    {[base]deps}
                    pytest-cov  # coverage in CI
                    py38: importlib-metadata
                    {env:EXTRA_DEP}
                commands = pytest {posargs}
            """,
            "requirements/test.txt": """
                # what the tests import
                -r common.txt
                --index-url https://pypi.example/simple
                pytest-mock>=3 \\
                    --hash=sha256:0123
                -e ..
            """,
            "requirements/common.txt": "pluggy>=1.0\n",
        },
    )
    assert info.test_requirements == (
        "pytest",
        "iniconfig",
        "pluggy >=1.0",
        "pytest-mock >=3",
        "attrs >=22",
    )
    assert info.optional_test_requirements == ("importlib-metadata",)
    text = warnings_text(info)
    assert "tox.ini [testenv] deps: constraints file constraints.txt ignored" in text
    assert "'{env:EXTRA_DEP}' uses a tox substitution" in text
    assert "coverage (pytest-cov)" in text
    assert "tox.ini [testenv] deps (factor-conditional): importlib-metadata" in text


def test_hatch_test_env_is_required_and_default_env_optional(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "hatched"
                [project.optional-dependencies]
                yaml = ["pyyaml"]

                [tool.hatch.envs.default]
                dependencies = ["coverage[toml]>=6.5", "pytest", "ipython"]
                [tool.hatch.envs.test]
                dependencies = ["pytest-mock", "hatched @ {root:uri}"]
                extra-dependencies = ["attrs"]
                features = ["yaml"]
                [tool.hatch.envs.lint]
                dependencies = ["ruff"]
            """,
        },
    )
    assert info.test_requirements == ("pytest", "pytest-mock", "attrs", "pyyaml")
    assert info.optional_test_requirements == ("ipython",)
    text = warnings_text(info)
    assert "'hatched @ {root:uri}' uses hatch context formatting; left out" in text
    assert "coverage (coverage)" in text


def test_hatch_toml_wins_over_pyproject_as_in_hatch(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "hatched"
                [tool.hatch.envs.test]
                dependencies = ["attrs"]
            """,
            "hatch.toml": """
                [envs.test]
                dependencies = ["pluggy>=1"]
            """,
        },
    )
    assert info.test_requirements == ("pytest", "pluggy >=1")


def test_pdm_dev_dependency_groups(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "pdmish"
                [tool.pdm.dev-dependencies]
                test = ["pytest-mock>=3", "-e file:///${PROJECT_ROOT}/plugins/extra"]
                lint = ["flake8>=7"]
                dev = ["attrs", "black"]
            """,
        },
    )
    assert info.test_requirements == ("pytest", "pytest-mock >=3")
    assert info.optional_test_requirements == ("attrs",)
    text = warnings_text(info)
    assert "local path 'file:///${PROJECT_ROOT}/plugins/extra' is not a conda package" in text
    assert "formatting (black)" in text and "flake8" not in text


def test_poetry_test_group_required_and_dev_optional(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.poetry]
                name = "poetic-tests"
                version = "0.1.0"
                [tool.poetry.dependencies]
                python = "^3.9"
                [tool.poetry.group.test.dependencies]
                pytest-mock = "^3.10"
                [tool.poetry.group.dev.dependencies]
                pre-commit = "^3"
                hypothesis = "^6"
                [tool.poetry.dev-dependencies]
                pytest-mock = "<3"
                attrs = "*"
            """,
        },
    )
    assert info.test_requirements == ("pytest", "pytest-mock >=3.10,<4")
    assert info.optional_test_requirements == ("hypothesis >=6,<7", "attrs")
    text = warnings_text(info)
    assert "task running (pre-commit)" in text
    assert "not <3" not in text  # a dev pin never competes with the test group's


def test_requirement_files_and_setup_cfg_tests_require(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "setup.cfg": """
                [metadata]
                name = cfgish
                [options]
                tests_require =
                    attrs>=21
            """,
            "test-requirements.txt": "pytest-mock>=3.6\nattrs>=23\n",
            "requirements/test.in": "pluggy\n",
            "requirements/test.txt": "# by pip-compile\npluggy==1.5.0\ncolorama==0.4.6\n",
            "requirements-dev.txt": "-r test-requirements.txt\npytest-mock<3\nipdb\nhypothesis\n",
        },
    )
    assert info.test_requirements == ("pytest", "attrs >=21", "pluggy", "pytest-mock >=3.6")
    assert info.optional_test_requirements == ("hypothesis",)
    text = warnings_text(info)
    assert (
        "test dependency attrs: kept >=21 from setup.cfg [options] tests_require,"
        " not >=23 from test-requirements.txt"
    ) in text
    assert "debugging (ipdb)" in text
    assert "requirements/test.txt: read test.in beside it instead" in text
    assert "colorama" not in info.test_requirements


def test_unpinned_test_group_takes_the_pin_of_a_later_required_source(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": """
                [project]
                name = "pins"
                [dependency-groups]
                test = ["pytest-mock"]
            """,
            "tox.ini": "[testenv]\ndeps = pytest-mock>=3.12\n",
            "requirements-dev.txt": "pytest-mock<3\n",
        },
    )
    assert info.test_requirements == ("pytest", "pytest-mock >=3.12")
    assert info.optional_test_requirements == ()


def test_no_test_sources_means_pytest_alone_and_no_warning(tmp_path: Path) -> None:
    info = read(tmp_path, {"pyproject.toml": '[project]\nname = "bare"\nlicense = "MIT"\n'})
    assert info.test_requirements == ("pytest",)
    assert info.optional_test_requirements == ()
    assert info.warnings == ()


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("pytest-cov", "coverage"),
        ("Coverage", "coverage"),
        ("flake8-docstrings", "linting"),
        ("pylint", "linting"),
        ("types-requests", "typing"),
        ("pandas-stubs", "typing"),
        ("mypy", "typing"),
        ("Black", "formatting"),
        ("isort", "formatting"),
        ("sphinx-rtd-theme", "docs"),
        ("sphinxcontrib-napoleon", "docs"),
        ("pre_commit", "task running"),
        ("tox", "task running"),
        ("nox", "task running"),
        ("pytest", None),
        ("pytest-mock", None),
        ("pytest-xdist", None),
        ("hypothesis", None),
        ("mypy-extensions", None),
        ("typing-extensions", None),
        ("coverage-toolkit-for-tests", None),
    ],
)
def test_developer_tools_by_category(name: str, category: str | None) -> None:
    assert tool_category(name) == category


def test_requirements_file_lines(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "-r b.txt\n"
        "--requirement=missing.txt\n"
        "numpy>=1.22 ; python_version >= '3.9' \\\n"
        "    --hash=sha256:abc\n"
        "git+https://example.org/x.git#egg=x\n"
        "-e .[fast]\n"
        "./vendor/thing\n"
        "requests @ https://example.org/requests.whl\n"
        "--pre\n"
    )
    (tmp_path / "b.txt").write_text("-r a.txt\nattrs  # comment\n")
    warnings: list[str] = []
    reader = RequirementLines(tmp_path, "myproj", warnings)
    found = reader.read_file(tmp_path / "a.txt")
    assert [(d.name, d.version, d.extras) for d in found] == [
        ("attrs", "", ()),
        ("numpy", ">=1.22", ()),
        ("myproj", "", ("fast",)),
        ("requests", "", ()),
    ]
    assert found[1].marker is not None
    assert found[3].url == "https://example.org/requests.whl"
    text = "\n".join(warnings)
    assert "missing.txt: requirements file not found; left out" in text
    assert "a.txt:5: 'git+https://example.org/x.git#egg=x' is not a PEP 508 requirement" in text
    assert "a.txt:7: local path './vendor/thing' is not a conda package" in text
