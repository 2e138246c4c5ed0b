"""What a Python project's compiled extensions need: compilers by language, and build tools.

conda-forge names the compilers of the languages a package really compiles
(``compiler('c')`` for a C extension, ``compiler('cxx')`` for pybind11), and the
tools its build backend runs as commands (cmake and ninja for scikit-build-core,
meson and ninja for meson-python) as build requirements. This module tells
which, from the project's files, without running anything. In order:

1. What the build system enables: the languages of CMakeLists.txt's ``project()``
   (none named: CMake enables C and C++) for scikit-build-core, of meson.build's
   ``project()`` for meson-python; a compiler is needed for each, used or not.
2. The sources the build declares: ``Extension(...)`` calls in setup.py (read with
   ``ast``, never run: literal source lists and ``language=``) and pyproject's
   ``[tool.setuptools] ext-modules`` (``sources``, ``language``).
3. When neither says anything (a glob, ``cythonize``): the suffixes of every
   source file in the project folder, outside tests, docs, examples and build output.

C++ also when pybind11 or nanobind is a build requirement (both are C++
libraries), a ``Pybind11Extension``, ``language="c++"``, or a Cython file marked
``# distutils: language = c++``; Cython otherwise compiles to C. Nothing found:
C and C++, with a warning saying so.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.tables import Table

_ORDER = ("c", "cxx", "fortran", "rust")
_SUFFIXES = {
    ".c": "c",
    ".cc": "cxx",
    ".cpp": "cxx",
    ".cxx": "cxx",
    ".c++": "cxx",
    ".f": "fortran",
    ".f90": "fortran",
    ".f95": "fortran",
}
# Folders of a project that hold no extension sources (tests, docs, build output).
_NOT_SOURCES = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "build",
     "dist", "builddir", "_skbuild", "venv", "env"}
)  # fmt: skip
# Build requirements that are C++ libraries the extension is written against.
_CXX_LIBRARIES = frozenset({"pybind11", "nanobind"})
# rattler-build's import tests take ASCII identifiers only.
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_CYTHON_CXX = re.compile(r"#\s*distutils\s*:\s*language\s*=\s*c\+\+", re.IGNORECASE)
_CMAKE_LANGUAGES = {"C": "c", "CXX": "cxx", "FORTRAN": "fortran", "CUDA": "cxx"}
_CMAKE_LANGUAGE_WORDS = frozenset({*_CMAKE_LANGUAGES, "LANGUAGES", "OBJC", "OBJCXX", "ASM", "HIP"})
_MESON_LANGUAGES = {"c": "c", "cpp": "cxx", "cython": "c", "fortran": "fortran", "rust": "rust"}
# Commands a backend runs that are separate tools: the recipe's build requirements.
BUILD_TOOLS = {
    "scikit_build_core.build": ("cmake", "ninja"),
    "mesonpy": ("meson", "ninja"),
}


@dataclass(frozen=True)
class Compiled:
    """The compilers a project's extensions need, and how that was told."""

    compilers: tuple[str, ...]
    reasons: tuple[str, ...]
    """Where each language came from (a note for the user)."""
    guessed: bool = False
    """True when nothing told: C and C++ are a guess (the reader warns)."""


def compilers_for(
    root: Path, backend: str, pyproject: Table | None, build_requires: Sequence[str]
) -> Compiled:
    """The compilers the build of ``root`` needs, by rattler-build's names (module docstring)."""
    found: dict[str, str] = {}
    if backend == "maturin":
        found |= {"c": "maturin (Rust, with C shims)", "rust": "maturin"}
    declared = _build_system_languages(root, backend)
    declared += _setup_py_languages(root)
    if pyproject is not None:
        declared += _ext_modules_languages(root, pyproject)
    for language, reason in declared or _scanned_languages(root):
        found.setdefault(language, reason)
    for name in build_requires:
        if canonicalize_name(name) in _CXX_LIBRARIES:
            found.setdefault("cxx", f"{name} among the build requirements (a C++ library)")
    if not found:
        return Compiled(("c", "cxx"), (), guessed=True)
    compilers = tuple(language for language in _ORDER if language in found)
    return Compiled(compilers, tuple(f"{language}: {found[language]}" for language in compilers))


def _build_system_languages(root: Path, backend: str) -> list[tuple[str, str]]:
    """Languages CMakeLists.txt's or meson.build's ``project()`` enables."""
    if backend == "scikit_build_core.build":
        cmake = root / "CMakeLists.txt"
        if cmake.is_file():
            return _cmake_project_languages(cmake.read_text(encoding="utf-8", errors="replace"))
    if backend == "mesonpy":
        meson = root / "meson.build"
        if meson.is_file():
            return _meson_project_languages(meson.read_text(encoding="utf-8", errors="replace"))
    return []


def _cmake_project_languages(text: str) -> list[tuple[str, str]]:
    """``project(name [VERSION v] [LANGUAGES] C CXX ...)``; no language named: C and C++."""
    text = re.sub(r"#[^\n]*", "", text)
    match = re.search(r"\bproject\s*\(([^)]*)\)", text, re.IGNORECASE)
    if match is None:
        return []
    words = re.sub(r'"[^"]*"', " ", match.group(1)).split()[1:]  # DESCRIPTION "a C library"
    named = [word.upper() for word in words if word.upper() in _CMAKE_LANGUAGE_WORDS]
    if not named:
        reason = "CMakeLists.txt project() names no language (CMake enables C and C++)"
        return [("c", reason), ("cxx", reason)]
    return [
        (_CMAKE_LANGUAGES[word], f"CMakeLists.txt project() enables {word}")
        for word in named
        if word in _CMAKE_LANGUAGES
    ]


