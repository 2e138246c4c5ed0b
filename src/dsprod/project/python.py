"""Read a Python project's own metadata (pyproject.toml, setup.cfg) into a ``ProjectInfo``.

The project states its metadata once, for pip; dsprod reads it rather than
asking the user to repeat it in a recipe. Sources, in order of preference:
PEP 621 ``[project]``, poetry's ``[tool.poetry]``, setuptools' ``setup.cfg``.
Every step that cannot be mapped to conda exactly (environment markers,
extras, unknown licences) becomes a warning in the ``ProjectInfo``: a noarch
package that silently lost a dependency is worse than a loud one.

The version is never read from the project: dsprod computes it from git and the
build script forces the backend to use it.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from rattler import Version as CondaVersion
from rattler import VersionSpec

from dsprod.errors import InputError
from dsprod.project.model import ProjectInfo
from dsprod.recipe.licenses import spdx_expression, spdx_from_classifiers
from dsprod.recipe.names import is_valid_conda_name, pypi_to_conda
from dsprod.recipe.specs import conda_version_spec
from dsprod.version import VersionInfo

# Python minor versions a noarch package may meet; markers are judged over these.
PYTHON_MINORS = tuple(range(8, 15))

# PEP 517 backend module -> the conda package that provides it.
BACKEND_PACKAGES = {
    "setuptools.build_meta": "setuptools",
    "setuptools.build_meta:__legacy__": "setuptools",
    "hatchling.build": "hatchling",
    "flit_core.buildapi": "flit-core",
    "pdm.backend": "pdm-backend",
    "poetry.core.masonry.api": "poetry-core",
    "scikit_build_core.build": "scikit-build-core",
    "mesonpy": "meson-python",
    "maturin": "maturin",
}
# Backends that exist to compile extensions: their packages are never noarch.
COMPILED_BACKENDS = frozenset({"scikit_build_core.build", "mesonpy", "maturin"})
# What pip uses when a project has no [build-system] (PEP 517).
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"

TEST_EXTRAS = ("test", "tests", "testing")
POETRY_TEST_GROUPS = ("test", "tests", "testing", "dev")
DEFAULT_LICENSE_FILES = ("LICEN[CS]E*", "COPYING*")
_COMPILED_SUFFIXES = frozenset({".c", ".cc", ".cpp", ".cxx", ".pyx"})

# Top-level folders and modules of a flat layout that are never the import package
# (the same idea as setuptools' flat-layout auto-discovery exclusions).
# fmt: off
_NOT_PACKAGES = frozenset({
    "tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "tools",
    "tasks", "benchmarks", "benchmark", "build", "dist", "site", "venv", "env", "ci", "bin",
    "conda", "recipe", "recipes", "debian", "requirements", "data", "notebooks",
})
# fmt: on
_NOT_MODULES = frozenset({"setup", "conftest", "noxfile", "tasks", "fabfile", "manage"})

_URL_KINDS = {
    "homepage": "homepage",
    "home": "homepage",
    "repository": "repository",
    "repo": "repository",
    "source": "repository",
    "sourcecode": "repository",
    "code": "repository",
    "documentation": "documentation",
    "docs": "documentation",
}


# --------------------------------------------------------------------------- typed access


@dataclass(frozen=True)
class _Table:
    """A TOML/INI table plus where it came from, so type errors name the file and the field."""

    data: dict[str, Any]
    file: Path
    path: str
    """Dotted table name (``project``, ``tool.poetry``); empty for the document itself."""

    def field(self, key: str) -> str:
        return f"{self.file}: [{self.path}] {key}" if self.path else f"{self.file}: {key}"

    def sub(self, key: str) -> _Table:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise InputError(f"{self.field(key)} must be a table")
        return _Table(value, self.file, f"{self.path}.{key}" if self.path else key)

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{self.field(key)} must be a string")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InputError(f"{self.field(key)} must be a list of strings")
        return value

    def string_map(self, key: str) -> dict[str, str]:
        value = self.sub(key).data
        if not all(isinstance(item, str) for item in value.values()):
            raise InputError(f"{self.field(key)} must map names to strings")
        return value


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# --------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class _Dependency:
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


def _pep508(text: str, where: str) -> _Dependency:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise InputError(f"{where}: invalid requirement {text!r}: {_first_line(error)}") from None
    return _Dependency(
        name=requirement.name,
        version=conda_version_spec(requirement.specifier),
        extras=tuple(sorted(requirement.extras)),
        marker=requirement.marker,
        url=requirement.url,
    )


def _specifier(text: str, where: str) -> str:
    try:
        return conda_version_spec(SpecifierSet(text))
    except InvalidSpecifier as error:
        raise InputError(
            f"{where}: invalid version specifier {text!r}: {_first_line(error)}"
        ) from None


def _version(text: str, where: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise InputError(f"{where}: invalid version {text!r}") from None


def _bump(release: tuple[int, ...], index: int) -> str:
    return ".".join(str(part) for part in (*release[:index], release[index] + 1))


def _expand_compatible(spec: str) -> str:
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


def _poetry_constraint(text: str, where: str) -> str:
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


def _python_marker(conda_spec: str) -> str:
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


def _marker(text: str, where: str) -> Marker:
    try:
        return Marker(text)
    except InvalidMarker as error:
        raise InputError(f"{where}: invalid marker {text!r}: {_first_line(error)}") from None


# --------------------------------------------------------------------------- markers


def _marker_environment(minor: int) -> dict[str, str]:
    """The PEP 508 environment of CPython 3.<minor> on linux-64."""
    return {
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "implementation_version": f"3.{minor}.0",
        "os_name": "posix",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "platform_release": "",
        "platform_version": "",
        "python_version": f"3.{minor}",
        "python_full_version": f"3.{minor}.0",
        "extra": "",
    }


_EXTRA_VARIABLE = re.compile(r"(?:^|[\s(])extra(?=\s)")


@dataclass
class _Mapper:
    """Turns declared dependencies into conda match specs, reporting every lossy step."""

    minors: tuple[int, ...]
    warnings: list[str]

    @property
    def pythons(self) -> str:
        first, last = self.minors[0], self.minors[-1]
        return f"3.{first}" if first == last else f"3.{first} .. 3.{last}"

    def specs(self, dependencies: Iterable[_Dependency]) -> list[str]:
        specs: list[str] = []
        for dependency in dependencies:
            spec = self.spec(dependency)
            if spec is not None and spec not in specs:
                specs.append(spec)
        return specs

    def spec(self, dependency: _Dependency) -> str | None:
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
                f"{label}: pip would install it from {dependency.url}; conda depends on it by name"
            )
        name = pypi_to_conda(dependency.name)
        return f"{name} {dependency.version}" if dependency.version else name


def _spec_name(spec: str) -> str:
    return spec.split(" ", 1)[0]


def _python_minors(python_spec: str, where: str) -> tuple[int, ...]:
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


# --------------------------------------------------------------------------- metadata


@dataclass
class _Metadata:
    """What one metadata source declares, before any mapping to conda."""

    file: Path
    name: str
    static_version: str | None = None
    summary: str = ""
    license_text: str | None = None
    license_field: str = ""
    license_patterns: list[str] | None = None
    """Globs for the licence files; None means the usual LICENSE*/COPYING* names."""
    classifiers: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    python_spec: str = ""
    """Conda version spec of the python the project supports; empty when unrestricted."""
    python_field: str = ""
    dependencies: list[_Dependency] = field(default_factory=list)
    extras: dict[str, list[_Dependency]] = field(default_factory=dict)
    """Optional dependencies by normalised extra name (PEP 685)."""
    test_dependencies: list[_Dependency] = field(default_factory=list)
    scripts: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def extra_dependencies(
        self, names: Iterable[str], seen: set[str] | None = None
    ) -> list[_Dependency]:
        """The dependencies of the named extras, expanding the project's ``self[other]`` uses."""
        seen = set() if seen is None else seen
        found: list[_Dependency] = []
        for extra in map(canonicalize_name, names):
            if extra in seen:
                continue
            seen.add(extra)
            for dependency in self.extras.get(extra, []):
                if canonicalize_name(dependency.name) == canonicalize_name(self.name):
                    found += self.extra_dependencies(dependency.extras, seen)
                else:
                    found.append(dependency)
        return found


