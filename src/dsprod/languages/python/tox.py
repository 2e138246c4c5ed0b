"""tox's ``[testenv]``: the ``deps`` and ``extras`` its test runs install.

tox.ini (or pyproject.toml's ``[tool.tox] legacy_tox_ini``) is where many
projects keep what ``tox`` installs before running pytest. Its ``deps`` are
pip requirement lines plus tox's own syntax: ``{toxinidir}``,
``{[section]key}`` references and factor conditions (``py38: numpy<2``), which
apply to some tox environments only.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

from dsprod.errors import InputError
from dsprod.languages.python.requirement_files import RequirementLines
from dsprod.languages.python.requirements import Dependency
from dsprod.languages.python.tables import Table, first_line

# ``{[section]key}``: another section's value, substituted as text.
_REFERENCE = re.compile(r"\{\[([^\]]+)\]([^}]+)\}")
# ``py38,!pypy: dep`` / ``{py38,py39}-cov: dep``: a line only some environments install.
_FACTORS = re.compile(r"^[!\w.,{}-]+:\s+(?P<line>.+)$")
_MAX_REFERENCE_DEPTH = 10


@dataclass
class ToxDeps:
    """What ``[testenv]`` installs, split by whether every tox environment installs it."""

    where: str
    every_env: list[Dependency] = field(default_factory=list)
    some_envs: list[Dependency] = field(default_factory=list)


def read_tox(root: Path, pyproject: Table | None, reader: RequirementLines) -> ToxDeps | None:
    """``[testenv]`` of tox.ini, else of pyproject's ``legacy_tox_ini``; None without either."""
    tox_ini = root / "tox.ini"
    if tox_ini.is_file():
        try:
            text = tox_ini.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"{tox_ini}: not UTF-8 text: {error.reason}") from None
        where, source = "tox.ini", str(tox_ini)
    else:
        legacy = pyproject.sub("tool").sub("tox").string("legacy_tox_ini") if pyproject else None
        if legacy is None:
            return None
        text, where = legacy, "pyproject.toml [tool.tox] legacy_tox_ini"
        source = f"{root / 'pyproject.toml'}: [tool.tox] legacy_tox_ini"
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=where)
    except configparser.Error as error:
        raise InputError(f"{source}: invalid tox config: {first_line(error)}") from None
    if not parser.has_section("testenv"):
        return None
    found = ToxDeps(f"{where} [testenv]")
    deps = _expanded(parser, parser.get("testenv", "deps", fallback=""), found.where, reader)
    deps = deps.replace("{toxinidir}", str(root))
    line_where = f"{found.where} deps"  # lines move as references expand: quote, not number
    for line in deps.splitlines():
        conditional = _FACTORS.match(line.strip())
        text = conditional.group("line") if conditional else line
        if "{" in text:
            reader.warnings.append(
                f"{line_where}: {text.strip()!r} uses a tox substitution dsprod does not"
                " expand; left out"
            )
            continue
        dependencies = reader.lines([(line_where, text)], root)
        (found.some_envs if conditional else found.every_env).extend(dependencies)
    extras = parser.get("testenv", "extras", fallback="").replace(",", "\n").split()
    if extras:
        found.every_env.append(Dependency(reader.name, extras=tuple(extras)))
    return found


def _expanded(
    parser: configparser.ConfigParser, value: str, where: str, reader: RequirementLines
) -> str:
    """``value`` with its ``{[section]key}`` references replaced (references may nest)."""

    def lookup(match: re.Match[str]) -> str:
        section, key = match.group(1).strip(), match.group(2).strip()
        if parser.has_option(section, key):
            return parser.get(section, key)
        reader.warnings.append(f"{where} deps: {match.group(0)} refers to nothing; left out")
        return ""

    for _ in range(_MAX_REFERENCE_DEPTH):
        if not _REFERENCE.search(value):
            return value
        value = _REFERENCE.sub(lookup, value)
    reader.warnings.append(f"{where} deps: references nest too deep; the rest left out")
    return _REFERENCE.sub("", value)
