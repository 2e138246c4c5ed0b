"""Which build system reads and builds a C/C++ project, when its folder has several.

A repository holding both ``meson.build`` and ``CMakeLists.txt`` (libraries
often keep both) is read with the one its README/INSTALL documents
(``meson setup`` / ``cmake -B``...); the user's ``--build-system`` wins over
that. A Makefile beside either is taken for a convenience wrapper.
"""

from __future__ import annotations

import re
from pathlib import Path

from dsprod.errors import InputError
from dsprod.languages.c.make import makefile_of

BUILD_SYSTEMS = ("cmake", "meson", "make")
BUILD_FILES = {"cmake": "CMakeLists.txt", "meson": "meson.build"}
DOCS = ("README", "README.md", "README.rst", "README.txt", "INSTALL", "INSTALL.md", "BUILDING.md")
_DOCUMENTED = {
    "meson": re.compile(r"\bmeson\s+(setup|compile|test|install|builddir|build)\b"),
    "cmake": re.compile(r"\bcmake\s+(-[SBG]|--build|--install|\.\.|\.)"),
}


def present(root: Path) -> list[str]:
    """The build systems ``root`` has files for, in ``BUILD_SYSTEMS`` order."""
    found = [name for name, file in BUILD_FILES.items() if (root / file).is_file()]
    return [*found, "make"] if makefile_of(root) is not None else found


def choose(root: Path, requested: str | None) -> tuple[str, tuple[str, ...]]:
    """The build system to use for ``root``, and notes that say why when there was a choice."""
    available = present(root)
    if requested is not None:
        if requested not in BUILD_SYSTEMS:
            raise InputError(
                f"--build-system {requested}: unknown (known: {', '.join(BUILD_SYSTEMS)})"
            )
        if requested not in available:
            wanted = BUILD_FILES.get(requested, "Makefile")
            raise InputError(f"{root}: --build-system {requested}, but there is no {wanted}")
        return requested, ()
    if not available:
        raise InputError(f"{root}: no CMakeLists.txt, meson.build or Makefile")
    if len(available) == 1:
        return available[0], ()
    generators = [name for name in available if name != "make"]
    if len(generators) == 1:
        return generators[0], (
            f"{root}: read with {generators[0]}; the Makefile beside"
            f" {BUILD_FILES[generators[0]]} is taken for a wrapper (--build-system make to use it)",
        )
    documented = _documented(root)
    chosen = documented[0] if documented else "meson"
    why = (
        f"{documented[1]} documents `{chosen}`"
        if documented
        else "no README or INSTALL says which is primary, and meson's files are the simpler"
    )
    return chosen, (
        f"{root}: has both CMakeLists.txt and meson.build; building with {chosen} ({why};"
        " --build-system chooses the other)",
    )


def _documented(root: Path) -> tuple[str, str] | None:
    """The build system the first README/INSTALL naming a build command documents, and that file.

    One naming both commands documents the one it shows first.
    """
    for name in DOCS:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        shown = {
            system: found.start()
            for system, pattern in _DOCUMENTED.items()
            if (found := pattern.search(text))
        }
        if shown:  # both: the one shown first is the one its reader meets first
            return min(shown, key=shown.__getitem__), name
    return None