def load_pyproject(file: Path) -> dict[str, Any]:
    """The parsed ``pyproject.toml``; a syntax error becomes an ``InputError`` with its line."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{file}: invalid TOML: {_first_line(error)}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{file}: not UTF-8 text: {error.reason}") from None


def _read_pep621(pyproject: _Table) -> _Metadata:
    project = pyproject.sub("project")
    name = project.string("name")
    if not name:
        raise InputError(f"{project.field('name')} is missing")
    meta = _Metadata(file=pyproject.file, name=name, python_field=project.field("requires-python"))
    meta.static_version = project.string("version")
    meta.summary = project.string("description") or ""
    meta.classifiers = project.strings("classifiers")
    meta.urls = project.string_map("urls")
    meta.scripts = project.string_map("scripts")
    meta.python_spec = _specifier(
        project.string("requires-python") or "", project.field("requires-python")
    )
    meta.dependencies = [
        _pep508(text, project.field("dependencies")) for text in project.strings("dependencies")
    ]
    optional = project.sub("optional-dependencies")
    meta.extras = {
        canonicalize_name(extra): [
            _pep508(text, optional.field(extra)) for text in optional.strings(extra)
        ]
        for extra in optional.data
    }
    meta.test_dependencies = meta.extra_dependencies(TEST_EXTRAS)
    meta.test_dependencies += _poetry_groups(pyproject.sub("tool").sub("poetry"), meta.warnings)
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


def _license_file_patterns(project: _Table) -> list[str]:
    value = project.data["license-files"]
    if isinstance(value, dict):  # the pre-PEP 639 setuptools form {paths = [...]} / {globs = [...]}
        table = project.sub("license-files")
        return [_literal_glob(path) for path in table.strings("paths")] + table.strings("globs")
    return project.strings("license-files")


def _poetry_dependency(
    name: str, value: Any, where: str, warnings: list[str]
) -> tuple[_Dependency, bool]:
    """One ``[tool.poetry.dependencies]`` entry, and whether it is optional (an extra)."""
    if isinstance(value, str):
        return _Dependency(name, _poetry_constraint(value, where)), False
    if isinstance(value, list):
        warnings.append(f"{where}: several constraints for {name}; the recipe leaves it unpinned")
        return _Dependency(name), any(isinstance(v, dict) and v.get("optional") for v in value)
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
    python_spec = _poetry_constraint(python or "", where)
    if python_spec:
        conditions.append(f"({_python_marker(python_spec)})")
    source = next((value[key] for key in ("git", "path", "url", "file") if key in value), None)
    dependency = _Dependency(
        name=name,
        version=_poetry_constraint(version, where),
        extras=tuple(sorted(str(extra) for extra in extras)),
        marker=_marker(" and ".join(conditions), where) if conditions else None,
        url=str(source) if source is not None else None,
    )
    return dependency, bool(value.get("optional", False))


def _poetry_dependencies(
    table: _Table, warnings: list[str]
) -> tuple[list[_Dependency], list[_Dependency]]:
    """Required and optional dependencies of one poetry dependency table (without python)."""
    required, optional = [], []
    for name, value in table.data.items():
        if canonicalize_name(name) == "python":
            continue
        dependency, is_optional = _poetry_dependency(name, value, table.field(name), warnings)
        (optional if is_optional else required).append(dependency)
    return required, optional


def _poetry_groups(poetry: _Table, warnings: list[str]) -> list[_Dependency]:
    """Dependencies of poetry's test/dev groups (and the old ``dev-dependencies``)."""
    tables = [
        poetry.sub("group").sub(group).sub("dependencies")
        for group in POETRY_TEST_GROUPS
        if group in poetry.sub("group").data
    ]
    tables.append(poetry.sub("dev-dependencies"))
    found: list[_Dependency] = []
    for table in tables:
        required, optional = _poetry_dependencies(table, warnings)
        found += required + optional
    return found


