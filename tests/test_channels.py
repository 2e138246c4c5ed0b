"""Dependency channel names as users write them, turned into URLs a solver and a builder read."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.errors import InputError
from dsprod.pipeline.channels import resolve_channels

pytestmark = pytest.mark.selftest


def make_channel(folder: Path) -> Path:
    (folder / "noarch").mkdir(parents=True)
    (folder / "noarch" / "repodata.json").write_text("{}")
    return folder


def test_bootstrap_is_the_made_channel_in_the_bootstrap_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSPROD_BOOTSTRAP_DIR", str(tmp_path / "bootstrap"))
    channel = make_channel(tmp_path / "bootstrap" / "channel")
    assert resolve_channels(["bootstrap"], tmp_path / "elsewhere") == [channel.as_uri()]


@pytest.mark.parametrize("made", ["nothing", "an empty folder"])
def test_bootstrap_not_made_yet_says_how_to_make_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: str
) -> None:
    monkeypatch.setenv("DSPROD_BOOTSTRAP_DIR", str(tmp_path / "bootstrap"))
    if made == "an empty folder":
        (tmp_path / "bootstrap" / "channel" / "noarch").mkdir(parents=True)
    with pytest.raises(InputError, match="run `dsprod bootstrap` first") as raised:
        resolve_channels(["bootstrap"], tmp_path)
    assert str(tmp_path / "bootstrap" / "channel") in str(raised.value)
    assert raised.value.exit_code == 2


def test_relative_paths_are_taken_from_the_base_folder(tmp_path: Path) -> None:
    base = tmp_path / "project"
    local = make_channel(base / "deps")
    shared = make_channel(tmp_path / "shared" / "channel")
    assert resolve_channels(["./deps", "../shared/channel"], base) == [
        local.as_uri(),
        shared.as_uri(),
    ]


def test_absolute_paths_and_home_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    in_home = make_channel(tmp_path / "home" / "channels" / "mine")
    absolute = make_channel(tmp_path / "absolute")
    resolved = resolve_channels([str(absolute), "~/channels/mine"], tmp_path / "base")
    assert resolved == [absolute.as_uri(), in_home.as_uri()]
    assert all(url.startswith("file:///") for url in resolved)


def test_a_missing_folder_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        resolve_channels(["./missing"], tmp_path)
    assert str(raised.value) == (
        f"dependency channel './missing': no such folder {tmp_path / 'missing'}"
    )
    assert raised.value.exit_code == 2


def test_urls_and_names_pass_through_in_order(tmp_path: Path) -> None:
    names = [
        "conda-forge",
        "https://conda.example.org/team/label/testing",
        "file:///srv/channels/deps",
        "team/label/dev",
    ]
    assert resolve_channels(names, tmp_path) == names


def test_a_mixed_list_keeps_its_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSPROD_BOOTSTRAP_DIR", str(tmp_path / "bootstrap"))
    bootstrap = make_channel(tmp_path / "bootstrap" / "channel")
    local = make_channel(tmp_path / "deps")
    assert resolve_channels(["./deps", "conda-forge", "bootstrap"], tmp_path) == [
        local.as_uri(),
        "conda-forge",
        bootstrap.as_uri(),
    ]
