"""Does every ELF file a package installs find its libraries in the env?

The dynamic loader's search is replayed for each ``DT_NEEDED`` entry (read
with pyelftools): ``DT_RPATH`` when there is no ``DT_RUNPATH``, then
``DT_RUNPATH``, ``$ORIGIN`` expanded; ``LD_LIBRARY_PATH`` is never set in a
user's env, so it plays no part. A library found there inside the env is
declared (the package itself or a dependency the solver installed, named from
``conda-meta``). A library of the C runtime (glibc's, GCC's support libraries)
is the system's by design. Anything else is an undeclared library
dependency: the host's copy, if it has one, is what would be loaded, and
another user's machine may have none. Where the library's conda package is
well known (``libz.so.1`` is ``zlib``) the message names it.
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

RUNTIME_LIBRARIES = re.compile(
    r"^(?:"
    r"ld-linux[-.\w]*\.so\.\d+|ld64\.so\.\d+|linux-vdso\.so\.\d+"
    r"|lib(?:c|m|dl|rt|pthread|util|resolv|anl|nsl|mvec|BrokenLocale|crypt)\.so\.\d+"
    r"|lib(?:stdc\+\+|gcc_s|gomp|atomic|quadmath|gfortran|itm|ssp|asan|ubsan|tsan|lsan)"
    r"\.so\.\d+"
    r")$"
)
"""glibc's libraries and GCC's runtime support: the system provides them to every program
(conda-forge's compilers add the GCC ones as run_exports; the test env's stand-ins are the
host's compilers, whose runtime is the host's)."""

_MULTIARCH = f"{platform.machine()}-linux-gnu"
HOST_LIBRARY_FOLDERS = (
    Path("/lib") / _MULTIARCH,
    Path("/usr/lib") / _MULTIARCH,
    Path("/lib64"),
    Path("/usr/lib64"),
    Path("/lib"),
    Path("/usr/lib"),
    Path("/usr/local/lib"),
)
"""Where the loader looks last (its default folders and ld.so.conf's usual entries)."""

KNOWN_CONDA_PACKAGES = (
    (re.compile(r"^libz\.so"), "zlib"),
    (re.compile(r"^lib(?:ssl|crypto)\.so"), "openssl"),
    (re.compile(r"^libcurl\.so"), "libcurl"),
    (re.compile(r"^libbz2\.so"), "bzip2"),
    (re.compile(r"^liblzma\.so"), "liblzma"),
    (re.compile(r"^libzstd\.so"), "zstd"),
    (re.compile(r"^liblz4\.so"), "lz4-c"),
    (re.compile(r"^libpng\d*\.so"), "libpng"),
    (re.compile(r"^libjpeg\.so"), "libjpeg-turbo"),
    (re.compile(r"^libtiff\.so"), "libtiff"),
    (re.compile(r"^libsqlite3\.so"), "libsqlite"),
    (re.compile(r"^libxml2\.so"), "libxml2"),
    (re.compile(r"^libffi\.so"), "libffi"),
    (re.compile(r"^libuuid\.so"), "libuuid"),
    (re.compile(r"^libgmp\.so"), "gmp"),
    (re.compile(r"^libfmt\.so"), "fmt"),
    (re.compile(r"^libspdlog\.so"), "spdlog"),
    (re.compile(r"^libyaml-cpp\.so"), "yaml-cpp"),
    (re.compile(r"^libboost_"), "libboost"),
    (re.compile(r"^libhdf5"), "hdf5"),
    (re.compile(r"^libnetcdf\.so"), "libnetcdf"),
    (re.compile(r"^libopenblas"), "libopenblas"),
    (re.compile(r"^libcblas\.so"), "libcblas"),
    (re.compile(r"^libblas\.so"), "libblas"),
    (re.compile(r"^liblapack\.so"), "liblapack"),
    (re.compile(r"^libfftw3"), "fftw"),
    (re.compile(r"^libprotobuf"), "libprotobuf"),
    (re.compile(r"^libtbb"), "tbb"),
    (re.compile(r"^libarchive\.so"), "libarchive"),
    (re.compile(r"^libpcre2"), "pcre2"),
    (re.compile(r"^libicu"), "icu"),
    (re.compile(r"^libexpat\.so"), "expat"),
    (re.compile(r"^libuv\.so"), "libuv"),
)
"""Well-known sonames -> conda-forge package names, for the message only (a heuristic:
an unknown soname is reported without a package name)."""


@dataclass(frozen=True)
class Needed:
    """One ``DT_NEEDED`` entry and where the loader would take it from."""

    library: str
    found: Path | None
    """The file the replayed search found (None: nowhere on the search path)."""
    owner: str | None
    """The conda package in the env that installed ``found`` (None: not the env's)."""
    runtime: bool
    """The C runtime's (glibc, GCC support libraries): the system provides it."""
    host_copy: Path | None
    """For an undeclared library: the host's file the loader would fall back to."""

    @property
    def declared(self) -> bool:
        return self.runtime or self.owner is not None

    def problem(self, file: PurePosixPath) -> str:
        """One line saying what is wrong with an undeclared library (empty when declared)."""
        if self.declared:
            return ""
        package = conda_package_of(self.library)
        declare = (
            f"; declare its conda package ({package}) as a run requirement"
            if package is not None
            else "; declare the conda package that provides it as a run requirement"
        )
        if self.found is not None:
            where = f"it resolves to {self.found}, which is not in the env"
        elif self.host_copy is not None:
            where = f"not in the env (the host's {self.host_copy} would be loaded)"
        else:
            where = "found neither in the env nor on this host"
        return f"undeclared library dependency: {file} needs {self.library}: {where}{declare}"


@dataclass(frozen=True)
class Linkage:
    """One ELF file's dynamic libraries."""

    file: PurePosixPath
    needed: tuple[Needed, ...]

    @property
    def problems(self) -> list[str]:
        return [need.problem(self.file) for need in self.needed if not need.declared]

    def describe(self) -> str:
        """``libfoo.so.1 -> lib/libfoo.so.1 (crun-foo)`` lines, for the report."""
        lines = []
        for need in self.needed:
            if need.owner is not None:
                lines.append(f"{need.library} -> {need.found} ({need.owner})")
            elif need.runtime:
                lines.append(f"{need.library} -> C runtime (system)")
            else:
                lines.append(f"{need.library} -> UNDECLARED")
        return "\n".join(lines)


def conda_package_of(soname: str) -> str | None:
    """The conda-forge package known to provide ``soname`` (``libz.so.1`` -> ``zlib``)."""
    for pattern, package in KNOWN_CONDA_PACKAGES:
        if pattern.match(soname):
            return package
    return None


def env_owners(prefix: Path) -> dict[str, str]:
    """Every file of the env (relative path) -> the conda package that installed it."""
    owners: dict[str, str] = {}
    for record in sorted((prefix / "conda-meta").glob("*.json")):
        data = json.loads(record.read_text(encoding="utf-8"))
        for file in data.get("files", []):
            owners[str(file)] = str(data.get("name", record.stem))
    return owners


def linkage(prefix: Path, file: PurePosixPath, owners: dict[str, str]) -> Linkage:
    """Replay the loader's search for each library ``prefix/file`` needs."""
    path = prefix / file
    needed, rpath, runpath = _dynamic(path)
    origin = str(path.parent)
    search = [
        Path(entry.replace("$ORIGIN", origin).replace("${ORIGIN}", origin))
        for entry in (runpath if runpath else rpath)
    ]
    entries = []
    for library in needed:
        found = next((folder / library for folder in search if (folder / library).exists()), None)
        owner = _owner(found, prefix, owners) if found is not None else None
        runtime = RUNTIME_LIBRARIES.match(library) is not None
        host_copy = None
        if owner is None and not runtime:
            host_copy = next(
                (
                    folder / library
                    for folder in HOST_LIBRARY_FOLDERS
                    if (folder / library).exists()
                ),
                None,
            )
        entries.append(Needed(library, found, owner, runtime, host_copy))
    return Linkage(file, tuple(entries))


def _owner(found: Path, prefix: Path, owners: dict[str, str]) -> str | None:
    """The env's package that installed ``found`` (as conda-meta lists it, or its link target)."""
    pairs = ((os.path.normpath(found), prefix), (found.resolve(), prefix.resolve()))
    for candidate, root in pairs:
        relative = os.path.relpath(candidate, root)
        if not relative.startswith("..") and relative in owners:
            return owners[relative]
    return None


def _dynamic(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(DT_NEEDED, DT_RPATH entries, DT_RUNPATH entries) of an ELF file (empty if static)."""
    needed: list[str] = []
    rpath: list[str] = []
    runpath: list[str] = []
    try:
        with path.open("rb") as stream:
            for section in ELFFile(stream).iter_sections():
                if not isinstance(section, DynamicSection):
                    continue
                for tag in section.iter_tags():
                    kind = tag.entry.d_tag
                    if kind == "DT_NEEDED":
                        needed.append(_text(tag, "needed"))
                    elif kind == "DT_RPATH":
                        rpath += [entry for entry in _text(tag, "rpath").split(":") if entry]
                    elif kind == "DT_RUNPATH":
                        runpath += [entry for entry in _text(tag, "runpath").split(":") if entry]
    except ELFError:
        return [], [], []  # an object file or a damaged ELF: nothing the loader would read
    return needed, rpath, runpath


def _text(tag: object, name: str) -> str:
    """A string-valued dynamic tag's text (pyelftools sets it as an instance attribute)."""
    return str(vars(tag).get(name, ""))