def _read_poetry(pyproject: _Table) -> _Metadata:
    poetry = pyproject.sub("tool").sub("poetry")
    name = poetry.string("name")
    if not name:
        raise InputError(f"{pyproject.file}: [project] name is missing (and [tool.poetry] name)")
    dependencies = poetry.sub("dependencies")
    meta = _Metadata(file=pyproject.file, name=name, python_field=dependencies.field("python"))
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
    python = dependencies.data.get("python", "")
    if not isinstance(python, str):
        raise InputError(f"{dependencies.field('python')} must be a version string")
    meta.python_spec = _poetry_constraint(python, dependencies.field("python"))
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
    meta.test_dependencies += _poetry_groups(poetry, meta.warnings)
    return meta


def _poetry_scripts(scripts: _Table, warnings: list[str]) -> dict[str, str]:
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


def _load_setup_cfg(file: Path) -> _Table:
    """setup.cfg as nested dicts (section -> key -> raw value)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(file.read_text(encoding="utf-8"), source=str(file))
    except configparser.Error as error:
        errors = getattr(error, "errors", None)  # ParsingError lists (line, text) pairs
        line = getattr(error, "lineno", None) or (errors[0][0] if errors else None)
        where = f" (line {line})" if line else ""
        raise InputError(f"{file}: invalid setup.cfg{where}: {_first_line(error)}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{file}: not UTF-8 text: {error.reason}") from None
    return _Table({name: dict(parser[name]) for name in parser.sections()}, file, "")


def _cfg_lines(value: str | None, *, commas: bool = False) -> list[str]:
    """A setup.cfg list: one item a line (or comma-separated), ``#`` comments ignored."""
    items = (value or "").replace(",", "\n").splitlines() if commas else (value or "").splitlines()
    return [item.strip() for item in items if item.strip() and not item.strip().startswith("#")]


