"""Licence declarations -> one SPDX expression, as conda's ``about.license`` wants.

Projects state their licence in several older forms (free text, trove
classifiers); conda channels and license checkers expect SPDX. SPDX
expressions are parsed and normalised by ``license-expression`` (which also
renames deprecated identifiers: ``GPL-2.0+`` is ``GPL-2.0-or-later``), and a
project's own ``LicenseRef-`` identifiers are kept. Anything that cannot be
mapped exactly is reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from license_expression import ExpressionError, Licensing, get_spdx_licensing

UNKNOWN_LICENSE = "LicenseRef-dsprod-unknown"
"""What a package records when no source names its licence: published, with a warning.

One stable identifier, so that a channel policy (``require_known_license``) and
a reader of ``about.json`` can both recognise "dsprod could not tell", and look
at the licence files shipped in ``info/licenses/``."""

_LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]+")
"""SPDX's user-defined identifier (``idstring``: letters, digits, ``.`` and ``-``)."""


@cache
def _licensing() -> Licensing:
    """The SPDX licence list bundled with license-expression (built once: it takes ~0.1 s)."""
    return get_spdx_licensing()


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

# Trove classifiers that name a family of licences, each with the identifier
# prefixes of its members: the licence file's text picks the member.
CLASSIFIER_FAMILIES: dict[str, tuple[str, ...]] = {
    "License :: OSI Approved :: BSD License": ("BSD-", "0BSD"),
    "License :: OSI Approved :: GNU General Public License (GPL)": ("GPL-",),
    "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)": ("LGPL-",),
    "License :: OSI Approved :: GNU Affero General Public License (AGPL)": ("AGPL-",),
    "License :: OSI Approved :: Academic Free License (AFL)": ("AFL-",),
    "License :: OSI Approved :: Artistic License": ("Artistic-",),
}

# Classifiers that carry no licence information of their own.
_UNINFORMATIVE_CLASSIFIERS = {"License :: OSI Approved", "License :: Other/Proprietary License"}


def spdx_from_classifiers(
    classifiers: Iterable[str], warn: Callable[[str], None], texts: Sequence[str] = ()
) -> str | None:
    """The SPDX expression that ``License ::`` trove classifiers name, or None.

    Several licence classifiers mean the user may choose, hence ``OR``. A
    classifier of a family (``BSD License``) is resolved by ``texts``, the
    identifiers the project's licence files hold, when exactly one of them
    belongs to the family. Unmappable classifiers go to ``warn`` so that a
    missing licence is explained.
    """
    found: list[str] = []
    for classifier in classifiers:
        classifier = " :: ".join(part.strip() for part in classifier.split("::"))
        if not classifier.startswith("License ::") or classifier in _UNINFORMATIVE_CLASSIFIERS:
            continue
        spdx = CLASSIFIER_TO_SPDX.get(classifier)
        if spdx is None and classifier in CLASSIFIER_FAMILIES:
            members = sorted({t for t in texts if t.startswith(CLASSIFIER_FAMILIES[classifier])})
            if len(members) == 1:
                spdx = members[0]
                warn(f"license classifier {classifier!r} read as {spdx}, the licence file's text")
            else:
                which = f"names {' and '.join(members)}" if members else "names none of them"
                warn(
                    f"license classifier {classifier!r} names a family of licences and the"
                    f" licence files' text {which}; left out"
                )
                continue
        if spdx is None:
            warn(f"license classifier {classifier!r} names no single SPDX license; left out")
        elif spdx not in found:
            found.append(spdx)
    return " OR ".join(found) or None


def spdx_expression(text: str) -> str | None:
    """``text`` as a normalised SPDX expression, or None when it is not one.

    Identifiers are matched case-insensitively and deprecated ones renamed;
    ``LicenseRef-`` identifiers (any case of the prefix) are the project's own.
    """
    text = re.sub(r"(?i)\blicenseref-", "LicenseRef-", text.strip())
    if not text:
        return None
    licensing = _licensing()
    try:
        parsed = licensing.parse(text, validate=False, strict=True)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    if any(not _LICENSE_REF.fullmatch(key) for key in licensing.unknown_license_keys(parsed)):
        return None
    return str(parsed.render())


def license_keys(expression: str) -> list[str]:
    """The identifiers of a valid SPDX ``expression`` (licences and exceptions), in order."""
    parsed = _licensing().parse(expression, validate=False)
    return [] if parsed is None else list(_licensing().license_keys(parsed))


def is_known_license(expression: str | None) -> bool:
    """Whether ``expression`` is a valid SPDX expression that dsprod did not have to make up.

    A project's own ``LicenseRef-`` counts as known (its authors named it);
    ``UNKNOWN_LICENSE`` does not.
    """
    spdx = spdx_expression(expression or "")
    return spdx is not None and UNKNOWN_LICENSE not in license_keys(spdx)


def license_family(identifier: str) -> str:
    """An identifier without its ``-only`` / ``-or-later`` / ``+`` suffix (``GPL-3.0``).

    The text of the GPL does not say whether a later version may be chosen
    (the notice beside it does), so the two spellings are one licence when a
    declaration is compared with a licence file's text.
    """
    return re.sub(r"(-only|-or-later|\+)$", "", identifier)
