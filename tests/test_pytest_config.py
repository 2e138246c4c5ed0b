"""The pytest configuration and tests folders of a project; the addopts a test env keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from dsprod.envtest.source import _on_the_way
from dsprod.errors import InputError
from dsprod.languages.python import pytest_counts
from dsprod.languages.python.layout import find_tests_dirs
from dsprod.languages.python.pytest_config import find_config
from dsprod.languages.python.pytest_plugins import (
    InstalledPlugins,
    installed_plugins,
    missing_required_plugins,
    unavailable_options,
)
from dsprod.languages.python.runner import plugin_overrides
from dsprod.recipe.extra import DsprodExtra

pytestmark = pytest.mark.selftest


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


# --------------------------------------------------------------------------- choosing the file


def test_pytest_ini_wins_over_pyproject_even_empty(tmp_path: Path) -> None:
    write(tmp_path, {"pytest.ini": "", "pyproject.toml": "[tool.pytest.ini_options]\nx = 1\n"})
    config = find_config(tmp_path)
    assert config is not None and config.path.name == "pytest.ini" and config.options == {}


def test_pyproject_without_pytest_table_yields_to_tox_ini(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'p'\n",
            "tox.ini": "[tox]\nenvlist = py3\n[pytest]\naddopts = -ra --cov=p\n",
            "setup.cfg": "[tool:pytest]\naddopts = -x\n",
        },
    )
    config = find_config(tmp_path)
    assert config is not None and config.path.name == "tox.ini"
    assert config.args("addopts") == ["-ra", "--cov=p"]


def test_setup_cfg_needs_its_tool_pytest_section(tmp_path: Path) -> None:
    write(tmp_path, {"tox.ini": "[tox]\n", "setup.cfg": "[tool:pytest]\ntestpaths =\n  a\n  b\n"})
    config = find_config(tmp_path)
    assert config is not None and config.path.name == "setup.cfg"
    assert config.args("testpaths") == ["a", "b"]


def test_unconfigured_pyproject_is_still_the_config_file(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'p'\n", "tox.ini": "[tox]\n"})
    config = find_config(tmp_path)
    assert config is not None and config.path.name == "pyproject.toml" and config.options == {}
    assert find_config(tmp_path / "nowhere") is None


def test_pytest_9_native_toml_table(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.pytest]\naddopts = ["-n", "2"]\ntestpaths = ["t"]\n'})
    config = find_config(tmp_path)
    assert config is not None and config.section == "[tool.pytest]"
    assert (config.args("addopts"), config.args("testpaths")) == (["-n", "2"], ["t"])


def test_a_wrong_type_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = 3\n"})
    config = find_config(tmp_path)
    assert config is not None
    with pytest.raises(InputError, match=r"pyproject.toml: \[tool.pytest.ini_options\] testpaths"):
        config.args("testpaths")


# --------------------------------------------------------------------------- testpaths


def test_every_testpaths_entry_outside_the_source(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                testpaths = ["src/", "tests/unit", "tests/i*"]
            """,
            "src/pkg/__init__.py": "",
            "tests/unit/test_a.py": "",
            "tests/integration/test_b.py": "",
        },
    )
    folders, notes = find_tests_dirs(root, ["pkg"], [root / "src" / "pkg"])
    assert folders == ("tests/unit", "tests/integration")
    assert len(notes) == 1 and "'src/' is the package's importable source: skipped" in notes[0]


def test_tests_inside_a_flat_package_are_skipped_and_the_fallback_runs(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\ntestpaths = pkg/tests gone\n",
            "pkg/tests/test_a.py": "",
            "test/test_b.py": "",
        },
    )
    folders, notes = find_tests_dirs(root, ["pkg"], [root / "pkg"])
    assert folders == ("test",)
    assert [note.split(": ")[1] for note in notes] == [
        "'pkg/tests' is the package's importable source",
        "'gone' does not exist",
        "no entry holds tests outside the source; running 'test/'",
    ]


def test_a_single_module_in_src_makes_src_the_source(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"tox.ini": "[pytest]\ntestpaths = src tests\n", "src/mod.py": "", "tests/t.py": ""},
    )
    assert find_tests_dirs(root, ["mod"], [])[0] == ("tests",)


def test_old_packages_record_one_tests_dir() -> None:
    old = DsprodExtra.from_about({"extra": {"dsprod": {"tests_dir": "sub/tests"}}})
    new = DsprodExtra.from_about({"extra": {"dsprod": {"tests_dirs": ["a", "b"]}}})
    assert (old.tests_dirs, old.project_dir, new.tests_dirs) == (("sub/tests",), None, ("a", "b"))


def test_conftest_folders_on_the_way_to_the_tests() -> None:
    on_the_way = _on_the_way(PurePosixPath("sub"), PurePosixPath("sub/tests/unit/fast"))
    assert on_the_way == [PurePosixPath("sub/tests/unit"), PurePosixPath("sub/tests")]
    assert _on_the_way(PurePosixPath("sub"), PurePosixPath("other/tests")) == []