def _cfg_pairs(value: str | None) -> dict[str, str]:
    """``key = value`` lines (project_urls, console_scripts, package_dir)."""
    pairs = {}
    for line in _cfg_lines(value):
        key, _, item = line.partition("=")
        pairs[key.strip()] = item.strip()
    return pairs


def _read_setup_cfg(cfg: _Table) -> _Metadata:
    metadata, options = cfg.sub("metadata"), cfg.sub("options")
    name = metadata.string("name")
    if not name:
        raise InputError(f"{metadata.field('name')} is missing")
    meta = _Metadata(file=cfg.file, name=name, python_field=options.field("python_requires"))
    meta.static_version = metadata.string("version")
    meta.summary = " ".join((metadata.string("description") or "").split())
    if meta.summary.startswith(("file:", "attr:")):
        meta.warnings.append(f"{metadata.field('description')}: {meta.summary!r} not read")
        meta.summary = ""
    if metadata.string("license"):
        meta.license_text, meta.license_field = (
            metadata.string("license"),
            metadata.field("license"),
        )
    if metadata.string("license_files"):
        meta.license_patterns = _cfg_lines(metadata.string("license_files"), commas=True)
    meta.classifiers = _cfg_lines(metadata.string("classifiers"))
    meta.urls = _cfg_pairs(metadata.string("project_urls"))
    if metadata.string("url"):
        meta.urls.setdefault("Homepage", metadata.string("url") or "")
    meta.python_spec = _specifier(
        options.string("python_requires") or "", options.field("python_requires")
    )
    meta.dependencies = [
        _pep508(text, options.field("install_requires"))
        for text in _cfg_lines(options.string("install_requires"))
    ]
    extras = cfg.sub("options.extras_require")
    meta.extras = {
        canonicalize_name(extra): [_pep508(text, extras.field(extra)) for text in _cfg_lines(value)]
        for extra, value in extras.data.items()
    }
    meta.test_dependencies = meta.extra_dependencies(TEST_EXTRAS)
    meta.scripts = _cfg_pairs(cfg.sub("options.entry_points").string("console_scripts"))
    return meta


# --------------------------------------------------------------------------- build system


