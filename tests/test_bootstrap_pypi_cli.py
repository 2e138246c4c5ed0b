"""``dsprod bootstrap --pypi``: one full PEP 508 requirement per value, commas included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod.bootstrap import pypi_requests
from dsprod.bootstrap.channel import MANIFEST_NAME
from dsprod.errors import InputError


@pytest.mark.parametrize(
    ("values", "requests"),
    [
        (["pytest-cov>=2.7.1,<3"], ["pytest-cov<3,>=2.7.1"]),
        (["attrs", "pluggy>=1"], ["attrs", "pluggy>=1"]),
        (["attrs,pluggy"], ["attrs", "pluggy"]),  # the older comma-separated list
        (["attrs, pluggy>=1,"], ["attrs", "pluggy>=1"]),
        (["numpy>=1.22,<3; python_version >= '3.9'"], ['numpy<3,>=1.22; python_version >= "3.9"']),
        (["requests[socks]>=2,!=2.30.0"], ["requests[socks]!=2.30.0,>=2"]),
    ],
)
def test_each_value_is_one_requirement(values: list[str], requests: list[str]) -> None:
    assert pypi_requests(values) == requests


@pytest.mark.parametrize("value", ["pytest-cov>=2.7.1,<<3", "attrs,pluggy>>1", "not a name"])
def test_a_value_that_is_no_requirement_is_an_input_error(value: str) -> None:
    with pytest.raises(InputError, match="not a valid requirement"):
        pypi_requests([value])


def _bootstrap_cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsprod", "bootstrap", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DSPROD_BOOTSTRAP_DIR": str(directory)},
    )


def test_bad_requirement_is_one_line_before_any_channel_work(tmp_path: Path) -> None:
    result = _bootstrap_cli(tmp_path, "--pypi", "pytest-cov>=2.7.1,<<3")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "bootstrap --pypi 'pytest-cov>=2.7.1,<<3': not a valid requirement" in result.stderr
    assert not (tmp_path / "channel").exists()


@pytest.mark.e2e
def test_requirements_with_commas_resolved_by_pip(bootstrap_channel: Path, tmp_path: Path) -> None:
    # A copy of the shared channel, so the shared one never gets the extra packages.
    shutil.copytree(bootstrap_channel, tmp_path / "channel", symlinks=True)
    result = _bootstrap_cli(
        tmp_path, "--pypi", "pytest-mock>=3.10,<4", "--pypi", "attrs,six", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["channel"] == str(tmp_path / "channel")
    manifest = json.loads((tmp_path / "channel" / MANIFEST_NAME).read_text())
    assert {"pytest-mock<4,>=3.10", "attrs", "six"} <= set(manifest["pypi_requests"])
    (mock,) = (tmp_path / "channel" / "noarch").glob("pytest-mock-*.conda")
    major = int(mock.name.removeprefix("pytest-mock-").split(".")[0])
    assert major == 3
    assert list((tmp_path / "channel" / "noarch").glob("six-*.conda"))
