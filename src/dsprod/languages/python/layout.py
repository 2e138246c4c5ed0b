"""Where the project's code and tests live: import packages, compiled sources, tests folder.

The recipe's import test and its noarch decision depend on the source tree,
not only on the metadata, so this module looks at the files.
"""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.build_system import COMPILED_BACKENDS
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


def _pyproject_packages(root: Path, tool: Table) -> tuple[list[tuple[str, Path]], list[Path]]:
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


def _setup_cfg_packages(root: Path, cfg: Table) -> tuple[list[tuple[str, Path]], list[Path]]:
    """Like ``_pyproject_packages``, from setup.cfg's ``[options]``."""
    options = cfg.sub("options")
    package_dir = cfg_pairs(options.string("package_dir"))
    base = root / package_dir.get("", "")
    modules = cfg_lines(options.string("py_modules"), commas=True)
    named = [(module, base / module) for module in modules]
    packages = options.string("packages") or ""
    if packages.strip().startswith("find"):
        where = cfg.sub("options.packages.find").string("where")
        return named, [root / where.strip() if where else base]
    for package in cfg_lines(packages, commas=True):
        top = package.split(".")[0]
        named.append((top, root / package_dir[top] if top in package_dir else base / top))
    return named, [base] if "" in package_dir else []


def _poetry_packages(root: Path, poetry: Table) -> list[tuple[str, Path]]:
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


def import_packages(
    root: Path, name: str, pyproject: Table | None, cfg: Table | None
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


def find_tests_dir(root: Path, pyproject: Table | None) -> str:
    """The project's tests folder (pytest ``testpaths`` first), relative to its git root."""
    candidates = ["tests", "test"]
    if pyproject is not None:
        options = pyproject.sub("tool").sub("pytest").sub("ini_options")
        testpaths = options.data.get("testpaths")
        candidates = (
            [testpaths] if isinstance(testpaths, str) else options.strings("testpaths")
        ) + candidates
    chosen = next((path for path in candidates if (root / path).is_dir()), "tests")
    return path_in_repository(root, chosen)
