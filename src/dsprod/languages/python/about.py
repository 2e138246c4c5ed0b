"""The recipe's about section from the metadata: SPDX licence, licence files, project URLs."""

from __future__ import annotations

import re
from pathlib import Path

from dsprod.conda.licenses import spdx_expression, spdx_from_classifiers
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


def license_expression(meta: Metadata) -> str | None:
    """The SPDX licence, from the licence field or else the trove classifiers."""
    if meta.license_text:
        spdx = spdx_expression(meta.license_text)
        if spdx:
            return spdx
        meta.warnings.append(
            f"{meta.license_field} {meta.license_text!r} is not an SPDX expression; left out"
        )
    return spdx_from_classifiers(meta.classifiers, meta.warnings.append)


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
