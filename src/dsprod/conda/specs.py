"""PEP 508 requirements -> conda match specs, one translation for recipes and bootstrap alike."""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from dsprod.conda.names import pypi_to_conda

_OPERATOR_ORDER = {">": 0, ">=": 0, "~=": 1, "==": 2, "===": 2, "!=": 3, "<=": 4, "<": 4}


def conda_version_spec(specifier: SpecifierSet) -> str:
    """PEP 440 specifiers as a conda version spec, lower bounds first.

    rattler reads every PEP 440 operator (``~=`` with PEP 440's meaning) except
    the arbitrary-equality ``===``, which becomes ``==``.
    """
    ordered = sorted(specifier, key=lambda spec: (_OPERATOR_ORDER[spec.operator], spec.version))
    return ",".join(
        ("==" if spec.operator == "===" else spec.operator) + spec.version for spec in ordered
    )


def conda_requirement(requirement: Requirement) -> str:
    """``name spec`` for conda: the name mapped to conda-forge's, extras and markers left out."""
    return f"{pypi_to_conda(requirement.name)} {conda_version_spec(requirement.specifier)}".strip()
