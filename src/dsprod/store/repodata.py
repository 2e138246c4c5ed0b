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
import re
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

ZSTD_LEVEL = 1
"""Compression of ``repodata.json.zst``: the fastest level (a fifth larger than the default 3,
and three times faster: it is rewritten on every publish)."""


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
    """One subdir's index: the document's other keys, and each section's record lines.

    A section is kept as the bytes of its lines (``"file":{record}`` joined by
    ``,\\n``), so reading, adding and writing are a few operations on whole
    byte strings, never one per record in Python: a publish never parses the
    records it does not add. New records go last in their section.
    """

    head: dict[str, Any]
    sections: dict[str, bytes] = field(
        default_factory=lambda: dict.fromkeys(SECTIONS.values(), b"")
    )
    listed: set[str] = field(default_factory=set)
    """The file names the index lists (read once, from the lines' keys)."""

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

    def add(self, filename: str, record: dict[str, Any]) -> None:
        """List ``record`` under ``filename`` (replacing what was listed under that name)."""
        section = _section(filename)
        key = _compact(filename)
        if filename in self.listed:  # its file went missing, and comes again: rare
            self.remove(filename)
        line = key + b":" + _compact(record)
        self.sections[section] += b",\n" + line if self.sections[section] else line
        self.listed.add(filename)

    def remove(self, filename: str) -> bool:
        """Stop listing ``filename``; False if it was not listed (a yank's path, so rare)."""
        if filename not in self.listed:
            return False
        section = _section(filename)
        key = _compact(filename) + b":"
        lines = self.sections[section].split(b",\n")
        self.sections[section] = b",\n".join(x for x in lines if not x.startswith(key))
        self.listed.discard(filename)
        return True

    def to_bytes(self) -> bytes:
        """The document in the one-record-a-line layout (the module docstring shows it)."""
        parts = [b"{" + _compact(self.head)[1:-1] + b",\n"]
        for number, (section, lines) in enumerate(self.sections.items()):
            parts.append(_compact(section) + b":{\n")
            parts.append(lines + b"\n" if lines else b"")
            parts.append(b"}}\n" if number == len(self.sections) - 1 else b"},\n")
        return b"".join(parts)


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


_KEYS = {
    section: re.compile(rb'\n"([^"\\\n]+' + re.escape(suffix.encode()) + rb')":\{')
    for suffix, section in SECTIONS.items()
}
"""Each record line's file name, by section: a package file name of its section after a newline
(a package file name never holds a quote or a backslash)."""


def _lines(data: bytes) -> Repodata | None:
    """The index if ``data`` is in this module's layout, else None (then it is parsed in full).

    Checked by its shape, not parsed: the head line, each section's opening and
    closing lines (the last section closes the document), and every line
    between them opening with a file name of its section, as many names as
    lines. Each check is one pass of C code over the bytes, none a Python loop.
    """
    head_end = data.find(b"\n")
    if not data.startswith(b"{") or data[head_end - 1 : head_end] != b",":
        return None
    try:
        head = json.loads(data[: head_end - 1] + b"}")
    except ValueError:
        return None
    if not isinstance(head, dict):
        return None
    repodata = Repodata(head=head)
    position = head_end + 1
    for number, section in enumerate(SECTIONS.values()):
        opening = _compact(section) + b":{\n"
        if not data.startswith(opening, position):
            return None
        start = position + len(opening)  # data[start - 1] is the opening line's newline
        if number == len(SECTIONS) - 1:
            stop, position = len(data) - len(b"}}\n"), len(data)
            if not data.endswith(b"}}\n") or stop < start:
                return None
        else:
            stop = data.find(b"\n},\n", start - 1) + 1  # no record line is "},"
            if stop == 0:
                return None
            position = stop + len(b"},\n")
        if stop > start:  # its lines are data[start:stop - 1]
            keys = _KEYS[section].findall(data, start - 1, stop)
            if len(keys) != data.count(b"\n", start, stop) or data[stop - 2 : stop] != b"}\n":
                return None
            repodata.listed.update(b"\n".join(keys).decode().split("\n"))
            repodata.sections[section] = data[start : stop - 1]
    return repodata


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
        records = sorted(document.get(section, {}).items())
        lines = (_compact(name) + b":" + _compact(record) for name, record in records)
        repodata.sections[section] = b",\n".join(lines)
        repodata.listed.update(name for name, _ in records)
    return repodata
