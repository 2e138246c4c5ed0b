"""The languages dsprod builds, and the choice between them.

Each language is a package here implementing ``base.Language``; this registry
is the only place that lists them. Detection asks them in order, so a folder
holding both an R ``DESCRIPTION`` and a ``pyproject.toml`` is an R package, and
a Python project built with CMake (scikit-build-core) stays Python.
"""

from __future__ import annotations

from pathlib import Path

from dsprod.errors import InputError
from dsprod.languages.base import Language
from dsprod.languages.c import C, CLanguage
from dsprod.languages.c.choose import BUILD_SYSTEMS
from dsprod.languages.python import PYTHON
from dsprod.languages.r import R
from dsprod.languages.recipe import RECIPE

LANGUAGES: dict[str, Language] = {language.name: language for language in (R, PYTHON, C, RECIPE)}
"""Every language, by the name packages record; in detection order."""


def detect(root: Path, build_system: str | None = None) -> Language:
    """The language of the project in ``root``.

    A ``build_system`` the user names (``--build-system``: one of C/C++'s) says the
    language, and which of the project's build systems reads and builds it.
    """
    if build_system is not None:
        if build_system not in BUILD_SYSTEMS:
            raise InputError(
                f"--build-system {build_system}: unknown (known: {', '.join(BUILD_SYSTEMS)})"
            )
        return CLanguage(build_system)
    for language in LANGUAGES.values():
        if language.detect(root):
            return language
    raise InputError(
        f"{root}: no project metadata found (pyproject.toml, setup.cfg, an R DESCRIPTION,"
        " CMakeLists.txt, meson.build, a Makefile or a maintained recipes/<name>/recipe.yaml)"
    )


def language_named(name: str | None, where: str) -> Language:
    """The language a package recorded (``extra.dsprod.language``); ``where`` names the package."""
    if name is None:
        raise InputError(
            f"{where} records no language (extra.dsprod.language): dsprod cannot tell how to"
            f" test it (known: {', '.join(LANGUAGES)})"
        )
    try:
        return LANGUAGES[name]
    except KeyError:
        raise InputError(
            f"{where} records language '{name}', which dsprod does not know"
            f" (known: {', '.join(LANGUAGES)})"
        ) from None
