"""Declared requirements (PEP 508, PEP 440, poetry constraints) as conda version specs.

The project states its requirements in pip's or poetry's spelling; the recipe
needs conda's. Every parse error names the file and field it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from dsprod.conda.specs import conda_version_spec
from dsprod.errors import InputError
from dsprod.languages.python.tables import first_line


@dataclass(frozen=True)
class Dependency:
    """One declared dependency, its version already spelled as a conda version spec."""

    name: str
    version: str = ""
    """Conda version spec; empty when any version will do."""
    extras: tuple[str, ...] = ()
    marker: Marker | None = None
    url: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()


def parse_requirement(text: str, where: str) -> Dependency:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise InputError(f"{where}: invalid requirement {text!r}: {first_line(error)}") from None
    return Dependency(
        name=requirement.name,
        version=conda_version_spec(requirement.specifier),
        extras=tuple(sorted(requirement.extras)),
        marker=requirement.marker,
        url=requirement.url,
    )


def pep440_to_conda(text: str, where: str) -> str:
    try:
        return conda_version_spec(SpecifierSet(text))
    except InvalidSpecifier as error:
        raise InputError(
            f"{where}: invalid version specifier {text!r}: {first_line(error)}"
        ) from None


def _version(text: str, where: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise InputError(f"{where}: invalid version {text!r}") from None


def _bump(release: tuple[int, ...], index: int) -> str:
    return ".".join(str(part) for part in (*release[:index], release[index] + 1))


def expand_compatible(spec: str) -> str:
    """``~=3.9`` -> ``>=3.9,<4``: the spelling conda users expect on ``python``."""

    def expand(clause: str) -> str:
        if not clause.startswith("~="):
            return clause
        release = Version(clause[2:]).release
        return f">={clause[2:]},<{_bump(release, len(release) - 2)}"

    return "|".join(
        ",".join(expand(clause) for clause in alternative.split(","))
        for alternative in spec.split("|")
    )


_POETRY_CLAUSE = re.compile(r"^(\^|~=|~|==|!=|>=|<=|>|<|=)?(.+)$")


def _poetry_clause(clause: str, where: str) -> list[str]:
    """One poetry constraint clause (``^1.2``, ``~1.2``, ``1.2.*``, ``>=1``) as conda clauses."""
    if clause == "*":
        return []
    match = _POETRY_CLAUSE.match(clause)
    operator, text = match.groups() if match else (None, clause)
    release = _version(text.removesuffix(".*"), where).release
    if operator == "^":
        first_nonzero = next((i for i, part in enumerate(release) if part), len(release) - 1)
        return [f">={text}", f"<{_bump(release, first_nonzero)}"]
    if operator == "~":
        return [f">={text}", f"<{_bump(release, min(1, len(release) - 1))}"]
    if operator in (None, "=", "=="):
        return [f"=={text}"]
    return [f"{operator}{text}"]


def poetry_to_conda(text: str, where: str) -> str:
    """A poetry version constraint (caret, tilde, wildcard, ``||``) as a conda version spec."""
    alternatives = []
    for alternative in re.split(r"\|\|?", text):
        tight = re.sub(r"(\^|~=?|[<>=!]=?)\s+", r"\1", alternative.strip())
        clauses = [
            c
            for clause in re.split(r"[,\s]+", tight)
            if clause
            for c in _poetry_clause(clause, where)
        ]
        if not clauses:
            return ""  # one alternative accepts any version, so the whole constraint does
        alternatives.append(",".join(clauses))
    return "|".join(alternatives)


def python_marker(conda_spec: str) -> str:
    """A conda spec on python as a PEP 508 marker (poetry's per-dependency ``python`` key)."""
    return " or ".join(
        "("
        + " and ".join(
            f'python_full_version {m.group(1)} "{m.group(2)}"'
            for m in (re.match(r"(~=|==|!=|>=|<=|>|<)(.+)", clause) for clause in alt.split(","))
            if m
        )
        + ")"
        for alt in conda_spec.split("|")
    )


def parse_marker(text: str, where: str) -> Marker:
    try:
        return Marker(text)
    except InvalidMarker as error:
        raise InputError(f"{where}: invalid marker {text!r}: {first_line(error)}") from None
