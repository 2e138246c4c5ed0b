"""Clean test environments solved and installed by py-rattler from the real bootstrap channel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dsprod.envtest.env import create_env
from dsprod.errors import EnvironmentFailed, InputError


def make(
    prefix: Path, channel: Path, specs: list[str], messages: list[str] | None = None
) -> list[str]:
    report = messages.append if messages is not None else (lambda _line: None)
    return asyncio.run(create_env(prefix, [channel.as_uri()], specs, report))


def test_a_solvable_spec_is_installed_into_a_fresh_prefix(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    prefix = tmp_path / "env"
    messages: list[str] = []
    installed = make(prefix, bootstrap_channel, ["iniconfig >=2"], messages)
    assert installed == sorted(installed)
    by_name = {line.split()[0]: line.split() for line in installed}
    assert set(by_name) == {"iniconfig", "python"}  # the package and its one dependency
    assert all(len(fields) == 3 for fields in by_name.values())  # name version build
    name, version, _build = by_name["iniconfig"]
    assert (prefix / "conda-meta").is_dir()
    assert list(prefix.glob(f"conda-meta/{name}-{version}-*.json"))
    assert list(prefix.glob("lib/python3*/site-packages/iniconfig/__init__.py"))
    assert any("solving" in m for m in messages) and any("installing" in m for m in messages)


def test_an_unsolvable_spec_is_an_environment_failure_with_the_solvers_explanation(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    prefix = tmp_path / "env"
    with pytest.raises(EnvironmentFailed) as raised:
        make(prefix, bootstrap_channel, ["pytest", "pluggy >=999"])
    assert raised.value.exit_code == 6
    message = str(raised.value)
    assert message.startswith("cannot make a clean env for pytest, pluggy >=999:")
    assert "No candidates were found for pluggy >=999" in message  # the solver's words
    assert "\n" not in message  # one line
    assert not prefix.exists()  # nothing was installed


@pytest.mark.parametrize("spec", ["pip >>=1", "==1.0", "pip[version=]", "hello@world"])
def test_an_invalid_spec_is_an_input_error(
    tmp_path: Path, bootstrap_channel: Path, spec: str
) -> None:
    with pytest.raises(InputError, match="invalid requirement") as raised:
        make(tmp_path / "env", bootstrap_channel, ["python", spec])
    assert raised.value.exit_code == 2
    assert not (tmp_path / "env").exists()


def test_a_prefix_that_is_not_empty_is_refused(tmp_path: Path, bootstrap_channel: Path) -> None:
    prefix = tmp_path / "env"
    prefix.mkdir()
    (prefix / "left-over.txt").write_text("from an earlier run\n")
    with pytest.raises(InputError, match="not empty; a clean env needs a fresh folder"):
        make(prefix, bootstrap_channel, ["iniconfig"])
    assert [p.name for p in prefix.iterdir()] == ["left-over.txt"]


def test_an_empty_prefix_folder_is_fresh_enough(tmp_path: Path, bootstrap_channel: Path) -> None:
    prefix = tmp_path / "env"
    prefix.mkdir()
    assert [line.split()[0] for line in make(prefix, bootstrap_channel, ["python"])] == ["python"]
