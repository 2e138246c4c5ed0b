"""The project's pytest configuration, found and read the way pytest itself does.

dsprod runs a project's tests outside the project, so it must pick, by
pytest's own rules, the configuration file pytest would have used in the
project folder, pass it with ``-c``, and read two of its options:
``testpaths`` (which folders hold the tests) and ``addopts`` (options that
may need plugins the clean test env does not have).
"""

from __future__ import annotations

import configparser
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsprod.errors import InputError
from dsprod.languages.python.tables import load_toml

CONFIG_FILES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)
"""pytest's configuration files, in the order pytest prefers them within one folder."""


@dataclass(frozen=True)
class PytestConfig:
    """One configuration file and the options pytest reads from it."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    """Option name to value: a string in INI mode, a native TOML value in TOML mode."""
    section: str = ""
    """Where in the file the options are (``[tool:pytest]`` ...), for messages."""

    def args(self, key: str) -> list[str]:
        """An option of pytest's ``args`` type (``addopts``, ``testpaths``) as a list."""
        value = self.options.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        if isinstance(value, str):
            try:
                return shlex.split(value)
            except ValueError as error:
                raise InputError(f"{self.path}: {self.section} {key}: {error}") from None
        raise InputError(f"{self.path}: {self.section} {key} must be a string or list of strings")


def find_config(folder: Path) -> PytestConfig | None:
    """The configuration pytest would use when run in ``folder`` (None: it would find none there).

    Within a folder pytest takes the first file of ``CONFIG_FILES`` that
    configures it; a ``pyproject.toml`` that does not still becomes the
    configuration file (an empty one) when no other file does.
    """
    pyproject = None
    for name in CONFIG_FILES:
        path = folder / name
        if not path.is_file():
            continue
        config = read_config(path)
        if config is not None:
            return config
        if name == "pyproject.toml":
            pyproject = PytestConfig(path)
    return pyproject


def read_config(path: Path) -> PytestConfig | None:
    """pytest's options in ``path``, or None when that file does not configure pytest."""
    name = path.name
    if path.suffix == ".toml":
        document = load_toml(path)
        if name in ("pytest.toml", ".pytest.toml"):
            return PytestConfig(path, _table(path, document.get("pytest", {})), "[pytest]")
        tool = _table(path, _table(path, document.get("tool", {})).get("pytest", {}))
        native = {key: value for key, value in tool.items() if key != "ini_options"}
        if native:
            return PytestConfig(path, native, "[tool.pytest]")
        if "ini_options" in tool:
            options = _table(path, tool["ini_options"])
            return PytestConfig(path, options, "[tool.pytest.ini_options]")
        return None
    section = "tool:pytest" if path.suffix == ".cfg" else "pytest"
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a valid INI file: {str(error).splitlines()[0]}") from None
    if parser.has_section(section):
        return PytestConfig(path, dict(parser[section]), f"[{section}]")
    return PytestConfig(path, {}, "") if name in ("pytest.ini", ".pytest.ini") else None


def _table(path: Path, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{path}: pytest's configuration must be a table")
    return value