def _build_system(pyproject: _Table | None) -> tuple[str, list[_Dependency]]:
    """The PEP 517 backend and its requirements (setuptools' legacy backend by default)."""
    if pyproject is None or "build-system" not in pyproject.data:
        return DEFAULT_BACKEND, [_Dependency("setuptools")]
    build_system = pyproject.sub("build-system")
    backend = build_system.string("build-backend") or DEFAULT_BACKEND
    requires = [
        _pep508(text, build_system.field("requires")) for text in build_system.strings("requires")
    ]
    return backend, requires


# --------------------------------------------------------------------------- layout


def _pyproject_packages(root: Path, tool: _Table) -> tuple[list[tuple[str, Path]], list[Path]]:
    """Import packages named by ``[tool.*]`` build configuration, and folders to search.

    Returns ``(name, folder)`` pairs (the folder may not exist: single modules)
    and search roots for auto-discovery.
    """
    setuptools = tool.sub("setuptools")
    package_dir = setuptools.string_map("package-dir")
    base = root / package_dir.get("", "")
    named = [(module, base / module) for module in setuptools.strings("py-modules")]
    roots: list[Path] = []
    if isinstance(setuptools.data.get("packages"), dict):
        roots += [root / where for where in setuptools.sub("packages").sub("find").strings("where")]
        roots += [] if roots else [base]
    else:
        for package in setuptools.strings("packages"):
            top = package.split(".")[0]
            named.append((top, root / package_dir[top] if top in package_dir else base / top))
        if "" in package_dir:
            roots.append(base)
    wheel = tool.sub("hatch").sub("build").sub("targets").sub("wheel")
    named += [(Path(path).name, root / path) for path in wheel.strings("packages")]
    flit_module = tool.sub("flit").sub("module").string("name")
    if flit_module:
        in_src = root / "src" / flit_module
        named.append((flit_module, in_src if in_src.exists() else root / flit_module))
    pdm_dir = tool.sub("pdm").sub("build").string("package-dir")
    if pdm_dir:
        roots.append(root / pdm_dir)
    return named + _poetry_packages(root, tool.sub("poetry")), roots


def _setup_cfg_packages(root: Path, cfg: _Table) -> tuple[list[tuple[str, Path]], list[Path]]:
    """Like ``_pyproject_packages``, from setup.cfg's ``[options]``."""
    options = cfg.sub("options")
    package_dir = _cfg_pairs(options.string("package_dir"))
    base = root / package_dir.get("", "")
    modules = _cfg_lines(options.string("py_modules"), commas=True)
    named = [(module, base / module) for module in modules]
    packages = options.string("packages") or ""
    if packages.strip().startswith("find"):
        where = cfg.sub("options.packages.find").string("where")
        return named, [root / where.strip() if where else base]
    for package in _cfg_lines(packages, commas=True):
        top = package.split(".")[0]
        named.append((top, root / package_dir[top] if top in package_dir else base / top))
    return named, [base] if "" in package_dir else []


def _poetry_packages(root: Path, poetry: _Table) -> list[tuple[str, Path]]:
    packages = poetry.data.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise InputError(f"{poetry.field('packages')} must be a list of tables")
    found = []
    for package in packages:
        include, source = package.get("include"), package.get("from", "")
        if not isinstance(include, str) or not isinstance(source, str):
            raise InputError(f"{poetry.field('packages')}: include and from must be strings")
        if not any(char in include for char in "*?["):
            top = Path(include).parts[0].removesuffix(".py")
            found.append((top, root / source / top))
    return found


def _discover(folder: Path, project_module: str, *, flat: bool) -> list[str]:
    """Import packages (and, outside a flat layout, modules) directly inside ``folder``."""
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir() and (entry / "__init__.py").is_file():
            if entry.name.isidentifier() and entry.name not in _NOT_PACKAGES:
                found.append(entry.name)
        elif (
            entry.suffix == ".py"
            and entry.stem.isidentifier()
            and entry.stem not in _NOT_MODULES
            and (not flat or entry.stem == project_module)
        ):
            found.append(entry.stem)
    return found


