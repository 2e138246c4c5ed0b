"""channels.yaml + environment overrides -> one validated ``Settings`` value.

channels.yaml is found by walking up from the project folder (``--config``
overrides). Every setting can also come from an environment variable, which
wins over the file, so CI can redirect a run without editing the repository.
Credentials never live here: channels.yaml names where each channel's write
token is kept, and stores that need tokens read it themselves, when they write:

    channels:
      unstable: {name: nightly, token_env: CI_NIGHTLY_KEY}
      stable: {token_env: RELEASE_KEY, keyring: {service: quetz.example.org, username: release}}

First the environment variable ``token_env`` (default ``DSPROD_<LEVEL>_TOKEN``),
which CI runners set from their secret store; when it is unset, the system
keyring (the ``keyring`` library: macOS Keychain, Windows Credential Locker,
Secret Service; ``PYTHON_KEYRING_BACKEND`` picks another), under service
``dsprod`` and the variable's name as username unless ``keyring:`` names
another service or username. So on a desk ``keyring set dsprod
DSPROD_UNSTABLE_TOKEN`` replaces an ``export`` of the token in a shell profile.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from dsprod.errors import InputError
from dsprod.store import STORE_KINDS, StoreSettings, WriteTokens
from dsprod.store.base import KEYRING_SERVICE, KeyringEntry

CONFIG_FILE = "channels.yaml"
DEFAULT_STORE_KIND = "local"


def _store_variable(kind: str, key: str) -> str:
    """The variable overriding one key of a store kind's section: ``DSPROD_S3_BUCKET``."""
    return f"DSPROD_{kind.upper()}_{key.upper()}"


MATURITY_LEVELS = ("unstable", "testing", "stable")
BROKEN_LEVEL = "broken"
"""Where ``dsprod yank`` moves a bad build (conda-forge's ``broken`` label): not a maturity level,
nothing is promoted into it, but its channel is named in channels.yaml like theirs."""
CHANNEL_LEVELS = (*MATURITY_LEVELS, BROKEN_LEVEL)

# Environment variable -> what it overrides; shown in --help and the README.
ENVIRONMENT_OVERRIDES: dict[str, str] = {
    "DSPROD_STORE": (
        "the store's location (a local store's path, an s3 store's s3://BUCKET/PREFIX,"
        " a quetz server's URL, an anaconda store's API URL)"
    ),
    "DSPROD_STORE_KIND": "store kind (one of: " + ", ".join(STORE_KINDS) + ")",
    **{
        _store_variable(kind, key): f"store.{key} of a '{kind}' store"
        for kind, store_kind in STORE_KINDS.items()
        for key in sorted(store_kind.settings_keys)
        if kind != DEFAULT_STORE_KIND  # a local store's one setting is DSPROD_STORE
    },
    "DSPROD_CHANNEL_UNSTABLE": "name of the unstable channel",
    "DSPROD_CHANNEL_TESTING": "name of the testing channel",
    "DSPROD_CHANNEL_STABLE": "name of the stable channel",
    "DSPROD_CHANNEL_BROKEN": "name of the channel yanked builds go to",
    "DSPROD_DEPENDENCY_CHANNELS": "comma-separated dependency channels ('bootstrap': host-made)",
    **{
        f"DSPROD_{level.upper()}_TOKEN": f"write token of the {level} channel (quetz, anaconda),"
        f" unless channels.{level}.token_env names another variable (unset: the keyring)"
        for level in CHANNEL_LEVELS
    },
}

_TOP_KEYS = {"store", "channels", "dependency_channels", "policy"}
_CHANNEL_NAME_RULE = "a channel name (ASCII letters, digits, '-', '_', '.'; not starting with '.')"
_CHANNEL_KEYS = {"name", "token_env", "keyring"}
_KEYRING_KEYS = {"service", "username"}
_VARIABLE = re.compile(r"[A-Z_][A-Z0-9_]*")
"""An environment variable's name as POSIX shells accept it (upper case, digits, '_')."""


def default_token_variable(level: str) -> str:
    """The variable holding a channel's write token when channels.yaml names none."""
    return f"DSPROD_{level.upper()}_TOKEN"


@dataclass(frozen=True)
class ChannelPolicy:
    """What one maturity channel demands of a package, beyond the promotion rules.

    channels.yaml's ``policy.<level>`` (unstable, testing or stable); every rule
    is off unless set. Unstable's are checked when a build is verified, the
    others when a package is promoted into that channel.
    """

    require_known_license: bool = False
    """Refuse a package whose licence is not a valid SPDX expression, or is the
    ``LicenseRef-dsprod-unknown`` dsprod records when no source names one."""


