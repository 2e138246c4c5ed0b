"""What a Python project's own tests need, from every place projects keep it.

Sources, in the order they are consulted:

1. PEP 735 ``[dependency-groups]``: ``test``, ``tests``, ``testing``; ``dev``
   (``{include-group = ...}`` expanded by the ``dependency-groups`` library).
2. Extras ``test``/``tests``/``testing`` (PEP 621, poetry, setup.cfg
   ``extras_require``) and setup.cfg's ``tests_require``.
3. Poetry groups ``test``/``tests``/``testing``; group ``dev`` and the old
   ``[tool.poetry.dev-dependencies]``.
4. Hatch environments ``test``/``tests``/``testing``/``hatch-test``; ``default``
   (``dependencies``, ``extra-dependencies``, ``features``), from
   ``[tool.hatch.envs]`` or hatch.toml's ``[envs]``.
5. PDM ``[tool.pdm.dev-dependencies]`` groups ``test``/``tests``/``testing``; ``dev``.
6. tox ``[testenv]`` ``deps`` (with ``-r`` files) and ``extras``.
7. Requirements files: ``requirements/test*.txt``, ``requirements-test*.txt``,
   ``requirements_test*.txt``, ``test-requirements.txt``,
   ``test_requirements.txt``; ``requirements-dev.txt``, ``requirements_dev.txt``,
   ``dev-requirements.txt``, ``requirements/dev*.txt`` (a pip-compile output
   is read from the ``.in`` file beside it: the ``.txt`` pins every
   transitive dependency to one exact version).

Sources named for tests (and tox's ``[testenv]``, which is how the project
runs its tests) are *required*: the test env must have them. Broad ``dev``
sources and tox lines conditional on a factor are *optional*: they mix in
tools and platform-specific extras a test env may not have, so the env takes
those the channels have. Developer tools (``dev_tools``) are dropped from
both, with one warning naming them.

pytest, which runs every Python project's tests, is always required.

One name, several sources: it is required if any required source names it.
A required name takes the first pin found in the required sources (in the
order above), an optional name the first pin in the optional ones, so a stale
pin in a dev file never touches a test requirement; a different later pin is
named in a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import dependency_groups
from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.dev_tools import tool_category
from dsprod.languages.python.metadata import TEST_EXTRAS, Metadata
from dsprod.languages.python.poetry import poetry_group
from dsprod.languages.python.requirement_files import RequirementLines
from dsprod.languages.python.requirements import Dependency, parse_requirement
from dsprod.languages.python.setup_cfg import cfg_lines
from dsprod.languages.python.tables import Table, first_line, load_toml
from dsprod.languages.python.tox import read_tox

TEST_GROUPS = TEST_EXTRAS
"""Group, environment and file names that hold what the tests need."""
DEV_GROUP = "dev"
"""The broad group that also holds the tests' needs, among the developer's tools."""

REQUIRED_FILE_GLOBS = (
    "requirements/test*.txt",
    "requirements-test*.txt",
    "requirements_test*.txt",
    "test-requirements.txt",
    "test_requirements.txt",
)
OPTIONAL_FILE_GLOBS = (
    "requirements-dev.txt",
    "requirements_dev.txt",
    "dev-requirements.txt",
    "requirements/dev*.txt",
)


@dataclass(frozen=True)
class Source:
    """One place a project lists test dependencies."""

    where: str
    required: bool
    dependencies: tuple[Dependency, ...]


@dataclass(frozen=True)
class TestDependencies:
    """Test dependencies merged across sources; a name is in at most one of the two."""

    __test__ = False  # not a pytest test class, despite its name

    required: tuple[Dependency, ...]
    optional: tuple[Dependency, ...]


def read_test_dependencies(
    root: Path, meta: Metadata, pyproject: Table | None, cfg: Table | None
) -> TestDependencies:
    """Every source's test dependencies, developer tools dropped, merged by name.

    What is dropped, made optional or pinned differently is said in ``meta.warnings``.
    """
    reader = RequirementLines(root, meta.name, meta.warnings)
    sources = [
        Source("dsprod's test runner", True, (Dependency("pytest"),)),
        *_dependency_groups(pyproject),
        *_extras(meta, cfg),
        *(_poetry(pyproject, meta.warnings) if pyproject else ()),
        *_hatch(root, pyproject, meta),
        *(_pdm(pyproject, reader) if pyproject else ()),
        *_tox(root, pyproject, reader),
        *_requirement_files(root, reader),
    ]
    sources, dropped = _drop_tools([_expand_self(source, meta) for source in sources])
    if dropped:
        meta.warnings.append(
            "test dependencies: left out developer tools the tests do not need: " + dropped
        )
    merged = _merge(sources, meta.warnings)
    if merged.optional:
        names = {canonicalize_name(d.name) for d in merged.optional}
        where = [
            s.where for s in sources if names & {canonicalize_name(d.name) for d in s.dependencies}
        ]
        meta.warnings.append(
            f"optional test dependencies (the test env takes those its channels have), from "
            f"{', '.join(where)}: {', '.join(d.name for d in merged.optional)}"
        )
    return merged


def _dependency_groups(pyproject: Table | None) -> Iterator[Source]:
    """PEP 735 groups; the library resolves ``include-group`` (and refuses cycles)."""
    if pyproject is None or "dependency-groups" not in pyproject.data:
        return
    table = pyproject.sub("dependency-groups")
    names: dict[str, str] = {canonicalize_name(name): name for name in table.data}
    for group in (*TEST_GROUPS, DEV_GROUP):
        if group not in names:
            continue
        where = table.field(names[group])
        try:
            texts = dependency_groups.resolve(table.data, names[group])
        except (ValueError, LookupError, TypeError) as error:
            raise InputError(f"{where}: {first_line(error)}") from None
        yield Source(
            f"pyproject.toml [dependency-groups] {names[group]}",
            group != DEV_GROUP,
            tuple(parse_requirement(text, where) for text in texts),
        )


def _extras(meta: Metadata, cfg: Table | None) -> Iterator[Source]:
    extras = [extra for extra in TEST_EXTRAS if extra in meta.extras]
    if extras:  # the metadata reader has expanded them into test_dependencies
        where = f"{meta.file.name} extras {', '.join(extras)}"
        yield Source(where, True, tuple(meta.test_dependencies))
    options = cfg.sub("options") if cfg else None
    if options is not None and options.string("tests_require"):
        field = options.field("tests_require")
        yield Source(
            "setup.cfg [options] tests_require",
            True,
            tuple(parse_requirement(t, field) for t in cfg_lines(options.string("tests_require"))),
        )


def _poetry(pyproject: Table, warnings: list[str]) -> Iterator[Source]:
    poetry = pyproject.sub("tool").sub("poetry")
    groups = poetry.sub("group").data
    for group in (*TEST_GROUPS, DEV_GROUP):
        if group in groups:
            yield Source(
                f"pyproject.toml [tool.poetry.group.{group}]",
                group != DEV_GROUP,
                tuple(poetry_group(poetry, group, warnings)),
            )
    if "dev-dependencies" in poetry.data:
        yield Source(
            "pyproject.toml [tool.poetry.dev-dependencies]",
            False,
            tuple(poetry_group(poetry, "dev-dependencies", warnings)),
        )


def _hatch(root: Path, pyproject: Table | None, meta: Metadata) -> Iterator[Source]:
    """Hatch environments; hatch.toml's ``[envs]`` wins over ``[tool.hatch.envs]``, as in hatch."""
    hatch_toml = root / "hatch.toml"
    in_toml = Table(load_toml(hatch_toml), hatch_toml, "") if hatch_toml.is_file() else None
    hatch = pyproject.sub("tool").sub("hatch") if pyproject is not None else None
    if in_toml is not None and "envs" in in_toml.data:
        envs, label = in_toml.sub("envs"), "hatch.toml [envs"
    elif hatch is not None and "envs" in hatch.data:
        envs, label = hatch.sub("envs"), "pyproject.toml [tool.hatch.envs"
    else:
        return
    for env in (*TEST_GROUPS, "hatch-test", "default"):
        if env not in envs.data:
            continue
        table = envs.sub(env)
        dependencies: list[Dependency] = []
        for key in ("dependencies", "extra-dependencies"):
            for text in table.strings(key):
                if "{" in text:  # hatch's context formatting ({root:uri} ...)
                    meta.warnings.append(
                        f"{table.field(key)}: {text!r} uses hatch context formatting; left out"
                    )
                else:
                    dependencies.append(parse_requirement(text, table.field(key)))
        dependencies += meta.extra_dependencies(table.strings("features"))
        yield Source(f"{label}.{env}]", env != "default", tuple(dependencies))


