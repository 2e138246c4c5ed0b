"""Checks over a built package before it may enter a channel (conda-verify's kind).

Packaging breaks things unit tests never see; these checks catch the ones that
can be seen from the package alone, and say all of what is wrong at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from conda_package_streaming.package_streaming import stream_conda_component
from rattler import Version as CondaVersion

from dsprod.artifact import Artifact
from dsprod.conda.names import is_valid_conda_name
from dsprod.errors import VerifyFailed

_TEXT_PROBE = 8192
_BINARY_SUFFIXES = (".so", ".dylib", ".dll", ".pyd")


@dataclass(frozen=True)
class Expected:
    """What the package must be, as dsprod computed it before the build."""

    name: str
    version: str
    """The conda version."""
    build: str
    commit: str
    pep440_version: str
    """The PEP 440 version promotion judges finality on (``extra.dsprod.pep440_version``)."""
    repository: str | None
    """Where the commit can be fetched again (``extra.dsprod.repository``); None: no origin."""
    language: str
    """Whose test runner applies (``extra.dsprod.language``)."""
    forbidden_paths: tuple[str, ...] = ()
    """Build-machine paths no package may hold: in ``info/`` of any package, in the
    payload of a noarch one (a compiled payload holds its build prefix by design)."""


def verify(
    artifact: Artifact,
    expected: Expected,
    language_problems: Iterable[str] = (),
    policy_problems: Iterable[str] = (),
) -> None:
    """Raise VerifyFailed listing every problem found, or return quietly.

    ``language_problems`` are what the project's language found (``Language.check_package``),
    ``policy_problems`` the rules of the unstable channel's policy the package breaks.
    """
    problems = [
        *_identity(artifact, expected),
        *_paths_inside_prefix(artifact),
        *_about(artifact),
        *language_problems,
        *policy_problems,
        *_build_machine_paths(artifact, expected),
    ]
    if artifact.subdir == "noarch":
        problems.extend(_compiled_libraries(artifact))
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise VerifyFailed(f"{artifact.filename} failed verification, not published:\n{listed}")


def _identity(artifact: Artifact, expected: Expected) -> Iterable[str]:
    """Every value the package records about itself must be what dsprod computed from git.

    Later stages trust these records (promotion judges finality on the PEP 440
    version, ``dsprod test`` fetches the tests of the recorded commit from the
    recorded repository), so a maintained recipe that hard-codes any of them
    would otherwise carry a wrong claim into the channels.
    """
    if not is_valid_conda_name(artifact.name):
        yield f"name '{artifact.name}' is not a valid conda package name"
    if artifact.name != expected.name:
        yield f"name is '{artifact.name}', expected '{expected.name}'"
    try:
        CondaVersion(artifact.version)
    except Exception:  # rattler raises its own parse error type
        yield f"version '{artifact.version}' is not a valid conda version"
    if artifact.version != expected.version:
        yield f"version is '{artifact.version}', expected '{expected.version}' (from git)"
    if artifact.build != expected.build:
        yield f"build string is '{artifact.build}', expected '{expected.build}'"
    extra = artifact.extra
    recorded = {
        "commit": (extra.commit, expected.commit),
        "pep440_version": (extra.pep440_version, expected.pep440_version),
        "repository": (extra.repository, expected.repository),
        "language": (extra.language, expected.language),
    }
    for key, (found, wanted) in recorded.items():
        if found == wanted:
            continue  # also both absent: a repository without an origin records none
        if found is None:
            yield f"extra.dsprod.{key} is not recorded; dsprod computed {wanted!r}"
        elif wanted is None:
            yield f"extra.dsprod.{key} is {found!r}, but dsprod computed none"
        else:
            yield f"extra.dsprod.{key} is {found!r}, but dsprod computed {wanted!r}"


def _paths_inside_prefix(artifact: Artifact) -> Iterable[str]:
    for entry in artifact.paths:
        path = PurePosixPath(entry["_path"])
        if path.is_absolute() or ".." in path.parts:
            yield f"file '{path}' lies outside the install prefix"


def _about(artifact: Artifact) -> Iterable[str]:
    if not artifact.about.get("license"):
        yield "no license in about (set it in the project metadata)"
    if not artifact.about.get("summary"):
        yield "no summary in about (set a description in the project metadata)"


def _compiled_libraries(artifact: Artifact) -> Iterable[str]:
    for entry in artifact.paths:
        if entry["_path"].endswith(_BINARY_SUFFIXES):
            yield f"noarch package holds a compiled library: {entry['_path']}"


def _build_machine_paths(artifact: Artifact, expected: Expected) -> Iterable[str]:
    """Text files holding a forbidden path: ``info/`` always, the payload of noarch packages.

    rattler-build writes build-machine paths into ``info/`` unless told not to
    (``info/recipe``, channel URLs in about.json): a regression there must fail
    here, not reach a channel. The one build path ``info/`` must hold is each
    prefix placeholder in ``info/paths.json``, which installers replace. A path
    counts only as a whole: a repository at ``/app`` is not found in
    ``webapp/`` or ``/application``.
    """
    needles = {
        path: re.compile(rb"(?<![\w.-])" + re.escape(path.encode()) + rb"(?![\w.-])")
        for path in expected.forbidden_paths
        if path
    }
    if not needles:
        return
    placeholders = {
        entry["prefix_placeholder"].encode()
        for entry in artifact.paths
        if entry.get("prefix_placeholder")
    }
    components = ("info", "pkg") if artifact.subdir == "noarch" else ("info",)
    for component in components:
        with artifact.path.open("rb") as stream:
            for tar, member in stream_conda_component(artifact.filename, stream, component):
                handle = tar.extractfile(member) if member.isfile() else None
                data = handle.read() if handle else b""
                if b"\0" in data[:_TEXT_PROBE]:
                    continue
                if member.name == "info/paths.json":
                    for placeholder in placeholders:
                        data = data.replace(placeholder, b"")
                for path, needle in needles.items():
                    if needle.search(data):
                        yield f"{member.name} contains the build-machine path {path}"
