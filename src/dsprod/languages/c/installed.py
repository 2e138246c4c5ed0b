"""What a C/C++ package installs, read from its own ``info/paths.json`` (``Artifact.paths``).

The checks test what the package put into the env, not what happens to lie
there: headers, libraries, executables, CMake package configurations and
pkg-config files are picked from the package's file list only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".h++", ".H")
"""Headers a consumer includes. ``.inl``/``.ipp``/``.tcc`` fragments are included by other
headers, never on their own, and are left to them."""
CXX_HEADER_SUFFIXES = (".hh", ".hpp", ".hxx", ".h++", ".H")

_SHARED = re.compile(r"^lib(?P<name>.+?)\.so(?:\.[0-9.]+)?$")
_STATIC = re.compile(r"^lib(?P<name>.+)\.a$")
_CONFIG = re.compile(r"^(?P<name>.+?)(?:Config|-config)\.cmake$")
ELF_MAGIC = b"\x7fELF"


@dataclass(frozen=True)
class Library:
    """One library the package installs under ``lib/``: its link name and file."""

    name: str
    """``foo`` for ``libfoo.so.1.2`` (what ``-lfoo`` and a CMake target would call it)."""
    path: Path
    shared: bool


@dataclass(frozen=True)
class Installed:
    """The package's files by role, as paths inside the env (``prefix``)."""

    prefix: Path
    files: tuple[PurePosixPath, ...]
    """Every regular file and link the package installs, relative to the prefix."""

    @property
    def headers(self) -> list[PurePosixPath]:
        """Public headers under ``include/``, shallowest first (an umbrella header first)."""
        found = [
            path
            for path in self.files
            if path.parts[0] == "include" and path.suffix in HEADER_SUFFIXES
        ]
        return sorted(found, key=lambda path: (len(path.parts), str(path)))

    @property
    def libraries(self) -> list[Library]:
        """One library per link name directly under ``lib/``; a shared one wins over static."""
        found: dict[str, Library] = {}
        for path in self.files:
            if len(path.parts) != 2 or path.parts[0] != "lib":
                continue
            shared = _SHARED.match(path.name)
            static = _STATIC.match(path.name)
            if shared is not None:
                name = shared["name"]
                known = found.get(name)
                # libfoo.so (the link name) over libfoo.so.1 over libfoo.so.1.2: the name
                # a linker resolves ``-lfoo`` to.
                if known is None or not known.shared or len(path.name) < len(known.path.name):
                    found[name] = Library(name, self.prefix / path, shared=True)
            elif static is not None and static["name"] not in found:
                found[static["name"]] = Library(static["name"], self.prefix / path, shared=False)
        return [found[name] for name in sorted(found)]

    @property
    def executables(self) -> list[PurePosixPath]:
        """Files under ``bin/`` that are ELF programs (scripts need interpreters of their own)."""
        return [
            path
            for path in self.files
            if path.parts[0] == "bin" and len(path.parts) == 2 and is_elf(self.prefix / path)
        ]

    @property
    def elf_files(self) -> list[PurePosixPath]:
        """Every ELF program and shared object the package installs (object files have no
        libraries of their own; links are checked through their targets)."""
        return [
            path
            for path in self.files
            if not (self.prefix / path).is_symlink() and is_loadable_elf(self.prefix / path)
        ]

    @property
    def cmake_packages(self) -> list[str]:
        """Names ``find_package`` takes, from ``<Name>Config.cmake``/``<name>-config.cmake``."""
        names = []
        for path in self.files:
            match = _CONFIG.match(path.name)
            if match is not None and "cmake" in (part.lower() for part in path.parts[:-1]):
                names.append(match["name"])
        return sorted(set(names))

    @property
    def pkg_config_modules(self) -> list[str]:
        """Modules of the ``.pc`` files in ``lib/pkgconfig`` or ``share/pkgconfig``."""
        return sorted(
            path.stem
            for path in self.files
            if path.suffix == ".pc" and path.parent.name == "pkgconfig"
        )

    @property
    def cxx(self) -> bool:
        """True when a header's suffix says C++ (a ``.h`` may be either)."""
        return any(path.suffix in CXX_HEADER_SUFFIXES for path in self.headers)


def installed(prefix: Path, paths: list[dict[str, Any]]) -> Installed:
    """The files of ``paths`` (info/paths.json entries) as installed into ``prefix``."""
    files = tuple(
        PurePosixPath(str(entry["_path"]))
        for entry in paths
        if isinstance(entry.get("_path"), str) and entry.get("path_type") != "directory"
    )
    return Installed(prefix, files)


def is_elf(path: Path) -> bool:
    return _elf_header(path) is not None


def is_loadable_elf(path: Path) -> bool:
    """An ELF program or shared object (``e_type`` EXEC or DYN), what the loader reads."""
    header = _elf_header(path)
    if header is None or len(header) < _E_TYPE + 2:
        return False
    kind = header[_E_TYPE : _E_TYPE + 2]
    little_endian = header[_EI_DATA] == 1
    value = int.from_bytes(kind, "little") if little_endian else int.from_bytes(kind, "big")
    return value in (_ET_EXEC, _ET_DYN)


_EI_DATA = 5
_E_TYPE = 16
_ET_EXEC = 2
_ET_DYN = 3


def _elf_header(path: Path) -> bytes | None:
    """The first bytes of an ELF file (None: not ELF, or unreadable)."""
    try:
        with path.open("rb") as stream:
            header = stream.read(_E_TYPE + 2)
    except OSError:
        return None
    return header if header.startswith(ELF_MAGIC) else None