def _import_packages(
    root: Path, name: str, pyproject: _Table | None, cfg: _Table | None
) -> tuple[list[str], list[Path]]:
    """Top-level import names, the project's own name first, and their source folders."""
    project_module = canonicalize_name(name).replace("-", "_")
    named: list[tuple[str, Path]] = []
    roots: list[Path] = []
    if pyproject is not None:
        named, roots = _pyproject_packages(root, pyproject.sub("tool"))
    if cfg is not None:
        cfg_named, cfg_roots = _setup_cfg_packages(root, cfg)
        named, roots = named + cfg_named, roots + cfg_roots
    if not named:
        for folder in roots or [root / "src", root]:
            flat = folder.resolve() == root.resolve()
            found = _discover(folder, project_module, flat=flat)
            named = [(module, folder / module) for module in found]
            if named:
                break
    imports = list(dict.fromkeys(module for module, _ in named))
    imports.sort(key=lambda module: module != project_module)
    return imports or [project_module], [folder for _, folder in named if folder.is_dir()]


def _has_compiled_code(
    root: Path, backend: str, pyproject: _Table | None, package_folders: list[Path]
) -> bool:
    """True when the build compiles extensions, so the package cannot be noarch."""
    if backend in COMPILED_BACKENDS:
        return True
    if pyproject is not None and "ext-modules" in pyproject.sub("tool").sub("setuptools").data:
        return True
    setup_py = root / "setup.py"
    if setup_py.is_file():
        text = setup_py.read_text(encoding="utf-8", errors="replace")
        if "Extension(" in text or "ext_modules" in text:
            return True
    return any(
        path.suffix in _COMPILED_SUFFIXES
        for folder in package_folders
        for path in folder.rglob("*")
    )


# --------------------------------------------------------------------------- about


def _license(meta: _Metadata) -> str | None:
    if meta.license_text:
        spdx = spdx_expression(meta.license_text)
        if spdx:
            return spdx
        meta.warnings.append(
            f"{meta.license_field} {meta.license_text!r} is not an SPDX expression; left out"
        )
    return spdx_from_classifiers(meta.classifiers, meta.warnings.append)


def _license_files(root: Path, meta: _Metadata) -> tuple[str, ...]:
    declared = meta.license_patterns is not None
    found: list[str] = []
    for pattern in meta.license_patterns if declared else DEFAULT_LICENSE_FILES:
        try:
            matches = sorted(
                p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file()
            )
        except (ValueError, NotImplementedError):
            raise InputError(
                f"{meta.file}: license file {pattern!r} is not a relative path"
            ) from None
        if declared and not matches:
            meta.warnings.append(f"{meta.file}: license file {pattern!r} matches no file; left out")
        found += [match for match in matches if match not in found]
    return tuple(found)


def _urls(urls: dict[str, str]) -> dict[str, str]:
    """homepage / repository / documentation from free-form URL labels (PEP 753 normalised)."""
    found: dict[str, str] = {}
    for label, url in urls.items():
        kind = _URL_KINDS.get(re.sub(r"[^a-z]", "", label.lower()))
        if kind:
            found.setdefault(kind, url)
    return found


def _tests_dir(root: Path, pyproject: _Table | None) -> str:
    """The project's tests folder (pytest ``testpaths`` first), relative to its git root."""
    candidates = ["tests", "test"]
    if pyproject is not None:
        options = pyproject.sub("tool").sub("pytest").sub("ini_options")
        testpaths = options.data.get("testpaths")
        candidates = (
            [testpaths] if isinstance(testpaths, str) else options.strings("testpaths")
        ) + candidates
    chosen = next((path for path in candidates if (root / path).is_dir()), "tests")
    resolved = root.resolve()
    git_root = next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), resolved)
    return (resolved / chosen).relative_to(git_root).as_posix()


# --------------------------------------------------------------------------- entry point


