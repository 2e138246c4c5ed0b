"""Write tokens from the system keyring when the channel's variable is unset: real backends.

keyrings.alt's PlaintextKeyring keeps its entries in a file under
``$XDG_DATA_HOME``, so each test gets a keyring of its own in ``tmp_path``; the
"no backend" case is keyring's own ``fail`` backend, what a host without any
keyring service gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from keyrings.alt.file import PlaintextKeyring

from dsprod.config import load_settings
from dsprod.errors import InputError, StoreRefused
from dsprod.store import WriteTokens
from dsprod.store.base import KeyringEntry

DESK_TOKEN = "desk-token-4c1e9a7b"
CI_TOKEN = "ci-token-0b6d2f85"


@pytest.fixture
def desk_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlaintextKeyring]:
    """A real file-backed keyring in ``tmp_path``, the process's keyring while the test runs."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    before = keyring.get_keyring()
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


def test_the_variable_wins_and_the_keyring_holds_the_token_when_it_is_unset(
    desk_keyring: PlaintextKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = WriteTokens({"nightly": "QTZ_NIGHTLY_KEY"})
    desk_keyring.set_password("dsprod", "QTZ_NIGHTLY_KEY", DESK_TOKEN)
    monkeypatch.setenv("QTZ_NIGHTLY_KEY", CI_TOKEN)
    assert tokens.token("nightly") == CI_TOKEN
    assert tokens.source("nightly") == "QTZ_NIGHTLY_KEY"
    monkeypatch.delenv("QTZ_NIGHTLY_KEY")
    assert tokens.token("nightly") == DESK_TOKEN
    assert tokens.source("nightly") == (
        "the keyring entry (service 'dsprod', username 'QTZ_NIGHTLY_KEY')"
    )


def test_channels_yaml_names_another_keyring_entry(
    desk_keyring: PlaintextKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "channels.yaml").write_text(
        "channels:\n"
        "  unstable: {name: nightly, keyring: {service: quetz.example.org}}\n"
        "  stable: {token_env: RELEASE_KEY, keyring: {service: q, username: release}}\n"
    )
    monkeypatch.delenv("DSPROD_UNSTABLE_TOKEN", raising=False)
    monkeypatch.delenv("RELEASE_KEY", raising=False)
    desk_keyring.set_password("quetz.example.org", "DSPROD_UNSTABLE_TOKEN", DESK_TOKEN)
    desk_keyring.set_password("q", "release", "release-token")
    tokens = load_settings(tmp_path, environ={}).write_tokens()
    assert tokens.keyring_entry("nightly") == KeyringEntry(
        "quetz.example.org", "DSPROD_UNSTABLE_TOKEN"
    )
    assert tokens.token("nightly") == DESK_TOKEN
    assert tokens.token("stable") == "release-token"
    assert tokens.keyring_entry("testing") == KeyringEntry("dsprod", "DSPROD_TESTING_TOKEN")


def test_neither_source_is_one_line_naming_the_channel_the_variable_and_the_entry(
    desk_keyring: PlaintextKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QTZ_STABLE_KEY", raising=False)
    desk_keyring.set_password("dsprod", "QTZ_UNSTABLE_KEY", DESK_TOKEN)  # another channel's
    with pytest.raises(StoreRefused) as raised:
        WriteTokens({"stable": "QTZ_STABLE_KEY"}).token("stable")
    assert str(raised.value) == (
        "channel 'stable': no write token (set the environment variable QTZ_STABLE_KEY,"
        " or store it in the keyring as service 'dsprod', username 'QTZ_STABLE_KEY')"
    )


def test_a_host_without_a_keyring_backend_is_one_line_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QTZ_STABLE_KEY", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(StoreRefused) as raised:
            WriteTokens({"stable": "QTZ_STABLE_KEY"}).token("stable")
    finally:
        keyring.set_keyring(before)
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith("channel 'stable': no write token (set the environment variable")
    assert "username 'QTZ_STABLE_KEY'); the keyring could not be read (NoKeyringError:" in text


class LockedKeyring(keyring.backend.KeyringBackend):
    """A backend whose store is locked, as a Secret Service collection nobody unlocked is:
    keyring's own ``KeyringLocked`` error, raised by a real backend class keyring loads."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the login keyring is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the login keyring is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("the login keyring is locked")


def test_a_locked_keyring_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QTZ_STABLE_KEY", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        with pytest.raises(StoreRefused) as raised:
            WriteTokens({"stable": "QTZ_STABLE_KEY"}).token("stable")
    finally:
        keyring.set_keyring(before)
    assert str(raised.value).endswith(
        "; the keyring could not be read (KeyringLocked: the login keyring is locked)"
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("keyring: dsprod", "'channels.stable.keyring' must be a mapping"),
        ("keyring: {service: q, password: x}", "unknown key 'channels.stable.keyring.password'"),
        ("keyring: {service: ''}", "'channels.stable.keyring.service' must be a non-empty"),
    ],
)
def test_bad_keyring_sections_are_one_line(tmp_path: Path, section: str, message: str) -> None:
    (tmp_path / "channels.yaml").write_text(f"channels:\n  stable: {{{section}}}\n")
    with pytest.raises(InputError, match=message):
        load_settings(tmp_path, environ={})


def test_a_process_reads_the_keyring_backend_its_environment_names(tmp_path: Path) -> None:
    """``PYTHON_KEYRING_BACKEND`` as a user sets it, in a process of its own: the token the
    file keyring holds is used, and a missing one is named without any token printed."""
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DSPROD_")},
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    script = (
        "import keyring; from dsprod.store import WriteTokens\n"
        f"keyring.set_password('dsprod', 'DSPROD_UNSTABLE_TOKEN', {DESK_TOKEN!r})\n"
        "tokens = WriteTokens(\n"
        "    {'unstable': 'DSPROD_UNSTABLE_TOKEN', 'stable': 'DSPROD_STABLE_TOKEN'}\n"
        ")\n"
        f"assert tokens.token('unstable') == {DESK_TOKEN!r}\n"
        "tokens.token('stable')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "StoreRefused: channel 'stable': no write token" in result.stderr
    assert DESK_TOKEN not in result.stdout + result.stderr
    assert (tmp_path / "data" / "python_keyring" / "keyring_pass.cfg").is_file()
