"""The ``extra.dsprod`` contract: what a package records for the stages after its build.

A package found later in a channel must say, by itself, which commit and
repository it was built from, which language's test runner applies, where the
tests are and what they need, and the PEP 440 version promotion judges. Recipe
writers put it in the recipe (``about.extra`` in the built package) and
``artifact.py`` reads it back, both through this one class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

KEY = "dsprod"
"""The key under the recipe's ``extra`` (and the package's ``about.json`` ``extra``)."""


@dataclass(frozen=True)
class DsprodExtra:
    """The values under ``extra.dsprod``; None or empty when a package does not record one."""

    commit: str | None = None
    """The git commit the package was built from."""
    pep440_version: str | None = None
    """The PEP 440 version it was built as (finality is judged on it)."""
    repository: str | None = None
    """Where that commit's repository lives (a URL without credentials, or a folder)."""
    language: str | None = None
    """Which language's test runner applies (``python``, ``r`` ...)."""
    project_dir: str | None = None
    """The project's folder, relative to the repository root (``.`` at the root): where the
    test runner's configuration is."""
    tests_dirs: tuple[str, ...] = ()
    """The project's tests folders, relative to the repository root (packages built before
    there could be several recorded one as ``tests_dir``; it is read as a one-item list)."""
    test_requirements: tuple[str, ...] = ()
    """What the project's own test suite needs besides the package."""
    optional_test_requirements: tuple[str, ...] = ()
    """What the tests use when it is there (R's Suggests): the test env takes those the
    channels have and leaves out the rest with a warning naming them."""
    test_args: tuple[str, ...] = ()
    """Extra test-runner arguments a maintained recipe asks for (e.g. a pytest marker)."""
    build_system: str | None = None
    """How a compiled project builds (``cmake``, ``meson``, ``make``): how its tests build."""
    test_options: tuple[str, ...] = ()
    """Configure options that switch the project's tests on (``-DBUILD_TESTING=ON``)."""

    def to_mapping(self) -> dict[str, Any]:
        """The recipe's ``extra.dsprod`` mapping, in field order, empty values left out."""
        mapping: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value not in (None, "", ()):
                mapping[item.name] = list(value) if isinstance(value, tuple) else value
        return mapping

    @classmethod
    def from_about(cls, about: Mapping[str, Any]) -> DsprodExtra:
        """Read a built package's ``about.json``; values of the wrong type count as absent."""
        extra = about.get("extra")
        recorded = extra.get(KEY) if isinstance(extra, Mapping) else None
        if not isinstance(recorded, Mapping):
            return cls()

        def text(key: str) -> str | None:
            value = recorded.get(key)
            return value if isinstance(value, str) and value else None

        def texts(key: str) -> tuple[str, ...]:
            value = recorded.get(key)
            return tuple(str(item) for item in value) if isinstance(value, list) else ()

        return cls(
            commit=text("commit"),
            pep440_version=text("pep440_version"),
            repository=text("repository"),
            language=text("language"),
            project_dir=text("project_dir"),
            tests_dirs=texts("tests_dirs") or tuple(filter(None, [text("tests_dir")])),
            test_requirements=texts("test_requirements"),
            optional_test_requirements=texts("optional_test_requirements"),
            test_args=texts("test_args"),
            build_system=text("build_system"),
            test_options=texts("test_options"),
        )
