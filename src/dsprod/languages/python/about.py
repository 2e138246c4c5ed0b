"""The recipe's about section from the metadata: SPDX licence, licence files, project URLs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from dsprod.conda.license_text import all_applying, identify_license_file, identify_license_text
from dsprod.conda.licenses import (
    UNKNOWN_LICENSE,
    license_family,
    license_keys,
    spdx_expression,
    spdx_from_classifiers,
)
from dsprod.errors import InputError
from dsprod.languages.python.metadata import Metadata
from dsprod.vcs.urls import absolute_url

# The usual licence file names, looked for when a project declares no licence files.
DEFAULT_LICENSE_FILES = ("LICEN[CS]E*", "COPYING*")

# Normalised URL label -> the recipe's about field.
_URL_KINDS = {
    "homepage": "homepage",
    "home": "homepage",
    "repository": "repository",
    "repo": "repository",
    "source": "repository",
    "sourcecode": "repository",
    "code": "repository",
    "documentation": "documentation",
    "docs": "documentation",
}


def license_expression(root: Path, meta: Metadata, files: Sequence[str]) -> str:
    """The package's SPDX licence, from the first source that names one.

    1. the licence field, when it is an SPDX expression (PEP 639's ``license =
       "MIT"``, ``license = {text = "MIT"}``, setup.cfg's and poetry's ``license``);
    2. the licence field, when it holds a licence's whole text;
    3. the trove classifiers; a family's (``BSD License``) resolved by the text
       of the licence files;
    4. the text of the licence files ``files`` (relative to ``root``: the
       declared ones, else LICENSE*/LICENCE*/COPYING*); several licences all apply;
    5. none: ``UNKNOWN_LICENSE``, with a warning (a channel policy may refuse it).

    A declaration (1-3) that a licence file's text contradicts is kept, with a
    warning: it is what the project's own metadata tells pip and PyPI too.
    """
    texts = {name: identify_license_file(root / name) for name in files}
    found = {name: text.spdx for name, text in texts.items() if text.spdx}
    applying = all_applying(found.values())
    kept = license_keys(applying) if applying else []
    found = {name: spdx for name, spdx in found.items() if spdx in kept}
    declared = _declared(meta, found)
    if declared is None and not found:
        meta.warnings.extend(text.note for text in texts.values() if text.note)
        files_said = (
            f"the text of {', '.join(files)} matches no licence dsprod knows"
            if files
            else "no licence file"
        )
        meta.warnings.append(
            f"{meta.file}: licence unknown (no SPDX license field or licence classifier, and"
            f" {files_said}): recorded as {UNKNOWN_LICENSE}"
        )
        return UNKNOWN_LICENSE
    if declared is not None and declared[1] == "field":
        _warn_contradictions(meta, declared[0], meta.license_field, found)
        return declared[0]
    meta.warnings.extend(note for name in found if (note := texts[name].note))
    if declared is not None:
        _warn_contradictions(meta, declared[0], "the license classifiers", found)
        return declared[0]
    unknown = [name for name, text in texts.items() if text.spdx is None]
    if unknown:
        meta.warnings.append(
            f"{meta.file}: licence files {', '.join(unknown)} match no licence dsprod knows;"
            " not counted in the package's licence"
        )
    if len(found) > 1:
        meta.warnings.append(
            f"{meta.file}: no licence declared; the licence files' texts are"
            f" {', '.join(f'{spdx} ({name})' for name, spdx in found.items())}:"
            f" recorded as all applying, {applying}"
        )
    assert applying is not None  # found is not empty
    return applying


def _declared(meta: Metadata, found: dict[str, str]) -> tuple[str, str] | None:
    """The licence the project declares (sources 1-3), and whether a field or classifiers."""
    if meta.license_text:
        spdx = spdx_expression(meta.license_text)
        if spdx:
            return spdx, "field"
        text = identify_license_text(meta.license_text, meta.license_field)
        if text.spdx:
            if text.note:
                meta.warnings.append(text.note)
            return text.spdx, "field"
        meta.warnings.append(
            f"{meta.license_field} {_shortened(meta.license_text)!r} is neither an SPDX"
            " expression nor a licence text dsprod knows; left out"
        )
    spdx = spdx_from_classifiers(meta.classifiers, meta.warnings.append, list(found.values()))
    return (spdx, "classifiers") if spdx else None


def _warn_contradictions(meta: Metadata, spdx: str, source: str, found: dict[str, str]) -> None:
    """Warn about each licence file whose text is a licence the declaration does not name."""
    declared = {license_family(key) for key in license_keys(spdx)}
    for name, text_spdx in found.items():
        if license_family(text_spdx) not in declared:
            meta.warnings.append(
                f"{meta.file.parent / name} holds the {text_spdx} text, but the licence"
                f" declared in {source} is {spdx}; recorded {spdx} as declared"
            )


def _shortened(text: str, limit: int = 60) -> str:
    """A field's text for a warning: one line, at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def find_license_files(root: Path, meta: Metadata) -> tuple[str, ...]:
    """Licence files relative to ``root``; a declared pattern that matches nothing warns."""
    declared = meta.license_patterns is not None
    patterns = meta.license_patterns if meta.license_patterns is not None else DEFAULT_LICENSE_FILES
    found: list[str] = []
    for pattern in patterns:
        try:
            matches = sorted(
                p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file()
            )
        except (ValueError, NotImplementedError):
            raise InputError(
                f"{meta.file}: license file {pattern!r} is not a relative path"
            ) from None
        if declared and not matches:
            meta.warnings.append(f"{meta.file}: license file {pattern!r} matches no file; left out")
        found += [match for match in matches if match not in found]
    return tuple(found)


def classify_urls(meta: Metadata) -> dict[str, str]:
    """homepage / repository / documentation from free-form URL labels (PEP 753 normalised).

    The URLs are recorded in every package, so never with credentials, query or
    fragment (``vcs.urls``); text that is no absolute URL is left out with a
    warning, since rattler-build would refuse the recipe.
    """
    found: dict[str, str] = {}
    for label, text in meta.urls.items():
        kind = _URL_KINDS.get(re.sub(r"[^a-z]", "", label.lower()))
        if not kind or kind in found:
            continue
        url = absolute_url(text)
        if url is None:
            meta.warnings.append(f"{meta.file}: URL {label!r} is not an absolute URL; left out")
        else:
            if url != text.strip():
                meta.warnings.append(
                    f"{meta.file}: URL {label!r} recorded as {url} (credentials, query and"
                    " fragment are never recorded)"
                )
            found[kind] = url
    return found