def read_python_project(root: Path, version: VersionInfo) -> ProjectInfo:
    """Read ``root``'s pyproject.toml / setup.cfg; raise ``InputError`` naming file and field."""
    pyproject_file, cfg_file = root / "pyproject.toml", root / "setup.cfg"
    if not pyproject_file.is_file() and not cfg_file.is_file():
        raise InputError(f"no pyproject.toml or setup.cfg in {root}")
    pyproject = (
        _Table(load_pyproject(pyproject_file), pyproject_file, "")
        if pyproject_file.is_file()
        else None
    )
    cfg = _load_setup_cfg(cfg_file) if cfg_file.is_file() else None
    if pyproject is not None and "project" in pyproject.data:
        meta = _read_pep621(pyproject)
    elif pyproject is not None and "name" in pyproject.sub("tool").sub("poetry").data:
        meta = _read_poetry(pyproject)
    elif cfg is not None:
        meta = _read_setup_cfg(cfg)
    else:
        raise InputError(f"{pyproject_file}: [project] name is missing")
    conda_name = pypi_to_conda(meta.name)
    if not is_valid_conda_name(conda_name):
        raise InputError(f"{meta.file}: name {meta.name!r} cannot be a conda package name")
    _check_static_version(meta, version)

    python_requires = _expand_compatible(meta.python_spec) if meta.python_spec else None
    mapper = _Mapper(_python_minors(meta.python_spec, meta.python_field), meta.warnings)
    python = f"python {python_requires}" if python_requires else "python"

    backend, build_requires = _build_system(pyproject)
    _check_scm_activation(root, pyproject, backend, build_requires, meta)
    build_specs = [
        spec for spec in mapper.specs(build_requires) if _spec_name(spec) not in ("python", "pip")
    ]
    backend_package = BACKEND_PACKAGES.get(backend)
    if backend_package and backend_package not in map(_spec_name, build_specs):
        build_specs.append(backend_package)

    test_specs = mapper.specs(meta.test_dependencies)
    if "pytest" not in map(_spec_name, test_specs):
        test_specs.insert(0, "pytest")

    imports, package_folders = _import_packages(root, meta.name, pyproject, cfg)
    urls = _urls(meta.urls)
    return ProjectInfo(
        root=root,
        language="python",
        name=meta.name,
        conda_name=conda_name,
        version=version,
        summary=meta.summary.strip(),
        license=_license(meta),
        license_files=_license_files(root, meta),
        homepage=urls.get("homepage"),
        repository=urls.get("repository"),
        documentation=urls.get("documentation"),
        build_backend=backend,
        host_requirements=(python, "pip", *build_specs),
        run_requirements=(python, *mapper.specs(meta.dependencies)),
        test_requirements=tuple(test_specs),
        python_requires=python_requires,
        entry_points=tuple(f"{name} = {target.strip()}" for name, target in meta.scripts.items()),
        imports=tuple(imports),
        noarch=not _has_compiled_code(root, backend, pyproject, package_folders),
        tests_dir=_tests_dir(root, pyproject),
        warnings=tuple(meta.warnings),
    )


def _check_static_version(meta: _Metadata, version: VersionInfo) -> None:
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


def _check_scm_activation(
    root: Path,
    pyproject: _Table | None,
    backend: str,
    build_requires: list[_Dependency],
    meta: _Metadata,
) -> None:
    """Warn when setuptools-scm is required but will not run, so the wheel says 0.0.0.

    setuptools-scm 8+ only acts on a ``[tool.setuptools_scm]`` table, the
    ``setuptools-scm[simple]`` extra, or ``use_scm_version`` in setup.py; without
    them ``SETUPTOOLS_SCM_PRETEND_VERSION`` is ignored too.
    """
    scm = next((d for d in build_requires if canonicalize_name(d.name) == "setuptools-scm"), None)
    if pyproject is None or scm is None or not backend.startswith("setuptools."):
        return
    dynamic = pyproject.sub("project").data.get("dynamic", [])
    setup_py = root / "setup.py"
    if (
        "version" not in dynamic
        or "setuptools_scm" in pyproject.sub("tool").data
        or "simple" in scm.extras
        or (setup_py.is_file() and "use_scm_version" in setup_py.read_text(errors="replace"))
    ):
        return
    meta.warnings.append(
        f"{meta.file}: setuptools-scm is required but stays inactive without a "
        "[tool.setuptools_scm] table (or setuptools-scm[simple]): the Python metadata in the "
        "package will say version 0.0.0"
    )
