"""Where the project's code and tests live: import packages, compiled sources, tests folder.

The recipe's import test and its noarch decision depend on the source tree,
not only on the metadata, so this module looks at the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.build_system import COMPILED_BACKENDS
from dsprod.languages.python.pytest_config import find_config
from dsprod.languages.python.setup_cfg import cfg_lines, cfg_pairs
from dsprod.languages.python.tables import Table
from dsprod.vcs.git import path_in_repository

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


@dataclass(frozen=True)
class _Search:
    """A folder whose top-level packages are auto-discovered, with ``find``'s patterns."""

    folder: Path
    include: tuple[str, ...] = ()
    """Names to take (any name, but the never-packages, when empty)."""
    exclude: tuple[str, ...] = ()


def _pyproject_packages(
    root: Path, name: str, pyproject: Table
) -> tuple[list[tuple[str, Path]], list[_Search]]:
    """Import packages named by ``[tool.*]`` build configuration, and folders to search.

    Returns ``(name, folder)`` pairs (the folder may not exist: single modules)
    and search roots for auto-discovery.
    """
    tool = pyproject.sub("tool")
    setuptools = tool.sub("setuptools")
    package_dir = setuptools.string_map("package-dir")
    base = root / package_dir.get("", "")
    named = [(module, base / module) for module in setuptools.strings("py-modules")]
    roots: list[_Search] = []
    if isinstance(setuptools.data.get("packages"), dict):
        find = setuptools.sub("packages").sub("find")
        patterns = tuple(find.strings("include")), tuple(find.strings("exclude"))
        wheres = find.strings("where")
        roots += [_Search(root / where, *patterns) for where in wheres] or [
            _Search(base, *patterns)
        ]
    else:
        for package in setuptools.strings("packages"):
            top = package.split(".")[0]
            named.append((top, root / package_dir[top] if top in package_dir else base / top))
        if "" in package_dir:
            roots.append(_Search(base))
    named += _hatch_packages(root, tool.sub("hatch").sub("build"))
    named += _flit_module(root, name, pyproject)
    pdm_dir = tool.sub("pdm").sub("build").string("package-dir")
    if pdm_dir:
        roots.append(_Search(root / pdm_dir))
    return named + _poetry_packages(root, tool.sub("poetry")), roots


def _hatch_packages(root: Path, build: Table) -> list[tuple[str, Path]]:
    """The wheel's top-level names from hatch's ``packages``, or ``only-include`` + ``sources``.

    The wheel target's options override ``[tool.hatch.build]``'s; ``sources``
    (a list of prefixes to strip, or a prefix-to-prefix table) say where each
    included path lands in the wheel. The sdist target is not read: what only
    it includes (``tests``) is not installed.
    """
    wheel = build.sub("targets").sub("wheel")
    target = wheel if {"packages", "only-include"} & wheel.data.keys() else build
    named = [(Path(path).name, root / path) for path in target.strings("packages")]
    sources_table = wheel if "sources" in wheel.data else build
    sources = sources_table.data.get("sources", [])
    if isinstance(sources, list):
        rewrite = {prefix.strip("/"): "" for prefix in sources_table.strings("sources")}
    else:
        rewrite = {
            key.strip("/"): value.strip("/")
            for key, value in sources_table.string_map("sources").items()
        }
    for path in target.strings("only-include"):
        landed = path.strip("/")
        for prefix, replacement in rewrite.items():
            if landed == prefix or landed.startswith(f"{prefix}/") or not prefix:
                landed = "/".join(filter(None, [replacement, landed[len(prefix) :].strip("/")]))
                break
        if landed and ((root / path).is_dir() or path.endswith(".py")):
            named.append((PurePosixPath(landed).parts[0].removesuffix(".py"), root / path))
    return named


def _flit_module(root: Path, name: str, pyproject: Table) -> list[tuple[str, Path]]:
    """flit's one module: ``[tool.flit.module] name``, else the project's name (``-`` -> ``_``).

    flit_core looks for it as a package or a ``.py`` file, in ``src/`` first.
    """
    module = pyproject.sub("tool").sub("flit").sub("module").string("name")
    backend = pyproject.sub("build-system").string("build-backend") or ""
    if not module and not backend.startswith("flit_core"):
        return []
    module = module or name.replace("-", "_").replace(".", "_")
    for folder in (root / "src", root):
        if (folder / module).is_dir() or (folder / f"{module}.py").is_file():
            return [(module, folder / module)]
    return [(module, root / module)]


def _setup_cfg_packages(root: Path, cfg: Table) -> tuple[list[tuple[str, Path]], list[_Search]]:
    """Like ``_pyproject_packages``, from setup.cfg's ``[options]``."""
    options = cfg.sub("options")
    package_dir = cfg_pairs(options.string("package_dir"))
    base = root / package_dir.get("", "")
    modules = cfg_lines(options.string("py_modules"), commas=True)
    named = [(module, base / module) for module in modules]
    packages = options.string("packages") or ""
    if packages.strip().startswith("find"):
        find = cfg.sub("options.packages.find")
        where = find.string("where")
        include = tuple(cfg_lines(find.string("include"), commas=True))
        exclude = tuple(cfg_lines(find.string("exclude"), commas=True))
        return named, [_Search(root / where.strip() if where else base, include, exclude)]
    for package in cfg_lines(packages, commas=True):
        top = package.split(".")[0]
        named.append((top, root / package_dir[top] if top in package_dir else base / top))
    return named, [_Search(base)] if "" in package_dir else []


