"""R ``License`` field -> SPDX expression and licence files.

R writes licences its own way (``GPL (>= 2)``, ``MIT + file LICENSE``,
``GPL-2 | GPL-3``): alternatives are separated by ``|``, each names a licence
from R's ``share/licenses/license.db`` with an optional version restriction,
and ``+ file X`` adds a file (for MIT/BSD the copyright holder and year).
conda wants SPDX, so every alternative is mapped; when one has no mapping the
whole expression is reported as unmapped rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dsprod.conda.license_text import identify_license_file

# Keys are R licence components with whitespace removed and lower-cased, so that
# ``GPL (>= 2)``, ``GPL(>=2)`` and ``gpl (>= 2.0)`` all meet the same entry.
_SPDX_BY_R_LICENSE: dict[str, str] = {
    "gpl": "GPL-1.0-or-later",
    "gpl-2": "GPL-2.0-only",
    "gpl-3": "GPL-3.0-only",
    "gpl(>=2)": "GPL-2.0-or-later",
    "gpl(>=2.0)": "GPL-2.0-or-later",
    "gpl(>=3)": "GPL-3.0-or-later",
    "gpl(>=3.0)": "GPL-3.0-or-later",
    "gpl(==2)": "GPL-2.0-only",
    "gpl(==3)": "GPL-3.0-only",
    "lgpl": "LGPL-2.0-or-later",
    "lgpl-2": "LGPL-2.0-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-3": "LGPL-3.0-only",
    "lgpl(>=2)": "LGPL-2.0-or-later",
    "lgpl(>=2.0)": "LGPL-2.0-or-later",
    "lgpl(>=2.1)": "LGPL-2.1-or-later",
    "lgpl(>=3)": "LGPL-3.0-or-later",
    "lgpl(>=3.0)": "LGPL-3.0-or-later",
    "agpl-3": "AGPL-3.0-only",
    "agpl(>=3)": "AGPL-3.0-or-later",
    "mit": "MIT",
    "bsd_2_clause": "BSD-2-Clause",
    "bsd_3_clause": "BSD-3-Clause",
    "apachelicense2.0": "Apache-2.0",
    "apachelicense(==2.0)": "Apache-2.0",
    "apachelicense(>=2)": "Apache-2.0",
    "apachelicense(>=2.0)": "Apache-2.0",
    "apache-2.0": "Apache-2.0",
    "artistic-2.0": "Artistic-2.0",
    "artisticlicense2.0": "Artistic-2.0",
    "cc0": "CC0-1.0",
    "ccby4.0": "CC-BY-4.0",
    "ccby-sa4.0": "CC-BY-SA-4.0",
    "mpl-2.0": "MPL-2.0",
    "mpl(==2.0)": "MPL-2.0",
    "mpl(>=2)": "MPL-2.0",
    "mpl(>=2.0)": "MPL-2.0",
    "mpl-1.1": "MPL-1.1",
    "lucentpubliclicense": "LPL-1.02",
    "mozillapubliclicense2.0": "MPL-2.0",
    "bsl-1.0": "BSL-1.0",
    "bsl": "BSL-1.0",
    "eupl-1.2": "EUPL-1.2",
    "eupl(>=1.2)": "EUPL-1.2",
}

_FILE_PART = re.compile(r"^file\s+(?P<file>\S+)$")


@dataclass(frozen=True)
class RLicense:
    """An R licence as conda sees it."""

    spdx: str | None
    """SPDX expression, or None when some alternative has no mapping."""
    files: tuple[str, ...] = ()
    """Licence files named by ``file X`` parts, in order, without repeats."""
    unmapped: tuple[str, ...] = ()
    """The alternatives that have no SPDX mapping, as written."""


def r_license_to_spdx(field: str) -> RLicense:
    """Map an R ``License`` field (``MIT + file LICENSE``, ``GPL-2 | GPL-3`` ...)."""
    spdx_parts: list[str] = []
    files: list[str] = []
    unmapped: list[str] = []
    for alternative in field.split("|"):
        alternative = " ".join(alternative.split())
        if not alternative:
            continue
        names = []
        for part in (piece.strip() for piece in alternative.split("+")):
            file_match = _FILE_PART.match(part)
            if file_match:
                if file_match["file"] not in files:
                    files.append(file_match["file"])
            elif part:
                names.append(part)
        if not names:
            # ``file LICENSE`` alone: a licence of the author's own wording.
            unmapped.append(alternative)
            continue
        mapped = [_SPDX_BY_R_LICENSE.get(re.sub(r"\s+", "", name).lower()) for name in names]
        unmapped.extend(name for name, spdx in zip(names, mapped, strict=True) if spdx is None)
        # Parts of one alternative all apply at once (rare: ``GPL-2 + MIT``).
        expression = " AND ".join(spdx for spdx in mapped if spdx)
        if expression and expression not in spdx_parts:
            spdx_parts.append(expression)
    combined = " OR ".join(spdx_parts) if spdx_parts and not unmapped else None
    return RLicense(combined, tuple(files), tuple(unmapped))


def license_of_file(path: Path, where: str, warnings: list[str]) -> str | None:
    """The SPDX licence of a ``License: file X`` package, when X holds a standard text.

    ``where`` (the DESCRIPTION) names the source in the warning that says so.
    """
    found = identify_license_file(path)
    if found.note:
        warnings.append(f"{where}: {found.note}")
    if found.spdx:
        warnings.append(f"{where}: License names only {path.name}, whose text is {found.spdx}")
    return found.spdx
