"""A built conda package file and what its own metadata says about it.

Every stage after the build (verify, publish, test, promote) works on an
``Artifact``: the package file plus the facts read from inside it, so that a
package found later in a channel is described exactly like a freshly built one.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conda_package_streaming.package_streaming import stream_conda_component, zstd

from dsprod.errors import InputError
from dsprod.recipe.extra import DsprodExtra

PACKAGE_SUFFIXES = (".conda", ".tar.bz2")

_UNREADABLE = (
    zipfile.BadZipFile,  # truncated, empty or random bytes; a damaged .conda
    LookupError,  # a .conda whose components are named for another package; a missing key
    tarfile.TarError,
    EOFError,
    OSError,  # bz2's "Invalid data stream"
    ValueError,  # JSON that does not parse, text that is not UTF-8
    TypeError,  # JSON of the wrong shape
    AttributeError,
    getattr(zstd, "ZstdError", OSError),  # a damaged zstd stream inside the .conda
)
"""What reading a package file can raise when its bytes are not a conda package."""


@dataclass(frozen=True)
class Artifact:
    """One package file with its identity and the metadata dsprod relies on."""

    path: Path
    name: str
    version: str
    build: str
    subdir: str
    sha256: str
    index: dict[str, Any] = field(repr=False, compare=False)
    about: dict[str, Any] = field(repr=False, compare=False)
    paths: list[dict[str, Any]] = field(repr=False, compare=False)
    """Entries of info/paths.json (``_path``, ``path_type``, ``file_mode`` ...)."""

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def spec(self) -> str:
        """An exact match spec: this name, version and build string only."""
        return f"{self.name} =={self.version} {self.build}"

    @property
    def extra(self) -> DsprodExtra:
        """What the package recorded for dsprod's later stages (commit, language, tests ...)."""
        return DsprodExtra.from_about(self.about)


def read_artifact(path: Path) -> Artifact:
    """Read a package file's identity and info/ metadata.

    A file that is not a readable conda package is an ``InputError`` naming it
    (whoever fetched it from a channel says the channel is damaged), never a
    traceback from the archive or JSON readers.
    """
    info = _info_files(path, ("info/index.json", "info/about.json", "info/paths.json"))
    try:
        if "info/index.json" not in info:
            raise InputError(f"{path}: package has no info/index.json")
        index = json.loads(info["info/index.json"])
        about = json.loads(info.get("info/about.json", b"{}"))
        return Artifact(
            path=path,
            name=index["name"],
            version=index["version"],
            build=index["build"],
            subdir=index.get("subdir", "noarch"),
            sha256=sha256_of(path),
            index=index,
            about=about,
            paths=_paths(info),
        )
    except _UNREADABLE as error:
        raise _unreadable(path, error) from None


def read_paths(path: Path) -> list[dict[str, Any]]:
    """Only the entries of a package's info/paths.json: what it installs, read cheaply.

    For comparing a package with many others (clobbering), where reading whole
    files for their sha256 and identity would be waste.
    """
    try:
        return _paths(_info_files(path, ("info/paths.json",)))
    except _UNREADABLE as error:
        raise _unreadable(path, error) from None


def installed_file(path: Path, name: str) -> bytes | None:
    """The bytes of one file the package installs (``name`` as in paths.json), or None.

    For a language's check of what its build wrote (an R package's DESCRIPTION).
    """
    try:
        with path.open("rb") as stream:
            for tar, member in stream_conda_component(path.name, stream, "pkg"):
                if member.name == name and member.isfile():
                    extracted = tar.extractfile(member)
                    return extracted.read() if extracted is not None else None
    except _UNREADABLE as error:
        raise _unreadable(path, error) from None
    return None


def read_info_json(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """The named JSON files of a package's info/, parsed (those it lacks are left out).

    For readers that need a file ``read_artifact`` does not read (an indexer's
    ``info/run_exports.json``); an unreadable package is an ``InputError`` as there.
    """
    try:
        return {name: json.loads(data) for name, data in _info_files(path, names).items()}
    except _UNREADABLE as error:
        raise _unreadable(path, error) from None


def _info_files(path: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The bytes of the named info/ files, by their path in the package."""
    if not path.is_file() or not path.name.endswith(PACKAGE_SUFFIXES):
        raise InputError(f"{path}: not a conda package file (.conda or .tar.bz2)")
    info: dict[str, bytes] = {}
    try:
        with path.open("rb") as stream:
            for tar, member in stream_conda_component(path.name, stream, "info"):
                if member.name in names:
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        info[member.name] = extracted.read()
    except _UNREADABLE as error:
        raise _unreadable(path, error) from None
    return info


def _paths(info: dict[str, bytes]) -> list[dict[str, Any]]:
    paths = json.loads(info.get("info/paths.json", b'{"paths": []}')).get("paths", [])
    if not isinstance(paths, list) or not all(isinstance(entry, dict) for entry in paths):
        raise TypeError("info/paths.json: 'paths' is not a list of entries")
    return paths


def _unreadable(path: Path, error: Exception) -> InputError:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return InputError(f"{path}: not a readable conda package ({reason})")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (packages can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