POLICY_RULES = frozenset(ChannelPolicy.__dataclass_fields__)


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one dsprod run."""

    store: StoreSettings
    """The store kind's own validated section (``kind`` and, for a local store, ``path``)."""
    channels: Mapping[str, str]
    """Level (unstable/testing/stable, and broken) -> channel name in the store."""
    dependency_channels: tuple[str, ...]
    """Channels builds and test envs resolve dependencies from (names, URLs or paths)."""
    source: Path | None
    """The channels.yaml the settings came from, if any."""
    policies: Mapping[str, ChannelPolicy] = field(default_factory=dict)
    """Maturity level -> what its channel demands (levels not listed demand nothing more)."""
    token_variables: Mapping[str, str] = field(default_factory=dict)
    """Maturity level -> the environment variable holding its channel's write token (the name,
    never the token); levels not listed use ``default_token_variable``."""
    keyring_entries: Mapping[str, KeyringEntry] = field(default_factory=dict)
    """Maturity level -> the keyring entry its channel's token is read from when the variable
    is unset; levels not listed use service ``dsprod`` and the variable's name."""

    def channel(self, level: str) -> str:
        """The store's channel name for a maturity level."""
        return self.channels[level]

    def write_tokens(self) -> WriteTokens:
        """Each channel's write-token variable, by the name the store knows the channel by."""
        return WriteTokens(
            variables={
                name: self.token_variables.get(level, default_token_variable(level))
                for level, name in self.channels.items()
            },
            keyring_entries={
                self.channels[level]: entry for level, entry in self.keyring_entries.items()
            },
        )

    def policy(self, level: str) -> ChannelPolicy:
        """What the channel of a maturity level demands of a package."""
        return self.policies.get(level, ChannelPolicy())


def find_config(start: Path) -> Path | None:
    """The nearest channels.yaml in ``start`` or one of its parents.

    A ``channels.yaml`` that is not a file (a folder, say) is an error, not
    skipped: skipping it would silently use a parent's settings, or none.
    """
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        if candidate.exists():
            raise InputError(f"{candidate}: not a file (a {CONFIG_FILE} must be a YAML file)")
    return None


