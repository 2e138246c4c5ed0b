"""Assemble a ``ProjectInfo`` from a Python project's files: the one entry point."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.version import InvalidVersion, Version

from dsprod.conda.names import is_valid_conda_name, pypi_to_conda
from dsprod.errors import InputError
from dsprod.languages.python.about import classify_urls, find_license_files, license_expression
from dsprod.languages.python.build_system import (
    BACKEND_PACKAGES,
    check_scm_activation,
    host_build_specs,
    read_build_system,
)
from dsprod.languages.python.extensions import compilers_for, extension_modules
from dsprod.languages.python.layout import find_tests_dirs, has_compiled_code, import_packages
from dsprod.languages.python.markers import Mapper, for_build_python, python_minors, spec_name
from dsprod.languages.python.metadata import Metadata
from dsprod.languages.python.pep621 import read_pep621
from dsprod.languages.python.poetry import read_poetry
from dsprod.languages.python.requirements import Dependency, expand_compatible
from dsprod.languages.python.setup_cfg import load_setup_cfg, read_setup_cfg
from dsprod.languages.python.tables import Table, load_toml
from dsprod.languages.python.test_deps import read_test_dependencies
from dsprod.project import ProjectInfo
from dsprod.vcs.scm import VersionInfo


def read_python_project(
    root: Path, version: VersionInfo, build_python: str | None = None
) -> ProjectInfo:
    """Read ``root``'s pyproject.toml / setup.cfg; raise ``InputError`` naming file and field.

    ``build_python`` is the version of the python the build will run with, once
    the channels that decide it are known (``frontend.py``): markers of the build
    requirements are then judged for it alone, as pip judges them. Without it
    they are judged like run requirements, over every python the project supports.
    """
    pyproject_file, cfg_file = root / "pyproject.toml", root / "setup.cfg"
    if not pyproject_file.is_file() and not cfg_file.is_file():
        raise InputError(f"no pyproject.toml or setup.cfg in {root}")
    pyproject = (
        Table(load_toml(pyproject_file), pyproject_file, "") if pyproject_file.is_file() else None
    )
    cfg = load_setup_cfg(cfg_file) if cfg_file.is_file() else None
    if pyproject is not None and "project" in pyproject.data:
        meta = read_pep621(pyproject)
    elif pyproject is not None and "name" in pyproject.sub("tool").sub("poetry").data:
        meta = read_poetry(pyproject)
    elif cfg is not None:
        meta = read_setup_cfg(cfg)
    else:
        raise InputError(f"{pyproject_file}: [project] name is missing")
    conda_name = pypi_to_conda(meta.name)
    if not is_valid_conda_name(conda_name):
        raise InputError(f"{meta.file}: name {meta.name!r} cannot be a conda package name")
    _check_static_version(meta, version)

    python_requires = expand_compatible(meta.python_spec) if meta.python_spec else None
    mapper = Mapper(python_minors(meta.python_spec, meta.python_field), meta.warnings)
    python = f"python {python_requires}" if python_requires else "python"

    build_system = read_build_system(pyproject)
    backend = build_system.backend
    check_scm_activation(root, pyproject, backend, build_system.requires, meta)
    build_requires, notes = (
        (build_system.requires, [])
        if build_python is None
        else for_build_python(build_system.requires, build_python)
    )
    build_specs = host_build_specs(mapper.specs(build_requires))
    backend_package = BACKEND_PACKAGES.get(backend)
    if backend_package and backend_package not in map(spec_name, build_specs):
        build_specs.append(backend_package)

    test_dependencies = read_test_dependencies(root, meta, pyproject, cfg)
    test_specs = mapper.specs(test_dependencies.required)
    optional_test_specs = mapper.specs(test_dependencies.optional)

    imports, package_folders = import_packages(root, meta.name, pyproject, cfg)
    noarch = not has_compiled_code(root, backend, pyproject, package_folders)
    compilers: tuple[str, ...] = ()
    if not noarch:
        compilers = _compilers(root, backend, pyproject, build_system.requires, meta, notes)
        imports += [name for name in extension_modules(root, pyproject) if name not in imports]
        if build_python is not None:
            python = _python_pin(build_python)
    tests_dirs, tests_notes = find_tests_dirs(root, imports, package_folders)
    urls = classify_urls(meta)
    license_files = find_license_files(root, meta)
    license = license_expression(root, meta, license_files)
    return ProjectInfo(
        root=root,
        language="python",
        name=meta.name,
        conda_name=conda_name,
        version=version,
        summary=meta.summary.strip(),
        license=license,
        license_files=license_files,
        homepage=urls.get("homepage"),
        repository=urls.get("repository"),
        documentation=urls.get("documentation"),
        build_backend=backend,
        host_requirements=(python, "pip", *build_specs),
        run_requirements=(python, *mapper.specs(meta.dependencies)),
        test_requirements=tuple(test_specs),
        optional_test_requirements=tuple(optional_test_specs),
        entry_points=_entry_points(meta),
        imports=tuple(imports),
        noarch=noarch,
        compilers=compilers,
        tests_dirs=tests_dirs,
        warnings=(*meta.warnings, *tests_notes),
        notes=tuple(notes),
    )


# A console script becomes a file in the environment's bin/ and a word in the
# recipe's test commands; anything but a plain name (no path, no shell syntax,
# no leading dash) is refused rather than carried there.
_SCRIPT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
# rattler-build accepts ASCII identifiers only (Python would take any).
_IDENTIFIERS = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_OBJECT_REFERENCE = re.compile(rf"{_IDENTIFIERS}\s*:\s*{_IDENTIFIERS}")


def _entry_points(meta: Metadata) -> tuple[str, ...]:
    """Console scripts as ``name = module:function``; anything else is an input error."""
    entry_points = []
    for name, target in meta.scripts.items():
        if not _SCRIPT_NAME.fullmatch(name):
            raise InputError(
                f"{meta.scripts_field}: {name!r} is not a console script name"
                " (letters, digits and _ . + -, not starting with . + -)"
            )
        if not _OBJECT_REFERENCE.fullmatch(target.strip()):
            raise InputError(f"{meta.scripts_field}: {name} = {target!r} is not module:function")
        entry_points.append(f"{name} = {target.strip()}")
    return tuple(entry_points)


def _compilers(
    root: Path,
    backend: str,
    pyproject: Table | None,
    build_requires: list[Dependency],
    meta: Metadata,
    notes: list[str],
) -> tuple[str, ...]:
    """The compilers of the languages the extensions are written in, and a note saying why."""
    compiled = compilers_for(root, backend, pyproject, [d.name for d in build_requires])
    if compiled.guessed:
        meta.warnings.append(
            f"{root}: the project compiles extensions but no build file or source says in which"
            " language: the recipe requires both compiler('c') and compiler('cxx')"
        )
    else:
        notes.append(f"compiled extensions: {'; '.join(compiled.reasons)}")
    return compiled.compilers


def _python_pin(build_python: str) -> str:
    """``python >=3.11,<3.12.0a0`` for a build with python 3.11.x: an extension module is
    built for one minor version's ABI. conda-forge's python carries this pin as a run export;
    the bootstrap channel's python has none, so the recipe writes it for host and run.
    ``<3.12.0a0``, not ``<3.12``: conda orders 3.12's pre-releases below 3.12."""
    major, minor = (int(part) for part in build_python.split(".")[:2])
    return f"python >={major}.{minor},<{major}.{minor + 1}.0a0"


def _check_static_version(meta: Metadata, version: VersionInfo) -> None:
    """Warn when the project pins a version that differs from the one dsprod builds."""
    if not meta.static_version:
        return
    try:
        same = Version(meta.static_version) == Version(version.pep440)
    except InvalidVersion:
        same = meta.static_version == version.pep440
    if not same:
        meta.warnings.append(
            f"{meta.file} declares the static version {meta.static_version}: pip metadata will "
            f"say so while the conda package is {version.conda} (from git)"
        )
