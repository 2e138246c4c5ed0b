"""The anaconda store's ``store:`` section and its variables (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.config import ENVIRONMENT_OVERRIDES, load_settings
from dsprod.errors import InputError
from dsprod.store.anaconda import AnacondaSettings, default_channel_url

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest


def write(folder: Path, text: str) -> Path:
    (folder / "channels.yaml").write_text(text)
    return folder


def test_anaconda_org_is_the_default_and_its_channels_are_on_the_conda_host(
    tmp_path: Path,
) -> None:
    write(tmp_path, "store: {kind: anaconda, owner: team-a, ledger: shared/ledger}\n")
    assert load_settings(tmp_path, environ={}).store == AnacondaSettings(
        url="https://api.anaconda.org",
        owner="team-a",
        channel_url="https://conda.anaconda.org",
        ledger=(tmp_path / "shared" / "ledger").resolve(),
    )


def test_variables_override_the_section_and_anaconda_server_reads_from_conda(
    tmp_path: Path,
) -> None:
    write(tmp_path, "store: {kind: anaconda, owner: team-a, ledger: l}\n")
    store = load_settings(
        tmp_path,
        environ={
            "DSPROD_ANACONDA_URL": "https://repo.example.org/api/",
            "DSPROD_ANACONDA_OWNER": "team-b",
            "DSPROD_ANACONDA_LEDGER": "/shared",
        },
    ).store
    assert store == AnacondaSettings(
        url="https://repo.example.org/api",
        owner="team-b",
        channel_url="https://repo.example.org/conda",
        ledger=Path("/shared"),
    )
    assert {
        "DSPROD_ANACONDA_URL",
        "DSPROD_ANACONDA_OWNER",
        "DSPROD_ANACONDA_CHANNEL_URL",
        "DSPROD_ANACONDA_LEDGER",
    } <= set(ENVIRONMENT_OVERRIDES)


@pytest.mark.parametrize(
    ("api", "channels"),
    [
        ("https://api.anaconda.org", "https://conda.anaconda.org"),
        ("https://api.example.org/", "https://conda.example.org"),
        ("http://127.0.0.1:8080/api", "http://127.0.0.1:8080/conda"),
        ("https://h/repository/api", "https://h/repository/conda"),
        ("https://anaconda.example.org", None),
        ("https://api.example.org/v2", None),
    ],
)
def test_the_conda_channel_url_next_to_an_api(api: str, channels: str | None) -> None:
    assert default_channel_url(api) == channels


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("{kind: anaconda, ledger: l}", "'store.owner' must be the anaconda.org user"),
        ("{kind: anaconda, owner: 'a/b', ledger: l}", "'store.owner' must be"),
        ("{kind: anaconda, owner: a, url: 'ftp://x', ledger: l}", "'store.url' must be the API"),
        (
            "{kind: anaconda, owner: a, url: 'https://h', ledger: l}",
            "'store.channel_url' is needed",
        ),
        (
            "{kind: anaconda, owner: a, url: 'https://h', channel_url: 'h', ledger: l}",
            "'store.channel_url' must be the http(s) URL",
        ),
        ("{kind: anaconda, owner: a}", "'store.ledger' must be a folder"),
        ("{kind: anaconda, owner: a, ledger: l, token: x}", "unknown key 'store.token'"),
    ],
)
def test_bad_anaconda_sections_are_one_line_naming_the_file_and_key(
    tmp_path: Path, section: str, message: str
) -> None:
    write(tmp_path, f"store: {section}\n")
    with pytest.raises(InputError) as raised:
        load_settings(tmp_path, environ={})
    [line] = str(raised.value).splitlines()
    assert line.startswith(str(tmp_path / "channels.yaml")) and message in line


def test_a_url_with_credentials_is_refused_without_repeating_them(tmp_path: Path) -> None:
    write(
        tmp_path, "store: {kind: anaconda, url: 'https://me:s3cr3t@h/api', owner: a, ledger: l}\n"
    )
    with pytest.raises(InputError) as raised:
        load_settings(tmp_path, environ={})
    assert "without credentials" in str(raised.value) and "s3cr3t" not in str(raised.value)