def load_settings(
    project_root: Path,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read, validate and override the configuration for a project folder."""
    environ = os.environ if environ is None else environ
    if config_path is not None and not config_path.is_file():
        problem = "not a file" if config_path.exists() else "no such configuration file"
        raise InputError(f"{config_path}: {problem}")
    path = config_path or find_config(project_root)
    raw = _read_yaml(path) if path else {}
    base = path.parent if path else project_root.resolve()
    return _apply_environment(_validate(raw, path, base, environ), environ)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise InputError(
            f"{path}: not UTF-8 text (line {line}: byte {error.object[error.start]:#04x})"
        ) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror})") from None
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping at the top level, got {_kind(data)}")
    return data


def _validate(
    raw: Mapping[str, Any], path: Path | None, base: Path, environ: Mapping[str, str]
) -> Settings:
    where = str(path) if path else CONFIG_FILE
    _reject_unknown(raw, _TOP_KEYS, where, "")
    store = _store_settings(raw.get("store", {}), where, base, environ)

    channels_raw = raw.get("channels", {})
    _expect(isinstance(channels_raw, dict), where, "channels", "a mapping", channels_raw)
    _reject_unknown(channels_raw, set(CHANNEL_LEVELS), where, "channels.")
    channels: dict[str, str] = {}
    token_variables: dict[str, str] = {}
    keyring_entries: dict[str, KeyringEntry] = {}
    for level in CHANNEL_LEVELS:
        entry = channels_raw.get(level, level)
        if isinstance(entry, dict):
            name, variable = _channel_entry(entry, where, f"channels.{level}")
            variable = variable if variable is not None else default_token_variable(level)
            if "keyring" in entry:
                keyring_entries[level] = _keyring_entry(
                    entry["keyring"], where, f"channels.{level}.keyring", variable
                )
            entry = name if name is not None else level
            if variable != default_token_variable(level):
                token_variables[level] = variable
        _expect(_is_channel_name(entry), where, f"channels.{level}", _CHANNEL_NAME_RULE, entry)
        channels[level] = entry
    if len(set(channels.values())) != len(channels):
        raise InputError(
            f"{where}: channels: the maturity channels and the broken one must have distinct names"
        )

    deps = raw.get("dependency_channels", ["conda-forge"])
    _expect(
        isinstance(deps, list) and bool(deps) and all(isinstance(d, str) and d for d in deps),
        where,
        "dependency_channels",
        "a non-empty list of channel names, URLs or paths",
        deps,
    )
    return Settings(
        store=store,
        channels=channels,
        dependency_channels=tuple(deps),
        source=path,
        policies=_policies(raw.get("policy") or {}, where),
        token_variables=token_variables,
        keyring_entries=keyring_entries,
    )


def _channel_entry(
    entry: Mapping[str, Any], where: str, key: str
) -> tuple[object | None, str | None]:
    """A channel's long form ``{name: ..., token_env: ...}``: its name and its token's variable.

    A token written into the file is refused, and no error repeats a value that
    could be one: channels.yaml is committed, and errors reach CI logs.
    """
    if "token" in entry:
        raise InputError(
            f"{where}: '{key}.token': a token never goes in {CONFIG_FILE};"
            f" name the environment variable holding it with '{key}.token_env'"
        )
    _reject_unknown(entry, _CHANNEL_KEYS, where, f"{key}.")
    variable = entry.get("token_env")
    if variable is not None and not (isinstance(variable, str) and _VARIABLE.fullmatch(variable)):
        raise InputError(
            f"{where}: '{key}.token_env' must name an environment variable (upper-case letters,"
            " digits, '_'), not hold the token itself; its value is not shown"
        )
    return entry.get("name"), variable


def _keyring_entry(section: object, where: str, key: str, variable: str) -> KeyringEntry:
    """A channel's ``keyring: {service, username}``; each defaults as without the section."""
    expected = "a mapping with 'service' and 'username'"
    _expect(isinstance(section, dict), where, key, expected, section)
    assert isinstance(section, dict)
    _reject_unknown(section, _KEYRING_KEYS, where, f"{key}.")
    for part in _KEYRING_KEYS:
        value = section.get(part)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise InputError(f"{where}: '{key}.{part}' must be a non-empty string")
    return KeyringEntry(
        service=section.get("service") or KEYRING_SERVICE,
        username=section.get("username") or variable,
    )


def _policies(section: object, where: str) -> dict[str, ChannelPolicy]:
    """The ``policy:`` section: maturity level -> rule -> true/false."""
    _expect(isinstance(section, dict), where, "policy", "a mapping of maturity levels", section)
    assert isinstance(section, dict)
    _reject_unknown(section, set(MATURITY_LEVELS), where, "policy.")
    policies = {}
    for level, rules in section.items():
        rules = rules or {}
        _expect(isinstance(rules, dict), where, f"policy.{level}", "a mapping of rules", rules)
        _reject_unknown(rules, set(POLICY_RULES), where, f"policy.{level}.")
        for rule, value in rules.items():
            key = f"policy.{level}.{rule}"
            _expect(isinstance(value, bool), where, key, "true or false", value)
        policies[level] = ChannelPolicy(**rules)
    return policies


def _store_settings(
    section: object, where: str, base: Path, environ: Mapping[str, str]
) -> StoreSettings:
    """The ``store:`` section, validated by its kind; ``DSPROD_STORE*`` win over the file."""
    _expect(isinstance(section, dict), where, "store", "a mapping with 'kind' and 'path'", section)
    assert isinstance(section, dict)
    kinds = "one of: " + ", ".join(STORE_KINDS)
    if kind := environ.get("DSPROD_STORE_KIND"):
        _expect(kind in STORE_KINDS, "DSPROD_STORE_KIND", "value", kinds, kind)
    else:
        kind = section.get("kind", DEFAULT_STORE_KIND)
        _expect(kind in STORE_KINDS, where, "store.kind", kinds, kind)
    store_kind = STORE_KINDS[kind]
    _reject_unknown(section, {"kind", *store_kind.settings_keys}, where, "store.")
    options = {key: value for key, value in section.items() if key != "kind"}
    overridden = []
    if kind != DEFAULT_STORE_KIND:
        for key in sorted(store_kind.settings_keys):
            if value := environ.get(_store_variable(kind, key)):
                options[key] = value
                overridden.append(_store_variable(kind, key))
    if overridden:  # an error about an overridden key names the variable too
        where = f"{where} with {', '.join(overridden)}"
    return store_kind.parse_settings(options, where, base, environ.get("DSPROD_STORE"))


def _apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    channels = dict(settings.channels)
    for level in CHANNEL_LEVELS:
        if name := environ.get(f"DSPROD_CHANNEL_{level.upper()}"):
            _expect(
                _is_channel_name(name),
                f"DSPROD_CHANNEL_{level.upper()}",
                "value",
                _CHANNEL_NAME_RULE,
                name,
            )
            channels[level] = name
    deps = settings.dependency_channels
    if value := environ.get("DSPROD_DEPENDENCY_CHANNELS"):
        deps = tuple(part.strip() for part in value.split(",") if part.strip())
        _expect(
            bool(deps), "DSPROD_DEPENDENCY_CHANNELS", "value", "comma-separated channels", value
        )
    if len(set(channels.values())) != len(channels):
        raise InputError(
            "DSPROD_CHANNEL_*: the maturity channels and the broken one must have distinct names"
        )
    return Settings(
        store=settings.store,
        channels=channels,
        dependency_channels=deps,
        source=settings.source,
        policies=settings.policies,
        token_variables=settings.token_variables,
        keyring_entries=settings.keyring_entries,
    )


_CHANNEL_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
"""What conda accepts as a channel name: ASCII letters, digits, ``-``, ``_`` and ``.``.

Not starting with a dot: a channel is a folder in a local store, and ``..``
would be its parent."""


def _is_channel_name(name: object) -> bool:
    return isinstance(name, str) and _CHANNEL_NAME.fullmatch(name) is not None


def _reject_unknown(mapping: Mapping[str, Any], known: set[str], where: str, prefix: str) -> None:
    for key in mapping:
        if key not in known:
            expected = ", ".join(sorted(known))
            raise InputError(f"{where}: unknown key '{prefix}{key}' (expected one of: {expected})")


def _expect(ok: bool, where: str, key: str, expected: str, got: object) -> None:
    if not ok:
        raise InputError(f"{where}: '{key}' must be {expected}, got {_kind(got)} {got!r}")


def _kind(value: object) -> str:
    return type(value).__name__