def _pdm(pyproject: Table, reader: RequirementLines) -> Iterator[Source]:
    groups = pyproject.sub("tool").sub("pdm").sub("dev-dependencies")
    for group in (*TEST_GROUPS, DEV_GROUP):
        if group in groups.data:
            where = groups.field(group)
            yield Source(
                f"pyproject.toml [tool.pdm.dev-dependencies] {group}",
                group != DEV_GROUP,
                tuple(reader.lines(((where, text) for text in groups.strings(group)), reader.root)),
            )


def _tox(root: Path, pyproject: Table | None, reader: RequirementLines) -> Iterator[Source]:
    tox = read_tox(root, pyproject, reader)
    if tox is not None:
        yield Source(f"{tox.where} deps", True, tuple(tox.every_env))
        if tox.some_envs:
            yield Source(f"{tox.where} deps (factor-conditional)", False, tuple(tox.some_envs))


def _requirement_files(root: Path, reader: RequirementLines) -> Iterator[Source]:
    for globs, required in ((REQUIRED_FILE_GLOBS, True), (OPTIONAL_FILE_GLOBS, False)):
        for path in sorted({path for pattern in globs for path in root.glob(pattern)}):
            compiled_from = path.with_suffix(".in")
            if compiled_from.is_file():
                reader.warnings.append(
                    f"{reader.where(path)}: read {compiled_from.name} beside it instead"
                    " (a compiled file pins every transitive dependency to one version)"
                )
                path = compiled_from
            yield Source(reader.where(path), required, tuple(reader.read_file(path)))