def _meson_project_languages(text: str) -> list[tuple[str, str]]:
    """The language strings of meson.build's ``project('name', 'c', 'cython', ...)``."""
    text = re.sub(r"#[^\n]*", "", text)
    match = re.search(r"\bproject\s*\(", text)
    if match is None:
        return []
    # positional arguments come first: they end at the first keyword or the closing ")"
    arguments = re.split(r"\b\w+\s*:|\)", text[match.end() :], maxsplit=1)[0]
    strings = re.findall(r"'([^']*)'", arguments)[1:]
    return [
        (_MESON_LANGUAGES[word], f"meson.build project() enables {word}")
        for word in strings
        if word in _MESON_LANGUAGES
    ]


def _setup_py_languages(root: Path) -> list[tuple[str, str]]:
    """Languages of the literal sources of setup.py's ``*Extension(...)`` calls."""
    found = []
    for called, call in _extension_calls(root):
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        sources_node = call.args[1] if len(call.args) > 1 else keywords.get("sources")
        language = _literal_strings(keywords.get("language"))
        where = f"setup.py {called}"
        if called == "Pybind11Extension" or language == ["c++"]:
            found.append(("cxx", f"{where} (C++)"))
        found += _languages_of(root, _literal_strings(sources_node), where)
    return found


def _extension_calls(root: Path) -> Iterable[tuple[str, ast.Call]]:
    """setup.py's calls of anything named ``*Extension`` (``Extension``, ``Pybind11Extension``)."""
    setup_py = root / "setup.py"
    if not setup_py.is_file():
        return
    try:
        tree = ast.parse(setup_py.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return
    for call in ast.walk(tree):
        if isinstance(call, ast.Call):
            function = call.func
            called = function.id if isinstance(function, ast.Name) else ""
            called = function.attr if isinstance(function, ast.Attribute) else called
            if called.endswith("Extension"):
                yield called, call


def extension_modules(root: Path, pyproject: Table | None) -> list[str]:
    """Dotted names of the extension modules setup.py or ``ext-modules`` declare literally.

    The recipe's import test imports each: a package whose ``__init__`` never
    imports its extension would otherwise pass it without the extension loading.
    """
    names = []
    for _, call in _extension_calls(root):
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        names += _literal_strings(call.args[0] if call.args else keywords.get("name"))[:1]
    if pyproject is not None:
        names += [name for table in _ext_module_tables(pyproject) if (name := table.string("name"))]
    return [name for name in dict.fromkeys(names) if _DOTTED_NAME.fullmatch(name)]


def _literal_strings(node: ast.expr | None) -> list[str]:
    """A string, or a list/tuple of strings, written literally; anything else: nothing."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        constants = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        return [value for value in constants if isinstance(value, str)]
    return []


def _ext_modules_languages(root: Path, pyproject: Table) -> list[tuple[str, str]]:
    """Languages of ``[tool.setuptools] ext-modules`` (``sources``, ``language``)."""
    found = []
    for index, table in enumerate(_ext_module_tables(pyproject)):
        where = f"pyproject.toml ext-modules {table.string('name') or index}"
        if table.string("language") == "c++":
            found.append(("cxx", f"{where} (C++)"))
        found += _languages_of(root, table.strings("sources"), where)
    return found


def _ext_module_tables(pyproject: Table) -> list[Table]:
    """``[[tool.setuptools.ext-modules]]``, each a table naming its place in the file."""
    setuptools = pyproject.sub("tool").sub("setuptools")
    modules = setuptools.data.get("ext-modules", [])
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise InputError(f"{setuptools.field('ext-modules')} must be an array of tables")
    return [
        Table(module, pyproject.file, f"tool.setuptools.ext-modules[{index}]")
        for index, module in enumerate(modules)
    ]


def _languages_of(root: Path, sources: Iterable[str], where: str) -> list[tuple[str, str]]:
    """The language of each source file by its suffix (a Cython file by its directive)."""
    found = []
    for source in sources:
        suffix = Path(source).suffix.lower()
        if suffix == ".pyx":
            found.append(_cython_language(root / source, where))
        elif suffix in _SUFFIXES:
            found.append((_SUFFIXES[suffix], f"{where} source {source}"))
    return found


def _cython_language(path: Path, where: str) -> tuple[str, str]:
    """C++ for a Cython file marked ``# distutils: language = c++``, else C."""
    head = path.read_text(encoding="utf-8", errors="replace")[:4096] if path.is_file() else ""
    if _CYTHON_CXX.search(head):
        return "cxx", f"{where} Cython source {path.name} (language = c++)"
    return "c", f"{where} Cython source {path.name}"


def _scanned_languages(root: Path) -> list[tuple[str, str]]:
    """The languages of every source file in the project, outside tests, docs and builds."""
    found = []
    for path in sorted(_source_files(root)):
        where = f"source file {path.relative_to(root).as_posix()}"
        if path.suffix.lower() == ".pyx":
            found.append(_cython_language(path, where))
        else:
            found.append((_SUFFIXES[path.suffix.lower()], where))
    return found


def _source_files(folder: Path) -> Iterable[Path]:
    """Source files under ``folder``; hidden entries, links (which may loop) and
    folders that hold no extension sources are skipped."""
    for entry in folder.iterdir():
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_dir() and entry.name not in _NOT_SOURCES:
            yield from _source_files(entry)
        elif entry.is_file() and (entry.suffix.lower() in _SUFFIXES or entry.suffix == ".pyx"):
            yield entry
