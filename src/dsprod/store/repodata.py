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
from typing import Any, NamedTuple

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


class _Span(NamedTuple):
    """Whole record lines: ``source[start:stop]``, without copying them out of ``source``."""

    source: bytes
    start: int
    stop: int

    def view(self) -> memoryview:
        return memoryview(self.source)[self.start : self.stop]


@dataclass(eq=False)
class Repodata:
    """One subdir's index: the document's other keys, and each section's record lines.

    A section is kept as spans of whole lines (``"file":{record}`` joined by
    ``,\\n``): the lines read, as a span of the bytes read (no copy), then each
    added line. Reading, adding and writing are a few operations on
    whole byte strings, never one per record in Python, and the index's bytes
    are copied once, into the document written: a publish never parses the
    records it does not add. New records go last in their section. Two indexes
    are equal when their documents are.
    """

    head: dict[str, Any]
    sections: dict[str, list[_Span]] = field(
        default_factory=lambda: {section: [] for section in SECTIONS.values()}
    )
    known: set[str] | None = None
    """The file names listed, once something needed all of them (``listed``)."""

    @classmethod
    def empty(cls, subdir: str) -> Repodata:
        return cls(head={"info": {"subdir": subdir}, "repodata_version": 1}, known=set())

    @classmethod
    def read(cls, path: Path, subdir: str, *, trusted: bool = False) -> Repodata:
        """The index at ``path`` (empty if there is none); a damaged one is a StoreRefused.

        ``trusted``: the caller knows these are the bytes a writer of this
        layout left (``settled.unchanged``), so the check of every line is
        skipped; the document's frame is still checked.
        """
        if not path.is_file():
            return cls.empty(subdir)
        data = path.read_bytes()
        return _lines(data, trusted=trusted) or _parsed(path, data, subdir)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Repodata) and self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]  # mutable

    @property
    def listed(self) -> set[str]:
        """Every file name the index lists (one regex pass over the lines, then kept)."""
        if self.known is None:
            self.known = set()
            for section in self.sections:
                lines = self._joined(section)
                if lines:
                    names = _KEYS[section].findall(b"\n" + lines)
                    self.known.update(b"\n".join(names).decode().split("\n"))
        return self.known

    def lists(self, filename: str) -> bool:
        """Whether ``filename`` is listed (a search of its section's bytes, no set built)."""
        if self.known is not None:
            return filename in self.known
        key = _compact(filename) + b":{"
        return any(
            source.startswith(key, start) or source.find(b"\n" + key, start, stop) != -1
            for source, start, stop in self.sections[_section(filename)]
        )

    def add(self, filename: str, record: dict[str, Any]) -> None:
        """List ``record`` under ``filename`` (replacing what was listed under that name)."""
        if self.lists(filename):  # its file went missing, and comes again: rare
            self.remove(filename)
        line = _compact(filename) + b":" + _compact(record)
        self.sections[_section(filename)].append(_Span(line, 0, len(line)))
        if self.known is not None:
            self.known.add(filename)

    def remove(self, filename: str) -> bool:
        """Stop listing ``filename``; False if it was not listed (a yank's path, so rare)."""
        if not self.lists(filename):
            return False
        section = _section(filename)
        key = _compact(filename) + b":"
        lines = self._joined(section).split(b",\n")
        kept = b",\n".join(x for x in lines if not x.startswith(key))
        self.sections[section] = [_Span(kept, 0, len(kept))] if kept else []
        if self.known is not None:
            self.known.discard(filename)
        return True

    def to_bytes(self) -> bytes:
        """The document in the one-record-a-line layout (the module docstring shows it)."""
        parts: list[bytes | memoryview] = [b"{" + _compact(self.head)[1:-1] + b",\n"]
        for number, (section, spans) in enumerate(self.sections.items()):
            parts.append(_compact(section) + b":{\n")
            for index, span in enumerate(spans):
                parts.extend((b",\n", span.view()) if index else (span.view(),))
            parts.append(b"\n" if spans else b"")
            parts.append(b"}}\n" if number == len(self.sections) - 1 else b"},\n")
        return b"".join(parts)

    def records_holding(self, path: Path, value: str) -> dict[str, dict[str, Any]]:
        """The records whose line holds the string ``value`` (as JSON spells it), by file name.

        A lookup by package name, file name or sha256 without parsing the whole
        index: one search of each section's bytes (C code), and only the lines
        it hits are parsed. Every record line holds its file name, name and
        sha256 as ``json.dumps`` spells them (a line holds one compact record),
        so no record with that value is missed; the caller keeps those whose
        field equals it (a hit may be another field, such as a dependency).
        """
        needle = json.dumps(value).encode()
        found: dict[str, dict[str, Any]] = {}
        for spans in self.sections.values():
            for source, start, stop in spans:
                hit = source.find(needle, start, stop)
                while hit != -1:
                    begin = source.rfind(b"\n", start, hit) + 1 or start
                    end = source.find(b"\n", hit, stop)
                    line = source[begin : stop if end == -1 else end - 1]  # without its ","
                    try:
                        found.update(json.loads(b"{" + line + b"}"))
                    except ValueError as error:
                        raise StoreRefused(
                            f"{path}: a record is not valid JSON ({error}); the store is damaged"
                        ) from None
                    hit = -1 if end == -1 else source.find(needle, end, stop)
        return found

    def _joined(self, section: str) -> bytes:
        return b",\n".join(span.view() for span in self.sections[section])


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


def _lines(data: bytes, *, trusted: bool = False) -> Repodata | None:
    """The index if ``data`` is in this module's layout, else None (then it is parsed in full).

    Checked by its shape, not parsed: the head line, each section's opening and
    closing lines (the last section closes the document), and, unless
    ``trusted``, every line between them opening with a file name of its
    section, as many names as lines. Each check is one pass of C code over the
    bytes, none a Python loop; the names read by the last one are kept.
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
    repodata = Repodata(head=head, known=None if trusted else set())
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
            if data[stop - 2 : stop] != b"}\n":
                return None
            if repodata.known is not None:
                keys = _KEYS[section].findall(data, start - 1, stop)
                if len(keys) != data.count(b"\n", start, stop):
                    return None
                repodata.known.update(b"\n".join(keys).decode().split("\n"))
            repodata.sections[section] = [_Span(data, start, stop - 1)]
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
    repodata = Repodata(head={"info": {"subdir": subdir}, **head}, known=set())
    for section in SECTIONS.values():
        records = sorted(document.get(section, {}).items())
        lines = (_compact(name) + b":" + _compact(record) for name, record in records)
        joined = b",\n".join(lines)
        repodata.sections[section] = [_Span(joined, 0, len(joined))] if joined else []
        repodata.listed.update(name for name, _ in records)
    return repodata
