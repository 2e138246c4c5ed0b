"""channels.yaml validation and environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.config import load_settings
from dsprod.errors import InputError

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest


def write(folder: Path, text: str) -> Path:
    path = folder / "channels.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.store.kind == "local"
    assert settings.store.path == (tmp_path / ".dsprod" / "store").resolve()
    assert dict(settings.channels) == {
        "unstable": "unstable",
        "testing": "testing",
        "stable": "stable",
        "broken": "broken",
    }
    assert settings.dependency_channels == ("conda-forge",)
    assert settings.source is None
    assert settings.policy("stable").require_known_license is False


def test_channel_policy_per_maturity_level(tmp_path: Path) -> None:
    write(tmp_path, "policy:\n  stable: {require_known_license: true}\n  testing:\n")
    settings = load_settings(tmp_path, environ={"DSPROD_CHANNEL_STABLE": "release"})
    assert settings.policy("stable").require_known_license is True
    assert settings.policy("testing").require_known_license is False
    assert settings.policy("unstable").require_known_license is False


def test_found_by_walking_up_and_paths_relative_to_the_file(tmp_path: Path) -> None:
    write(tmp_path, "store: {kind: local, path: shared/store}\nchannels: {stable: release}\n")
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    settings = load_settings(project, environ={"DSPROD_CHANNEL_BROKEN": "adm-yanked"})
    assert settings.store.path == (tmp_path / "shared" / "store").resolve()
    assert settings.channel("stable") == "release"
    assert settings.channel("broken") == "adm-yanked"
    assert settings.channel("testing") == "testing"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stores: {}\n", "unknown key 'stores'"),
        ("store: {kind: ftp}\n", "'store.kind' must be one of: local"),
        ("store: {path: 3}\n", "'store.path' must be a path, got int"),
        ("store: {kind: local, colour: red}\n", "unknown key 'store.colour'"),
        ("channels: {beta: x}\n", "unknown key 'channels.beta'"),
        ("channels: {stable: 'has space'}\n", "'channels.stable' must be a channel name"),
        ("channels: {unstable: unstäble}\n", "'channels.unstable' must be a channel name"),
        ("channels: {stable: ..}\n", "'channels.stable' must be a channel name"),
        ("channels: {stable: testing}\n", "must have distinct names"),
        ("channels: {broken: stable}\n", "must have distinct names"),
        ("dependency_channels: conda-forge\n", "'dependency_channels' must be a non-empty list"),
        ("dependency_channels: []\n", "'dependency_channels' must be a non-empty list"),
        ("- a\n- b\n", "expected a mapping at the top level, got list"),
        ("store: [unclosed\n", "not valid YAML (line"),
        ("policy: [stable]\n", "'policy' must be a mapping of maturity levels, got list"),
        ("policy: {release: {}}\n", "unknown key 'policy.release' (expected one of: stable,"),
        ("policy: {stable: yes please}\n", "'policy.stable' must be a mapping of rules"),
        ("policy: {stable: {known_license: true}}\n", "unknown key 'policy.stable.known_license'"),
        (
            "policy: {stable: {require_known_license: 'yes'}}\n",
            "'policy.stable.require_known_license' must be true or false, got str 'yes'",
        ),
    ],
)
def test_invalid_files_give_one_line_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_settings(tmp_path, environ={})
    text = str(caught.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_environment_overrides_win(tmp_path: Path) -> None:
    write(tmp_path, "dependency_channels: [conda-forge]\nchannels: {unstable: dev}\n")
    settings = load_settings(
        tmp_path,
        environ={
            "DSPROD_STORE": str(tmp_path / "elsewhere"),
            "DSPROD_DEPENDENCY_CHANNELS": "bootstrap, ./local-channel",
            "DSPROD_CHANNEL_UNSTABLE": "nightly",
        },
    )
    assert settings.store.path == (tmp_path / "elsewhere").resolve()
    assert settings.dependency_channels == ("bootstrap", "./local-channel")
    assert settings.channel("unstable") == "nightly"


def test_bad_environment_values_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="DSPROD_STORE_KIND"):
        load_settings(tmp_path, environ={"DSPROD_STORE_KIND": "s4"})
    with pytest.raises(InputError, match="DSPROD_CHANNEL_"):
        load_settings(tmp_path, environ={"DSPROD_CHANNEL_STABLE": "testing"})


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such configuration file"):
        load_settings(tmp_path, tmp_path / "nope.yaml", environ={})


def test_channel_names_are_what_conda_accepts(tmp_path: Path) -> None:
    write(tmp_path, "channels: {unstable: nightly-2.x_dev, stable: Release.1}\n")
    settings = load_settings(tmp_path, environ={})
    assert settings.channel("unstable") == "nightly-2.x_dev"
    assert settings.channel("stable") == "Release.1"
    with pytest.raises(InputError, match="DSPROD_CHANNEL_STABLE"):
        load_settings(tmp_path, environ={"DSPROD_CHANNEL_STABLE": "stäble"})


def test_a_file_that_is_not_utf8_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_bytes(b"store: {kind: local}\nchannels: {stable: st\xe4ble}\n")
    with pytest.raises(InputError) as caught:
        load_settings(tmp_path, environ={})
    assert str(caught.value) == f"{path}: not UTF-8 text (line 2: byte 0xe4)"


def test_a_channels_yaml_that_is_a_folder_is_an_error_not_ignored(tmp_path: Path) -> None:
    write(tmp_path, "channels: {stable: release}\n")  # a parent's settings must not be used
    project = tmp_path / "project"
    (project / "channels.yaml").mkdir(parents=True)
    with pytest.raises(InputError, match=r"channels\.yaml: not a file"):
        load_settings(project, environ={})
    with pytest.raises(InputError, match=r"channels\.yaml: not a file"):
        load_settings(project, project / "channels.yaml", environ={})