# --------------------------------------------------------------------------- addopts


NOTHING = InstalledPlugins(frozenset({"pytest"}), frozenset(), frozenset({"pytest", "pytester"}))
BOTH = InstalledPlugins(
    frozenset({"pytest", "pytest-cov", "pytest-xdist"}),
    frozenset({"pytest_cov", "xdist.plugin"}),
    frozenset({"pytest", "pytest_cov", "xdist"}),
)


def test_options_of_missing_plugins_are_dropped_with_their_values() -> None:
    args = [
        "-ra", "--cov", "src/pkg", "--cov-report=term", "--cov", "--strict-markers",
        "-n", "2", "-nauto", "--dist=loadfile", "--numprocesses", "4",
        "-p", "xdist", "-pno:randomly", "-p", "pytester", "--timeout", "30", "--tb=short",
    ]  # fmt: skip
    kept, dropped = unavailable_options(args, NOTHING)
    assert kept == ["-ra", "--strict-markers", "-pno:randomly", "-p", "pytester", "--tb=short"]
    assert dropped == [
        "--cov src/pkg", "--cov-report=term", "--cov", "-n 2", "-nauto", "--dist=loadfile",
        "--numprocesses 4", "-p xdist", "--timeout 30",
    ]  # fmt: skip


def test_options_of_installed_plugins_stay() -> None:
    args = ["--cov=pkg", "-n", "2", "-p", "xdist.plugin", "-p", "pytest_cov"]
    assert unavailable_options(args, BOTH) == (args, [])


def test_a_plugin_module_in_the_rootdir_loads(tmp_path: Path) -> None:
    write(tmp_path, {"helpers/__init__.py": ""})
    assert unavailable_options(["-p", "helpers.fixtures"], NOTHING, [tmp_path])[1] == []


def test_required_plugins_the_env_lacks() -> None:
    required = ["pytest-cov>=4", "pytest>=7", "not a requirement!"]
    assert missing_required_plugins(required, NOTHING) == ["pytest-cov>=4"]


def test_overrides_name_the_file_and_each_option(tmp_path: Path) -> None:
    write(tmp_path, {"pytest.ini": "[pytest]\naddopts = -q --cov=src/p -n 2\n"})
    overrides, warnings = plugin_overrides(find_config(tmp_path), NOTHING, tmp_path)
    assert overrides == ["-o", "addopts=-q"]
    assert warnings == [
        f"pytest.ini [pytest] addopts: '{option}' dropped: its pytest plugin is not in the test env"
        for option in ("--cov=src/p", "-n 2")
    ]
    assert plugin_overrides(None, NOTHING, tmp_path) == ([], [])


def test_installed_plugins_read_from_site_packages(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    write(
        site,
        {
            "pytest_cov-6.0.0.dist-info/entry_points.txt": """
                [pytest11]
                pytest_cov = pytest_cov.plugin
            """,
            "pytest_cov/__init__.py": "",
            "_pytest/pytester.py": "",
            "pytest-9.0.0.dist-info/METADATA": "",
            "six.py": "",
        },
    )
    installed = installed_plugins(tmp_path)
    assert installed.distributions == {"pytest-cov", "pytest"}
    assert installed.plugin_names == {"pytest_cov"}
    assert {"pytest_cov", "pytester", "six"} <= installed.modules


# --------------------------------------------------------------------------- counting


def test_counting_plugin_counts_each_test_once(tmp_path: Path) -> None:
    """Runs the plugin in this interpreter's pytest, as the runner runs it in a test env's."""
    write(
        tmp_path,
        {
            "test_sample.py": """
                import unittest
                import pytest

                def test_sub(subtests):
                    for i in range(3):
                        with subtests.test(i=i):
                            assert i < 2

                class T(unittest.TestCase):
                    def test_many(self):
                        for i in range(4):
                            with self.subTest(i=i):
                                self.assertLess(i, 9)

                @pytest.fixture
                def broken():
                    raise RuntimeError

                def test_error(broken):
                    pass

                @pytest.mark.xfail
                def test_expected():
                    assert 0

                def test_plain():
                    pass
            """,
            "plugin/dsprod_pytest_counts.py": Path(pytest_counts.__file__).read_text(),
        },
    )
    counts = tmp_path / "counts.json"
    environment = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "plugin"),
        pytest_counts.COUNTS_VARIABLE: str(counts),
    }
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", pytest_counts.MODULE, "-p", "no:randomly",
         "-p", "no:cacheprovider", "-q", str(tmp_path / "test_sample.py")],
        cwd=tmp_path, env=environment, capture_output=True, check=False,
    )  # fmt: skip
    assert json.loads(counts.read_text()) == {"passed": 2, "skipped": 1, "failed": 1, "error": 1}