def _poetry_packages(root: Path, poetry: Table) -> list[tuple[str, Path]]:
    """Poetry's ``packages`` that go into the wheel.

    An entry whose ``format`` leaves out ``wheel`` (``{include = "tests",
    format = "sdist"}``) is not installed, nor is one that ``exclude`` removes.
    """
    packages = poetry.data.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise InputError(f"{poetry.field('packages')} must be a list of tables")
    excluded = poetry.strings("exclude")
    found = []
    for package in packages:
        include, source = package.get("include"), package.get("from", "")
        if not isinstance(include, str) or not isinstance(source, str):
            raise InputError(f"{poetry.field('packages')}: include and from must be strings")
        formats = package.get("format", ["sdist", "wheel"])
        formats = [formats] if isinstance(formats, str) else formats
        if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
            raise InputError(f"{poetry.field('packages')}: format must be a string or list")
        if "wheel" not in formats or any(char in include for char in "*?["):
            continue
        top = Path(include).parts[0].removesuffix(".py")
        path = PurePosixPath(source, top).as_posix()
        if not any(fnmatch(path, pattern.strip("/")) for pattern in excluded):
            found.append((top, root / source / top))
    return found


def _discover(search: _Search, project_module: str, *, flat: bool) -> list[str]:
    """Import packages (and, outside a flat layout, modules) directly inside a search folder.

    ``find``'s include and exclude patterns apply to packages; without include
    patterns, folders that are never the import package (tests, docs ...) are left out.
    """
    folder = search.folder
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir() and (entry / "__init__.py").is_file():
            wanted = (
                any(fnmatch(entry.name, pattern) for pattern in search.include)
                if search.include
                else entry.name not in _NOT_PACKAGES
            )
            excluded = any(fnmatch(entry.name, pattern) for pattern in search.exclude)
            if entry.name.isidentifier() and wanted and not excluded:
                found.append(entry.name)
        elif (
            entry.suffix == ".py"
            and entry.stem.isidentifier()
            and entry.stem not in _NOT_MODULES
            and (not flat or entry.stem == project_module)
        ):
            found.append(entry.stem)
    return found


def import_packages(
    root: Path, name: str, pyproject: Table | None, cfg: Table | None
) -> tuple[list[str], list[Path]]:
    """Top-level import names, the project's own name first, and their source folders."""
    project_module = canonicalize_name(name).replace("-", "_")
    named: list[tuple[str, Path]] = []
    roots: list[_Search] = []
    if pyproject is not None:
        named, roots = _pyproject_packages(root, name, pyproject)
    if cfg is not None:
        cfg_named, cfg_roots = _setup_cfg_packages(root, cfg)
        named, roots = named + cfg_named, roots + cfg_roots
    if not named:
        for search in roots or [_Search(root / "src"), _Search(root)]:
            flat = search.folder.resolve() == root.resolve()
            found = _discover(search, project_module, flat=flat)
            named = [(module, search.folder / module) for module in found]
            if named:
                break
    imports = list(dict.fromkeys(module for module, _ in named))
    imports.sort(key=lambda module: module != project_module)
    return imports or [project_module], [folder for _, folder in named if folder.is_dir()]


def has_compiled_code(
    root: Path, backend: str, pyproject: Table | None, package_folders: list[Path]
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


def find_tests_dirs(
    root: Path, imports: Sequence[str], package_folders: Sequence[Path]
) -> tuple[tuple[str, ...], list[str]]:
    """The project's tests folders, relative to its git root, and what was left out and why.

    Every ``testpaths`` entry of the configuration pytest would use in
    ``root`` (globs expanded, as pytest does) that holds tests outside the
    package's importable source; else ``tests/`` or ``test/``. An entry that
    is, holds or lies inside the source (``src/``: its doctests) is skipped: the
    installed package is what is tested, and exporting its source would shadow it.
    """
    config = find_config(root)
    entries = config.args("testpaths") if config is not None else []
    where = f"{config.path.name} {config.section} testpaths" if config is not None else ""
    source = _source_paths(root, imports, package_folders)
    chosen: list[Path] = []
    notes: list[str] = []
    for entry in entries:
        matches = sorted(root.glob(entry)) if any(c in entry for c in "*?[") else [root / entry]
        existing = [path for path in matches if path.exists()]
        if not existing:
            notes.append(f"{where}: '{entry}' does not exist: nothing of it is run")
        for path in existing:
            if any(_overlaps(path, folder) for folder in source):
                notes.append(
                    f"{where}: '{entry}' is the package's importable source: skipped (the tests"
                    " run against the installed package, without the source tree)"
                )
            else:
                chosen.append(path)
    if not chosen:
        chosen = [
            next((root / n for n in ("tests", "test") if (root / n).is_dir()), root / "tests")
        ]
        if entries:
            notes.append(
                f"{where}: no entry holds tests outside the source; running '{chosen[0].name}/'"
            )
    folders = (path_in_repository(root, path.relative_to(root).as_posix()) for path in chosen)
    return tuple(dict.fromkeys(folders)), notes


def _source_paths(
    root: Path, imports: Sequence[str], package_folders: Sequence[Path]
) -> list[Path]:
    """The package folders and module files, and the folders they sit in besides ``root`` (src/)."""
    modules = [
        path
        for module in imports
        for path in (root / "src" / f"{module}.py", root / f"{module}.py")
        if path.is_file()
    ]
    found = [*package_folders, *modules]
    parents = [path.parent for path in found if path.parent.resolve() != root.resolve()]
    return [path.resolve() for path in [*found, *parents]]


def _overlaps(path: Path, source: Path) -> bool:
    """True when ``path`` is ``source``, lies inside it, or holds it."""
    resolved = path.resolve()
    return resolved == source or source in resolved.parents or resolved in source.parents
