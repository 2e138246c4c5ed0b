"""Licence declarations -> one SPDX expression, as conda's ``about.license`` wants.

Projects state their licence in several older forms (free text, trove
classifiers); conda channels and license checkers expect SPDX. Anything that
cannot be mapped exactly is reported, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

# Trove classifiers that name exactly one SPDX licence. Classifiers such as
# "BSD License" or "GNU General Public License (GPL)" name a family, not a
# licence, and are deliberately absent: they are reported as unmappable.
CLASSIFIER_TO_SPDX: dict[str, str] = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}

# Classifiers that carry no licence information of their own.
_UNINFORMATIVE_CLASSIFIERS = {"License :: OSI Approved", "License :: Other/Proprietary License"}


def spdx_expression(text: str) -> str | None:
    """``text`` in canonical SPDX form, or None when it is not a valid SPDX expression."""
    try:
        return canonicalize_license_expression(text.strip())
    except InvalidLicenseExpression:
        return None


def spdx_from_classifiers(classifiers: Iterable[str], warn: Callable[[str], None]) -> str | None:
    """The SPDX expression that ``License ::`` trove classifiers name, or None.

    Several licence classifiers mean the user may choose, hence ``OR``.
    Unmappable classifiers go to ``warn`` so that a missing licence is explained.
    """
    found: list[str] = []
    for classifier in classifiers:
        classifier = " :: ".join(part.strip() for part in classifier.split("::"))
        if not classifier.startswith("License ::") or classifier in _UNINFORMATIVE_CLASSIFIERS:
            continue
        spdx = CLASSIFIER_TO_SPDX.get(classifier)
        if spdx is None:
            warn(f"license classifier {classifier!r} names no single SPDX license; left out")
        elif spdx not in found:
            found.append(spdx)
    return " OR ".join(found) or None