def _expand_self(source: Source, meta: Metadata) -> Source:
    """The project named among its own test dependencies stands for its extras (``.[test]``)."""
    own = canonicalize_name(meta.name)
    dependencies: list[Dependency] = []
    for dependency in source.dependencies:
        if canonicalize_name(dependency.name) == own:
            dependencies += meta.extra_dependencies(dependency.extras)
        else:
            dependencies.append(dependency)
    return replace(source, dependencies=tuple(dependencies))


def _drop_tools(sources: list[Source]) -> tuple[list[Source], str]:
    """The sources without developer tools, and ``coverage (pytest-cov); linting (ruff)``."""
    dropped: dict[str, set[str]] = {}
    kept = []
    for source in sources:
        keep = []
        for dependency in source.dependencies:
            category = tool_category(dependency.name)
            if category is None:
                keep.append(dependency)
            else:
                dropped.setdefault(category, set()).add(canonicalize_name(dependency.name))
        kept.append(replace(source, dependencies=tuple(keep)))
    said = "; ".join(f"{c} ({', '.join(sorted(names))})" for c, names in sorted(dropped.items()))
    return kept, said


def _merge(sources: list[Source], warnings: list[str]) -> TestDependencies:
    """One dependency a name: required if any required source names it; pins as documented."""
    chosen: dict[str, Dependency] = {}
    pinned_by: dict[str, str] = {}
    required: set[str] = set()
    in_order = [s for s in sources if s.required] + [s for s in sources if not s.required]
    for source in in_order:
        for dependency in source.dependencies:
            key = canonicalize_name(dependency.name)
            if key not in chosen:
                chosen[key] = dependency
                pinned_by[key] = source.where
                if source.required:
                    required.add(key)
            elif not dependency.version or (key in required and not source.required):
                continue  # a required name takes its pin from required sources only
            elif not chosen[key].version:
                chosen[key] = replace(chosen[key], version=dependency.version)
                pinned_by[key] = source.where
            elif dependency.version != chosen[key].version:
                warnings.append(
                    f"test dependency {dependency.name}: kept {chosen[key].version} from"
                    f" {pinned_by[key]}, not {dependency.version} from {source.where}"
                )
    return TestDependencies(
        required=tuple(d for key, d in chosen.items() if key in required),
        optional=tuple(d for key, d in chosen.items() if key not in required),
    )
