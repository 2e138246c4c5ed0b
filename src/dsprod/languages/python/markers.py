"""Declared dependencies as conda match specs, judging environment markers per Python minor.

A noarch conda package has one list of dependencies for every Python it
installs on, so a marker is evaluated for each supported minor on linux-64:
the dependency is dropped when it never applies and kept (with a warning) when
it applies to only some.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rattler import Version as CondaVersion
from rattler import VersionSpec

from dsprod.conda.names import pypi_to_conda
from dsprod.errors import InputError
from dsprod.languages.python.requirements import Dependency
from dsprod.vcs.urls import without_credentials

# Python minor versions a noarch package may meet; markers are judged over these.
PYTHON_MINORS = tuple(range(8, 15))


def _marker_environment(minor: int) -> dict[str, str]:
    """The PEP 508 environment of CPython 3.<minor> on linux-64."""
    return marker_environment(f"3.{minor}.0")


def marker_environment(python_version: str) -> dict[str, str]:
    """The PEP 508 environment of CPython ``python_version`` (``3.11.7``) on linux-64."""
    major_minor = ".".join(python_version.split(".")[:2])
    return {
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "implementation_version": python_version,
        "os_name": "posix",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "platform_release": "",
        "platform_version": "",
        "python_version": major_minor,
        "python_full_version": python_version,
        "extra": "",
    }


_EXTRA_VARIABLE = re.compile(r"(?:^|[\s(])extra(?=\s)")


@dataclass
class Mapper:
    """Turns declared dependencies into conda match specs, reporting every lossy step."""

    minors: tuple[int, ...]
    warnings: list[str]

    @property
    def pythons(self) -> str:
        first, last = self.minors[0], self.minors[-1]
        return f"3.{first}" if first == last else f"3.{first} .. 3.{last}"

    def specs(self, dependencies: Iterable[Dependency]) -> list[str]:
        specs: list[str] = []
        for dependency in dependencies:
            spec = self.spec(dependency)
            if spec is not None and spec not in specs:
                specs.append(spec)
        return specs

    def spec(self, dependency: Dependency) -> str | None:
        """The conda match spec for ``dependency``, or None when it never applies here."""
        label, marker = dependency.label, dependency.marker
        if marker is not None:
            if _EXTRA_VARIABLE.search(str(marker)):
                self.warnings.append(f"dropped {label}: its marker '{marker}' belongs to an extra")
                return None
            applies = {marker.evaluate(_marker_environment(minor)) for minor in self.minors}
            if applies == {False}:
                self.warnings.append(
                    f"dropped {label}: marker '{marker}' never applies on linux "
                    f"with python {self.pythons}"
                )
                return None
            if applies == {True, False}:
                self.warnings.append(
                    f"kept {label} although its marker '{marker}' applies to only some of "
                    f"python {self.pythons}: the noarch package cannot express that"
                )
        if dependency.extras:
            self.warnings.append(
                f"{label}: dropped extras [{','.join(dependency.extras)}]: conda packages have none"
            )
        if dependency.url:
            self.warnings.append(
                f"{label}: pip would install it from {without_credentials(dependency.url)};"
                " conda depends on it by name"
            )
        name = pypi_to_conda(dependency.name)
        return f"{name} {dependency.version}" if dependency.version else name


def for_build_python(
    dependencies: Iterable[Dependency], python_version: str
) -> tuple[list[Dependency], list[str]]:
    """Judge markers as a PEP 517 frontend does: for the one python that runs the build.

    A build happens once, with the host env's python, so unlike a run
    requirement of a noarch package nothing is left undecided: a requirement
    whose marker is false is left out (returned as a note, no action needed),
    one whose marker is true is kept without it. ``extra`` markers never apply
    (a build requirement has no extras to ask for).
    """
    environment = marker_environment(python_version)
    kept: list[Dependency] = []
    notes: list[str] = []
    for dependency in dependencies:
        marker = dependency.marker
        if marker is None:
            kept.append(dependency)
        elif marker.evaluate(environment):
            kept.append(replace(dependency, marker=None))
        else:
            notes.append(
                f"build requirement {dependency.label} left out: its marker '{marker}'"
                f" is false for python {python_version} on linux"
            )
    return kept, notes


def spec_name(spec: str) -> str:
    return spec.split(" ", 1)[0]


def python_minors(python_spec: str, where: str) -> tuple[int, ...]:
    """The minor versions of ``PYTHON_MINORS`` that ``python_spec`` allows (any patch level)."""
    if not python_spec:
        return PYTHON_MINORS
    try:
        spec = VersionSpec(python_spec)
    except Exception as error:  # rattler raises its own exception types
        raise InputError(f"{where}: invalid python version {python_spec!r}: {error}") from None
    minors = tuple(
        minor
        for minor in PYTHON_MINORS
        if any(spec.matches(CondaVersion(f"3.{minor}.{patch}")) for patch in range(20))
    )
    if not minors:
        raise InputError(f"{where}: {python_spec!r} allows none of python 3.8 .. 3.14")
    return minors
