"""Typed access to the tables of pyproject.toml and setup.cfg.

Every value a project file gives is checked for its type where it is read, so a
wrong type becomes an ``InputError`` naming the file and the field, never a
traceback further down.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsprod.errors import InputError


@dataclass(frozen=True)
class Table:
    """A TOML/INI table plus where it came from, so type errors name the file and the field."""

    data: dict[str, Any]
    file: Path
    path: str
    """Dotted table name (``project``, ``tool.poetry``); empty for the document itself."""

    def field(self, key: str) -> str:
        return f"{self.file}: [{self.path}] {key}" if self.path else f"{self.file}: {key}"

    def sub(self, key: str) -> Table:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise InputError(f"{self.field(key)} must be a table")
        return Table(value, self.file, f"{self.path}.{key}" if self.path else key)

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{self.field(key)} must be a string")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InputError(f"{self.field(key)} must be a list of strings")
        return value

    def string_map(self, key: str) -> dict[str, str]:
        value = self.sub(key).data
        if not all(isinstance(item, str) for item in value.values()):
            raise InputError(f"{self.field(key)} must map names to strings")
        return value


def first_line(error: Exception) -> str:
    """An exception's first line, so an ``InputError`` message stays one line."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def load_toml(file: Path) -> dict[str, Any]:
    """A project's TOML file parsed; a syntax error becomes an ``InputError`` with its line."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{file}: invalid TOML: {first_line(error)}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{file}: not UTF-8 text: {error.reason}") from None
