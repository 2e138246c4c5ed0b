"""Read setuptools' ``setup.cfg`` into ``Metadata``, for projects without ``[project]``."""

from __future__ import annotations

import configparser
from pathlib import Path

from packaging.utils import canonicalize_name

from dsprod.errors import InputError
from dsprod.languages.python.metadata import TEST_EXTRAS, Metadata
from dsprod.languages.python.requirements import parse_requirement, pep440_to_conda
from dsprod.languages.python.tables import Table, first_line


def load_setup_cfg(file: Path) -> Table:
    """setup.cfg as nested dicts (section -> key -> raw value)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(file.read_text(encoding="utf-8"), source=str(file))
    except configparser.Error as error:
        errors = getattr(error, "errors", None)  # ParsingError lists (line, text) pairs
        line = getattr(error, "lineno", None) or (errors[0][0] if errors else None)
        where = f" (line {line})" if line else ""
        raise InputError(f"{file}: invalid setup.cfg{where}: {first_line(error)}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{file}: not UTF-8 text: {error.reason}") from None
    return Table({name: dict(parser[name]) for name in parser.sections()}, file, "")


def cfg_lines(value: str | None, *, commas: bool = False) -> list[str]:
    """A setup.cfg list: one item a line (or comma-separated), ``#`` comments ignored."""
    items = (value or "").replace(",", "\n").splitlines() if commas else (value or "").splitlines()
    return [item.strip() for item in items if item.strip() and not item.strip().startswith("#")]


def cfg_pairs(value: str | None) -> dict[str, str]:
    """``key = value`` lines (project_urls, console_scripts, package_dir)."""
    pairs = {}
    for line in cfg_lines(value):
        key, _, item = line.partition("=")
        pairs[key.strip()] = item.strip()
    return pairs


def read_setup_cfg(cfg: Table) -> Metadata:
    metadata, options = cfg.sub("metadata"), cfg.sub("options")
    name = metadata.string("name")
    if not name:
        raise InputError(f"{metadata.field('name')} is missing")
    meta = Metadata(file=cfg.file, name=name, python_field=options.field("python_requires"))
    meta.static_version = metadata.string("version")
    meta.summary = " ".join((metadata.string("description") or "").split())
    if meta.summary.startswith(("file:", "attr:")):
        meta.warnings.append(f"{metadata.field('description')}: {meta.summary!r} not read")
        meta.summary = ""
    if metadata.string("license"):
        meta.license_text, meta.license_field = (
            metadata.string("license"),
            metadata.field("license"),
        )
    if metadata.string("license_files") or metadata.string("license_file"):
        meta.license_patterns = cfg_lines(metadata.string("license_files"), commas=True)
        meta.license_patterns += cfg_lines(metadata.string("license_file"))  # deprecated
    meta.classifiers = cfg_lines(metadata.string("classifiers"))
    meta.urls = cfg_pairs(metadata.string("project_urls"))
    if metadata.string("url"):
        meta.urls.setdefault("Homepage", metadata.string("url") or "")
    meta.python_spec = pep440_to_conda(
        options.string("python_requires") or "", options.field("python_requires")
    )
    meta.dependencies = [
        parse_requirement(text, options.field("install_requires"))
        for text in cfg_lines(options.string("install_requires"))
    ]
    extras = cfg.sub("options.extras_require")
    meta.extras = {
        canonicalize_name(extra): [
            parse_requirement(text, extras.field(extra)) for text in cfg_lines(value)
        ]
        for extra, value in extras.data.items()
    }
    meta.test_dependencies = meta.extra_dependencies(TEST_EXTRAS)
    entry_points = cfg.sub("options.entry_points")
    meta.scripts = cfg_pairs(entry_points.string("console_scripts"))
    meta.scripts_field = entry_points.field("console_scripts")
    return meta
