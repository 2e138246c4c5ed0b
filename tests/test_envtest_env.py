"""Clean test environments solved and installed by py-rattler from the real bootstrap channel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rattler import Version

from dsprod.envtest.env import create_env, optional_that_fit
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


def channel_versions(channel: Path, name: str) -> list[str]:
    """The versions of ``name`` in the channel's repodata, newest first (what users read)."""
    found = set()
    for repodata in channel.glob("*/repodata.json"):
        document = json.loads(repodata.read_text())
        for section in ("packages", "packages.conda"):
            found |= {
                record["version"]
                for record in document.get(section, {}).values()
                if record["name"] == name
            }
    return [str(v) for v in sorted((Version(v) for v in found), reverse=True)]


def test_a_pin_no_record_matches_is_named_with_what_the_channels_have(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    prefix = tmp_path / "env"
    with pytest.raises(EnvironmentFailed) as raised:
        make(prefix, bootstrap_channel, ["pytest", "pluggy >=999"])
    assert raised.value.exit_code == 6
    versions = ", ".join(channel_versions(bootstrap_channel, "pluggy")[:3])
    assert str(raised.value) == (
        f"test requirement 'pluggy >=999' cannot be satisfied: the channels have pluggy {versions}"
    )
    assert not prefix.exists()  # nothing was installed


def test_a_package_no_channel_has_is_named(tmp_path: Path, bootstrap_channel: Path) -> None:
    with pytest.raises(EnvironmentFailed) as raised:
        make(tmp_path / "env", bootstrap_channel, ["pytest", "pytest-nonexistent-plugin"])
    assert str(raised.value) == (
        "test requirement 'pytest-nonexistent-plugin' cannot be satisfied:"
        " the channels have no package named pytest-nonexistent-plugin"
    )


def test_an_unsolvable_set_of_available_pins_keeps_the_solvers_explanation(
    tmp_path: Path, bootstrap_channel: Path
) -> None:
    # Every channel requirement is there; the host's glibc (a virtual package) is too old.
    with pytest.raises(EnvironmentFailed) as raised:
        make(tmp_path / "env", bootstrap_channel, ["pytest", "__glibc >=999"])
    message = str(raised.value)
    assert message.startswith("cannot make a clean env for pytest, __glibc >=999:")
    assert "__glibc" in message.split(":", 1)[1]  # the solver's words follow
    assert "\n" not in message  # one line


def test_optional_requirements_the_channels_lack_are_left_out_by_name(
    bootstrap_channel: Path,
) -> None:
    kept, left_out = asyncio.run(
        optional_that_fit(
            [bootstrap_channel.as_uri()],
            ["pytest"],
            ["iniconfig", "pytest-nonexistent-plugin", "pluggy >=999"],
        )
    )
    assert kept == ["iniconfig"]
    newest_pluggy = channel_versions(bootstrap_channel, "pluggy")[0]
    assert [str(item) for item in left_out] == [
        "pytest-nonexistent-plugin (the channels have no package named pytest-nonexistent-plugin)",
        f"pluggy >=999 (the channels have pluggy {newest_pluggy})",
    ]


def test_an_optional_requirement_that_cannot_be_installed_with_the_rest_is_left_out(
    bootstrap_channel: Path,
) -> None:
    kept, left_out = asyncio.run(
        optional_that_fit([bootstrap_channel.as_uri()], ["pytest"], ["__glibc >=999", "iniconfig"])
    )
    assert kept == ["iniconfig"]
    assert [str(item) for item in left_out] == [
        "__glibc >=999 (cannot be installed with the required ones)"
    ]


def test_optional_requirements_are_all_kept_when_the_required_ones_cannot_be_solved(
    bootstrap_channel: Path,
) -> None:
    # create_env then names the required failure; nothing optional is blamed for it.
    kept, left_out = asyncio.run(
        optional_that_fit([bootstrap_channel.as_uri()], ["pluggy >=999"], ["iniconfig"])
    )
    assert (kept, left_out) == (["iniconfig"], [])


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
