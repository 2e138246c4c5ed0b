"""Read a plain-Makefile project: it must have an ``install`` target honouring PREFIX/DESTDIR.

A Makefile says nothing declarative about itself, so dsprod only checks the
one thing its recipe relies on, with make's own dry run: ``make -n install
PREFIX=... DESTDIR=...`` succeeds and its commands use the DESTDIR given. The
name is the folder's and the version comes from git tags alone (both said in a
note); which compilers the build calls is read from the dry-run of the default
target (``make -n``), where ``$(CC)``/``$(CXX)`` appear as the compilers make
resolves them to.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from dsprod.errors import InputError
from dsprod.languages.c.plan import BuildPlan

FAKE_PREFIX = "/dsprod-install-prefix"
FAKE_DESTDIR = "/dsprod-destdir"
C_COMPILERS = frozenset({"cc", "gcc", "clang", "$(CC)"})
CXX_COMPILERS = frozenset({"c++", "g++", "clang++", "$(CXX)"})
MAKEFILES = ("GNUmakefile", "makefile", "Makefile")


def makefile_of(root: Path) -> Path | None:
    """The Makefile GNU make would read in ``root``, if any."""
    return next((root / name for name in MAKEFILES if (root / name).is_file()), None)


def _dry_run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["make", "-n", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise InputError(f"{root}: reading its Makefile needs make on PATH") from None


def read_make(root: Path) -> BuildPlan:
    """Check that the Makefile in ``root`` installs with PREFIX/DESTDIR; read its compilers."""
    makefile = makefile_of(root)
    if makefile is None:
        raise InputError(f"{root}: no Makefile")
    install = _dry_run(root, "install", f"PREFIX={FAKE_PREFIX}", f"DESTDIR={FAKE_DESTDIR}")
    if install.returncode != 0:
        said = install.stderr.strip().splitlines()
        raise InputError(
            f"{makefile}: `make install PREFIX=... DESTDIR=...` does not run"
            f" ({said[-1] if said else 'no install target'})"
        )
    if FAKE_DESTDIR not in install.stdout:
        raise InputError(
            f"{makefile}: the install target ignores DESTDIR, so it would install outside the"
            " package: install into $(DESTDIR)$(PREFIX)"
        )
    if FAKE_PREFIX not in install.stdout:
        raise InputError(f"{makefile}: the install target ignores PREFIX")
    words = {word for line in _dry_run(root).stdout.splitlines() for word in _words(line)}
    languages = tuple(
        language
        for language, compilers in (("C", C_COMPILERS), ("CXX", CXX_COMPILERS))
        if words & compilers
    )
    tests = root / "tests"
    return BuildPlan(
        build_system="make",
        name=root.name,
        version=None,
        languages=languages or ("C",),
        tests_dirs=("tests",) if tests.is_dir() else (),
        notes=(
            f"{makefile}: a Makefile declares no name, so the package is named after the"
            f" folder ({root.name}); its install plan is unknown until it runs, so the package"
            " gets no content tests",
        ),
        warnings=()
        if languages
        else (f"{makefile}: `make -n` names no C or C++ compiler; assuming C",),
    )


def _words(line: str) -> list[str]:
    try:
        return [Path(word).name for word in shlex.split(line)]
    except ValueError:
        return line.split()
