"""Read poetry's ``[tool.poetry]`` table of pyproject.toml into ``Metadata``.

Poetry spells constraints its own way (caret, tilde, per-dependency ``python``)
and keeps test dependencies in groups (read by ``test_deps``); both are translated here.
"""

from __future__ import annotations

from typing import Any

from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.metadata import TEST_EXTRAS, Metadata
from dsprod.languages.python.requirements import (
    Dependency,
    parse_marker,
    poetry_to_conda,
    python_marker,
)
from dsprod.languages.python.tables import Table


def _poetry_dependency(
    name: str, value: Any, where: str, warnings: list[str]
) -> tuple[Dependency, bool]:
    """One ``[tool.poetry.dependencies]`` entry, and whether it is optional (an extra)."""
    if isinstance(value, str):
        return Dependency(name, poetry_to_conda(value, where)), False
    if isinstance(value, list):
        warnings.append(f"{where}: several constraints for {name}; the recipe leaves it unpinned")
        return Dependency(name), any(isinstance(v, dict) and v.get("optional") for v in value)
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a version string or a table")
    version = value.get("version", "*")
    markers = value.get("markers")
    python = value.get("python")
    extras = value.get("extras", [])
    if not isinstance(version, str) or not isinstance(markers, str | None):
        raise InputError(f"{where}: version and markers must be strings")
    if not isinstance(python, str | None) or not isinstance(extras, list):
        raise InputError(f"{where}: python must be a string and extras a list")
    conditions = [f"({markers})"] if markers else []
    python_spec = poetry_to_conda(python or "", where)
    if python_spec:
        conditions.append(f"({python_marker(python_spec)})")
    source = next((value[key] for key in ("git", "path", "url", "file") if key in value), None)
    dependency = Dependency(
        name=name,
        version=poetry_to_conda(version, where),
        extras=tuple(sorted(str(extra) for extra in extras)),
        marker=parse_marker(" and ".join(conditions), where) if conditions else None,
        url=str(source) if source is not None else None,
    )
    return dependency, bool(value.get("optional", False))


def _poetry_dependencies(
    table: Table, warnings: list[str]
) -> tuple[list[Dependency], list[Dependency]]:
    """Required and optional dependencies of one poetry dependency table (without python)."""
    required: list[Dependency] = []
    optional: list[Dependency] = []
    for name, value in table.data.items():
        if canonicalize_name(name) == "python":
            continue
        dependency, is_optional = _poetry_dependency(name, value, table.field(name), warnings)
        (optional if is_optional else required).append(dependency)
    return required, optional


def poetry_group(poetry: Table, group: str, warnings: list[str]) -> list[Dependency]:
    """Every dependency of ``[tool.poetry.group.<group>]`` (or the old ``dev-dependencies``)."""
    if group == "dev-dependencies":
        table = poetry.sub("dev-dependencies")
    else:
        table = poetry.sub("group").sub(group).sub("dependencies")
    required, optional = _poetry_dependencies(table, warnings)
    return required + optional


def read_poetry(pyproject: Table) -> Metadata:
    poetry = pyproject.sub("tool").sub("poetry")
    name = poetry.string("name")
    if not name:
        raise InputError(f"{pyproject.file}: [project] name is missing (and [tool.poetry] name)")
    dependencies = poetry.sub("dependencies")
    meta = Metadata(file=pyproject.file, name=name, python_field=dependencies.field("python"))
    meta.static_version = poetry.string("version")
    meta.summary = poetry.string("description") or ""
    meta.classifiers = poetry.strings("classifiers")
    if poetry.string("license"):
        meta.license_text, meta.license_field = poetry.string("license"), poetry.field("license")
    meta.urls = {
        key: value
        for key in ("homepage", "repository", "documentation")
        if (value := poetry.string(key))
    }
    meta.urls.update(poetry.string_map("urls"))
    meta.scripts = _poetry_scripts(poetry.sub("scripts"), meta.warnings)
    meta.scripts_field = poetry.field("scripts")
    python = dependencies.data.get("python", "")
    if not isinstance(python, str):
        raise InputError(f"{dependencies.field('python')} must be a version string")
    meta.python_spec = poetry_to_conda(python, dependencies.field("python"))
    meta.dependencies, optional = _poetry_dependencies(dependencies, meta.warnings)
    by_name = {canonicalize_name(dependency.name): dependency for dependency in optional}
    extras = poetry.sub("extras")
    meta.extras = {
        canonicalize_name(extra): [
            by_name[canonicalize_name(dependency)]
            for dependency in extras.strings(extra)
            if canonicalize_name(dependency) in by_name
        ]
        for extra in extras.data
    }
    meta.test_dependencies = meta.extra_dependencies(TEST_EXTRAS)
    return meta


def _poetry_scripts(scripts: Table, warnings: list[str]) -> dict[str, str]:
    found = {}
    for name, value in scripts.data.items():
        if isinstance(value, str):
            found[name] = value
        elif (
            isinstance(value, dict)
            and isinstance(value.get("reference"), str)
            and (value.get("type", "console") == "console")
        ):
            found[name] = value["reference"]
        elif isinstance(value, dict) and isinstance(value.get("callable"), str):
            found[name] = value["callable"]
        else:
            warnings.append(f"{scripts.field(name)}: not a console script; left out")
    return found
