"""Read PEP 621's ``[project]`` table of pyproject.toml into ``Metadata``."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.metadata import TEST_EXTRAS, Metadata
from dsprod.languages.python.requirements import parse_requirement, pep440_to_conda
from dsprod.languages.python.tables import Table


def read_pep621(pyproject: Table) -> Metadata:
    project = pyproject.sub("project")
    name = project.string("name")
    if not name:
        raise InputError(f"{project.field('name')} is missing")
    meta = Metadata(file=pyproject.file, name=name, python_field=project.field("requires-python"))
    meta.static_version = project.string("version")
    meta.summary = project.string("description") or ""
    meta.classifiers = project.strings("classifiers")
    meta.urls = project.string_map("urls")
    meta.scripts = project.string_map("scripts")
    meta.scripts_field = project.field("scripts")
    meta.python_spec = pep440_to_conda(
        project.string("requires-python") or "", project.field("requires-python")
    )
    meta.dependencies = [
        parse_requirement(text, project.field("dependencies"))
        for text in project.strings("dependencies")
    ]
    optional = project.sub("optional-dependencies")
    meta.extras = {
        canonicalize_name(extra): [
            parse_requirement(text, optional.field(extra)) for text in optional.strings(extra)
        ]
        for extra in optional.data
    }
    meta.test_dependencies = meta.extra_dependencies(TEST_EXTRAS)
    dynamic = project.strings("dynamic")
    if "dependencies" in dynamic:
        meta.warnings.append(
            f"{project.field('dynamic')}: dependencies are dynamic; dsprod cannot read them, "
            "so the recipe lists no run requirements from them"
        )

    license_value = project.data.get("license")
    if isinstance(license_value, str):
        meta.license_text, meta.license_field = license_value, project.field("license")
    elif isinstance(license_value, dict):
        table = project.sub("license")
        meta.license_text, meta.license_field = table.string("text"), table.field("text")
        if table.string("file"):
            meta.license_patterns = [_literal_glob(table.string("file") or "")]
    elif license_value is not None:
        raise InputError(f"{project.field('license')} must be a string or a table")
    if "license-files" in project.data:
        meta.license_patterns = _license_file_patterns(project)
    return meta


def _literal_glob(path: str) -> str:
    """A file name as a ``Path.glob`` pattern that matches only that name."""
    return re.sub(r"([*?[])", r"[\1]", path)


def _license_file_patterns(project: Table) -> list[str]:
    value = project.data["license-files"]
    if isinstance(value, dict):  # the pre-PEP 639 setuptools form {paths = [...]} / {globs = [...]}
        table = project.sub("license-files")
        return [_literal_glob(path) for path in table.strings("paths")] + table.strings("globs")
    return project.strings("license-files")
