"""Per-channel write tokens in channels.yaml, and the quetz store's section (no server needed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dsprod.config import ENVIRONMENT_OVERRIDES, load_settings
from dsprod.errors import InputError, StoreRefused
from dsprod.store import WriteTokens
from dsprod.store.quetz import QuetzSettings

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

QUETZ = "store: {kind: quetz, url: 'http://127.0.0.1:8000/', ledger: shared/ledger}\n"


def write(folder: Path, text: str) -> Path:
    (folder / "channels.yaml").write_text(text)
    return folder


def test_long_and_short_channel_forms_side_by_side(tmp_path: Path) -> None:
    write(
        tmp_path,
        QUETZ + "channels:\n"
        "  unstable: {name: nightly, token_env: CI_NIGHTLY_KEY}\n"
        "  testing: qa\n"
        "  stable: {token_env: RELEASE_KEY}\n",
    )
    settings = load_settings(tmp_path, environ={})
    assert dict(settings.channels) == {
        "unstable": "nightly",
        "testing": "qa",
        "stable": "stable",
        "broken": "broken",
    }
    assert dict(settings.write_tokens().variables) == {
        "nightly": "CI_NIGHTLY_KEY",
        "qa": "DSPROD_TESTING_TOKEN",  # no token_env: the default variable of its level
        "stable": "RELEASE_KEY",
        "broken": "DSPROD_BROKEN_TOKEN",
    }


def test_a_renamed_channel_keeps_its_levels_token_variable(tmp_path: Path) -> None:
    write(tmp_path, "channels: {unstable: {name: dev, token_env: DEV_KEY}}\n")
    settings = load_settings(tmp_path, environ={"DSPROD_CHANNEL_UNSTABLE": "ci-dev"})
    assert settings.write_tokens().variable("ci-dev") == "DEV_KEY"


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        (
            "{unstable: {name: dev, token: s3cr3t-t0ken-value}}",
            "'channels.unstable.token': a token never goes in channels.yaml",
        ),
        (
            "{testing: {token_env: s3cr3t-t0ken-value}}",
            "'channels.testing.token_env' must name an environment variable",
        ),
        ("{stable: {name: st, key: s3cr3t-t0ken-value}}", "unknown key 'channels.stable.key'"),
        ("{stable: {name: 'has space'}}", "'channels.stable' must be a channel name"),
    ],
)
def test_bad_channel_entries_are_one_line_that_never_repeats_a_token(
    tmp_path: Path, channels: str, message: str
) -> None:
    write(tmp_path, f"channels: {channels}\n")
    with pytest.raises(InputError) as raised:
        load_settings(tmp_path, environ={})
    text = str(raised.value)
    assert message in text and str(tmp_path / "channels.yaml") in text
    assert "s3cr3t" not in text and "\n" not in text


def test_a_channels_token_comes_from_its_variable_and_is_said_missing_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = WriteTokens({"unstable": "QTZ_UNSTABLE_KEY", "stable": "QTZ_STABLE_KEY"})
    monkeypatch.setenv("QTZ_UNSTABLE_KEY", "known-unstable-key\n")
    monkeypatch.delenv("QTZ_STABLE_KEY", raising=False)
    assert tokens.token("unstable") == "known-unstable-key"
    with pytest.raises(StoreRefused, match=r"channel 'stable': no write token \(set .*QTZ_STABLE"):
        tokens.token("stable")
    with pytest.raises(StoreRefused, match="channel 'testing': no token variable"):
        tokens.token("testing")


def test_the_quetz_section_and_its_variables(tmp_path: Path) -> None:
    write(tmp_path, QUETZ)
    store = load_settings(tmp_path, environ={}).store
    assert store == QuetzSettings(
        url="http://127.0.0.1:8000", ledger=(tmp_path / "shared" / "ledger").resolve()
    )
    moved = load_settings(
        tmp_path,
        environ={"DSPROD_QUETZ_URL": "https://conda.example.org", "DSPROD_QUETZ_LEDGER": "/l"},
    ).store
    assert moved == QuetzSettings(url="https://conda.example.org", ledger=Path("/l"))
    assert {"DSPROD_QUETZ_URL", "DSPROD_QUETZ_LEDGER"} <= set(ENVIRONMENT_OVERRIDES)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("{kind: quetz, ledger: l}", "'store.url' must be the quetz server's http(s) URL"),
        ("{kind: quetz, url: 'ftp://x', ledger: l}", "'store.url' must be the quetz server's"),
        ("{kind: quetz, url: 'http://127.0.0.1:8000'}", "'store.ledger' must be a folder"),
        ("{kind: quetz, url: 'http://h', ledger: l, token: x}", "unknown key 'store.token'"),
    ],
)
def test_bad_quetz_sections_are_one_line(tmp_path: Path, section: str, message: str) -> None:
    write(tmp_path, f"store: {section}\n")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(tmp_path, environ={})


def test_a_url_with_credentials_is_refused_without_repeating_them(tmp_path: Path) -> None:
    write(tmp_path, "store: {kind: quetz, url: 'http://me:s3cr3t@h:8000', ledger: l}\n")
    with pytest.raises(InputError) as raised:
        load_settings(tmp_path, environ={})
    assert "without credentials" in str(raised.value) and "s3cr3t" not in str(raised.value)


def test_an_unreachable_quetz_server_is_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DSPROD_")},
        "DSPROD_STORE_KIND": "quetz",
        "DSPROD_QUETZ_URL": url,
        "DSPROD_QUETZ_LEDGER": str(tmp_path / "ledger"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "dsprod", "status", "--project", str(tmp_path)],
        env=environ,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"quetz store at {url}: reading channel 'unstable': ConnectionError" in line
