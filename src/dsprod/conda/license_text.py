"""A licence file's text -> its SPDX identifier, by identify's bundled SPDX texts.

identify (pre-commit's library) compares a file, copyright lines and
whitespace aside, with the texts of about 35 common licences (choosealicense's:
MIT, BSD-2/3-Clause, Apache-2.0, the GPL/LGPL/AGPL, MPL-2.0, ISC, Unlicense
...), allowing 5% of edits. No text is fingerprinted here.

identify names the GNU licences by their deprecated identifiers (``GPL-3.0``)
because their text alone does not say whether a later version may be chosen:
the notice beside it does ("either version 3 of the License, or (at your
option) any later version"). A file that says "any later version" more often
than the licence's own text (which says it in its how-to-apply appendix) holds
such a notice and is ``-or-later``; otherwise it is ``-only``, the narrower
reading, with a note saying so.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from identify.identify import license_id
from identify.vendor.licenses import LICENSES

from dsprod.conda.licenses import license_family, spdx_expression

# identify's identifiers whose text leaves the version choice to a notice.
_VERSION_CHOICE = {"GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "AGPL-3.0"}
_LATER_VERSION = re.compile(r"any\s+later\s+version", re.IGNORECASE)
_BUNDLED_TEXT = dict(LICENSES)


@dataclass(frozen=True)
class LicenseText:
    """What a licence text was found to be."""

    spdx: str | None
    """Its SPDX identifier, or None when it matches no licence identify knows."""
    note: str | None = None
    """Why the identifier is a reading rather than a plain match (a warning), if it is."""


def identify_license_file(path: Path) -> LicenseText:
    """The licence ``path`` holds; a file that is not UTF-8 text matches none."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return LicenseText(None, f"{path.name} is not UTF-8 text; its licence was not read")
    found = license_id(str(path))
    return _spdx_of(found, text, path.name) if found else LicenseText(None)


def identify_license_text(text: str, where: str) -> LicenseText:
    """The licence a text (``license = {text = ...}``) holds; ``where`` names it in notes."""
    with tempfile.TemporaryDirectory(prefix="dsprod-license-") as folder:
        path = Path(folder) / "LICENSE"
        path.write_text(text, encoding="utf-8")
        found = license_id(str(path))
    return _spdx_of(found, text, where) if found else LicenseText(None)


def _spdx_of(identifier: str, text: str, where: str) -> LicenseText:
    """identify's identifier in today's SPDX spelling, deciding -only / -or-later by the notice."""
    if identifier not in _VERSION_CHOICE:
        return LicenseText(spdx_expression(identifier))
    standard = len(_LATER_VERSION.findall(_BUNDLED_TEXT[identifier]))
    if len(_LATER_VERSION.findall(text)) > standard:
        return LicenseText(spdx_expression(f"{identifier}+"))
    only = spdx_expression(identifier)
    return LicenseText(
        only,
        f"{where} holds the {identifier} text with no 'or any later version' notice:"
        f" recorded as {only}",
    )


def all_applying(identifiers: Iterable[str]) -> str | None:
    """The licences of several files as one expression in which all apply (``AND``).

    The LGPL-3.0 is a set of permissions added to the GPL-3.0, so projects ship
    both texts (COPYING.LESSER and COPYING); the GPL-3.0 text is then part of
    the LGPL-3.0 and not a licence of its own.
    """
    distinct = list(dict.fromkeys(identifiers))
    if any(license_family(key) == "LGPL-3.0" for key in distinct):
        distinct = [key for key in distinct if license_family(key) != "GPL-3.0"]
    if not distinct:
        return None
    return spdx_expression(" AND ".join(distinct))
