"""pip requirements files (and tox ``deps`` lines, the same syntax) as ``Dependency`` values.

Projects write these for pip: options, nested ``-r`` files, constraints,
local paths, the project itself as ``-e .[test]``. A conda test env needs only
the requirements; every line left out is said in a warning naming the file
and line, and the project itself becomes a reference to its own extras.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from dsprod.languages.python.requirements import Dependency, parse_requirement

# ``-r file``, ``-rfile``, ``--requirement=file``, ``--pre``: an option and its value.
_OPTION = re.compile(r"^(--[A-Za-z][A-Za-z-]*|-[A-Za-z])\s*=?\s*(.*)$")
# A comment starts a line or follows whitespace (``pkg#egg=...`` in a URL is not one).
_COMMENT = re.compile(r"(^|\s)#.*$")
# A local path with optional extras: ``.``, ``./sub[x]``, ``/abs``, ``file:///x``.
_PATH = re.compile(r"^(?P<path>(?:\.|/|file:)[^\[;\s]*)(?:\[(?P<extras>[^\]]*)\])?\s*(?:;.*)?$")


@dataclass
class RequirementLines:
    """Reads requirement lines for one project, collecting warnings about what it leaves out."""

    root: Path
    """The project's folder: a local path to it is the project itself."""
    name: str
    """The project's name, so ``-e .[test]`` becomes ``<name>[test]``."""
    warnings: list[str]

    def where(self, path: Path) -> str:
        """A file as the user knows it: relative to the project when it is inside."""
        root = self.root.resolve()
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    def read_file(self, path: Path, seen: frozenset[Path] = frozenset()) -> list[Dependency]:
        """The requirements of ``path``, following its ``-r`` includes (each file once)."""
        path = path.resolve()
        if path in seen:
            return []
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            self.warnings.append(f"{self.where(path)}: requirements file not found; left out")
            return []
        except UnicodeDecodeError as error:
            self.warnings.append(f"{self.where(path)}: not UTF-8 text ({error.reason}); left out")
            return []
        return self.lines(_logical_lines(self.where(path), text), path.parent, seen | {path})

    def lines(
        self, lines: Iterable[tuple[str, str]], base: Path, seen: frozenset[Path] = frozenset()
    ) -> list[Dependency]:
        """``(where, line)`` pairs as dependencies; relative files are found from ``base``."""
        found: list[Dependency] = []
        for where, raw in lines:
            line = _COMMENT.sub("", raw).strip()
            if not line:
                continue
            option = _OPTION.match(line)
            if option is None:
                found += self._requirement(where, line, base)
                continue
            flag, value = option.groups()
            if flag in ("-r", "--requirement"):
                found += self.read_file(base / value.strip(), seen)
            elif flag in ("-c", "--constraint"):
                self.warnings.append(
                    f"{where}: constraints file {value.strip()} ignored: the test env takes"
                    " the versions its channels have"
                )
            elif flag in ("-e", "--editable"):
                found += self._requirement(where, value.strip(), base)
            # Any other option (index URLs, --pre, --only-binary ...) tells pip where and how
            # to install, not what the tests need.
        return found

    def _requirement(self, where: str, text: str, base: Path) -> list[Dependency]:
        text = text.split(" --", 1)[0].strip()  # per-requirement options such as --hash
        path = _PATH.match(text)
        if path is not None:
            location = path.group("path").removeprefix("file://")
            if (base / location).resolve() == self.root.resolve():
                extras = tuple(e.strip() for e in (path.group("extras") or "").split(",") if e)
                return [Dependency(self.name, extras=extras)]
            self.warnings.append(
                f"{where}: local path {text!r} is not a conda package; left out of the test env"
            )
            return []
        try:
            Requirement(text)
        except InvalidRequirement:
            self.warnings.append(f"{where}: {text!r} is not a PEP 508 requirement; left out")
            return []
        return [parse_requirement(text, where)]


def _logical_lines(where: str, text: str) -> list[tuple[str, str]]:
    """Lines joined across trailing backslashes, each with ``file:line`` of its first line."""
    joined: list[tuple[str, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append((f"{where}:{start}", pending + line))
        pending = ""
    if pending:
        joined.append((f"{where}:{start}", pending))
    return joined
