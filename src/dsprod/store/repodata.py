"""A channel subdir's ``repodata.json``, one record a line, so that adding a package is a splice.

Why this module exists: re-indexing a subdir, or even parsing and re-serialising
its index, costs time in proportion to the packages it lists (a 20,000-record
index is about 8 MB of JSON, 0.2 s to parse and write back in Python). The
local store writes its indexes in a layout whose records are whole lines, so a
publish reads the lines, adds one, and writes them back, without parsing a
record it does not change::

    {"info":{"subdir":"noarch"},"repodata_version":1,
    "packages":{
    "a-1.0-0.tar.bz2":{...}
    },
    "packages.conda":{
    "b-1.0-0.conda":{...},
    "c-1.0-0.conda":{...}
    }}

It is plain JSON: solvers read the same document as the one rattler's indexer
writes (records sorted by file name, each a compact JSON object with sorted
keys; ``json.dumps`` escapes every newline, so a record never spans lines). An
index in another layout (rattler's, a hand-made one) is parsed in full once and
written back in this one.

A new package's record is made from the package's own ``info/index.json`` the
way ``rattler.index`` makes it (``record_of``), so an incremental index and a
full re-index agree field by field (tests/test_repodata.py compares them).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backports import zstd  # type: ignore[import-untyped,unused-ignore]

from dsprod.artifact import read_info_json
from dsprod.errors import InputError, StoreRefused

SECTIONS = {".tar.bz2": "packages", ".conda": "packages.conda"}
"""Which section of the index lists a package file, by its suffix (in the order written)."""

INDEX_JSON_FIELDS = (
    "arch",
    "build",
    "build_number",
    "constrains",
    "depends",
    "extra_depends",
    "features",
    "flags",
    "license",
    "license_family",
    "name",
    "noarch",
    "platform",
    "purls",
    "python_site_packages_path",
    "subdir",
    "timestamp",
    "track_features",
    "version",
)
"""What ``rattler.index`` copies from ``info/index.json`` into a record (``PackageRecord``)."""

_OMITTED_WHEN_EMPTY = frozenset({"constrains", "extra_depends", "flags"})
"""Fields rattler leaves out of a record when the package records them empty (``purls`` stays)."""

ZSTD_LEVEL = 3
"""Compression of ``repodata.json.zst`` (zstd's default; a 20,000-record index takes ms)."""


def record_of(path: Path) -> dict[str, Any]:
    """The index record of a package file, as ``rattler.index`` makes it from the file.

    The fields of its ``info/index.json`` as rattler normalises them (timestamps
    as the package records them, seconds or milliseconds; ``track_features`` one
    string), its ``info/run_exports.json`` if it has one, its ``md5``, ``sha256``
    and ``size``, and ``indexed_timestamp``: when it entered the index, in
    milliseconds. tests/test_repodata.py holds the two indexers to agreeing.
    """
    documents = read_info_json(path, ("info/index.json", "info/run_exports.json"))
    if not isinstance(documents.get("info/index.json"), dict):
        raise InputError(f"{path}: package has no info/index.json")
    record = {
        key: value
        for key, value in documents["info/index.json"].items()
        if key in INDEX_JSON_FIELDS
        and value is not None
        and not (key in _OMITTED_WHEN_EMPTY and not value)
    }
    features = record.pop("track_features", None)
    if isinstance(features, list) and features:
        record["track_features"] = " ".join(features)
    elif isinstance(features, str):
        record["track_features"] = features
    record.setdefault("depends", [])
    record.setdefault("subdir", "unknown")
    run_exports = documents.get("info/run_exports.json")
    if isinstance(run_exports, dict):
        record["run_exports"] = {kind: specs for kind, specs in run_exports.items() if specs}
    sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    record.update(
        md5=md5.hexdigest(),
        sha256=sha256.hexdigest(),
        size=size,
        indexed_timestamp=int(time.time() * 1000),
    )
    return record


@dataclass
class Repodata:
    """One subdir's index: the document's other keys, and each record's JSON text by file name.

    Records stay text (``bytes``): a publish adds one and never parses the rest.
    """

    head: dict[str, Any]
    records: dict[str, dict[str, bytes]] = field(
        default_factory=lambda: {section: {} for section in SECTIONS.values()}
    )

    @classmethod
    def empty(cls, subdir: str) -> Repodata:
        return cls(head={"info": {"subdir": subdir}, "repodata_version": 1})

    @classmethod
    def read(cls, path: Path, subdir: str) -> Repodata:
        """The index at ``path`` (empty if there is none); a damaged one is a StoreRefused."""
        if not path.is_file():
            return cls.empty(subdir)
        data = path.read_bytes()
        return _lines(data) or _parsed(path, data, subdir)

    def filenames(self) -> set[str]:
        return {name for records in self.records.values() for name in records}

    def add(self, filename: str, record: dict[str, Any]) -> None:
        """List ``record`` under ``filename`` (replacing what was listed under that name)."""
        self.records[_section(filename)][filename] = _compact(record)

    def to_bytes(self) -> bytes:
        """The document in the one-record-a-line layout (the module docstring shows it)."""
        lines = [b"{" + _compact(self.head)[1:-1] + b","]
        for number, (section, records) in enumerate(self.records.items()):
            lines.append(json.dumps(section).encode() + b":{")
            listed = (json.dumps(name).encode() + b":" + records[name] for name in sorted(records))
            lines.append(b",\n".join(listed))
            lines.append(b"}}" if number == len(self.records) - 1 else b"},")
        return b"\n".join(line for line in lines if line) + b"\n"


def compressed(document: bytes) -> bytes:
    """``repodata.json.zst``'s bytes, for clients that fetch the index over HTTP."""
    return zstd.compress(document, ZSTD_LEVEL)


def _section(filename: str) -> str:
    for suffix, section in SECTIONS.items():
        if filename.endswith(suffix):
            return section
    raise ValueError(f"{filename}: not a package file name (.conda or .tar.bz2)")


def _compact(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _lines(data: bytes) -> Repodata | None:
    """The index if ``data`` is in this module's layout, else None (then it is parsed in full).

    Each record line is checked for its shape (a quoted package file name of
    its section, then an object), not parsed.
    """
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    if len(lines) < 3 or not lines[0].startswith(b"{") or not lines[0].endswith(b","):
        return None
    try:
        head = json.loads(lines[0][:-1] + b"}")
    except ValueError:
        return None
    if not isinstance(head, dict):
        return None
    repodata = Repodata(head=head)
    expected = iter(SECTIONS.values())
    section: str | None = None
    for number, line in enumerate(lines[1:], start=2):
        last = number == len(lines)
        if section is None:
            section = next(expected, None)
            if section is None or line != json.dumps(section).encode() + b":{":
                return None
            continue
        if line == (b"}}" if last else b"},"):
            section = None
            continue
        name, separator, record = line.rstrip(b",").partition(b'":')
        filename = name[1:].decode("utf-8", "replace")
        if (
            not name.startswith(b'"')
            or not separator
            or not record.startswith(b"{")
            or not record.endswith(b"}")
            or "\\" in filename
            or _section_of(filename) != section
        ):
            return None
        repodata.records[section][filename] = record
    return repodata if section is None and next(expected, None) is None else None


def _section_of(filename: str) -> str | None:
    try:
        return _section(filename)
    except ValueError:
        return None


def _parsed(path: Path, data: bytes, subdir: str) -> Repodata:
    """An index in any layout, parsed in full (written back in the one-record-a-line layout)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError both
        raise StoreRefused(f"{path}: not valid JSON ({error}); the store is damaged") from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(section, {}), dict) for section in SECTIONS.values()
    ):
        raise StoreRefused(f"{path}: not a channel index; the store is damaged")
    head = {k: v for k, v in document.items() if k not in SECTIONS.values()}
    repodata = Repodata(head={"info": {"subdir": subdir}, **head})
    for section in SECTIONS.values():
        for filename, record in document.get(section, {}).items():
            repodata.records[section][filename] = _compact(record)
    return repodata
