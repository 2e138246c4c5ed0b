"""Licences: SPDX expressions, licence files' texts, classifiers, and the order of the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.conda.license_text import all_applying, identify_license_file, identify_license_text
from dsprod.conda.licenses import (
    UNKNOWN_LICENSE,
    is_known_license,
    license_family,
    spdx_expression,
    spdx_from_classifiers,
)
from dsprod.languages.python import read_python_project
from tests.test_project_python import VERSION, make_project

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

LICENSES = Path(__file__).resolve().parent / "licenses"
GPL3_NOTICE = """\
lic-tool is free software: you can redistribute it and/or modify it under the
terms of the GNU General Public License as published by the Free Software
Foundation, either version 3 of the License, or (at your option) any later
version.

"""


def text(name: str) -> str:
    return (LICENSES / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("written", "spdx"),
    [
        ("MIT", "MIT"),
        ("mit or apache-2.0", "MIT OR Apache-2.0"),
        ("GPL-2.0", "GPL-2.0-only"),  # deprecated identifiers get today's names
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("gpl-3.0-or-later WITH classpath-exception-2.0", (
            "GPL-3.0-or-later WITH Classpath-exception-2.0")),
        ("MIT AND (BSD-3-Clause OR LicenseRef-Mine)", "MIT AND (BSD-3-Clause OR LicenseRef-Mine)"),
        ("licenseref-acme-1.0", "LicenseRef-acme-1.0"),
        ("BSD", None),
        ("Apache 2.0", None),
        ("MIT License", None),
        ("MIT AND", None),
        ("MIT WITH Apache-2.0", None),
        ("LicenseRef-has space", None),
        ("", None),
    ],
)  # fmt: skip
def test_spdx_expressions_are_validated_and_normalised(written: str, spdx: str | None) -> None:
    assert spdx_expression(written) == spdx


def test_known_licenses_exclude_only_what_dsprod_made_up() -> None:
    assert is_known_license("MIT OR Apache-2.0")
    assert is_known_license("LicenseRef-Proprietary")  # the authors named it
    assert not is_known_license(UNKNOWN_LICENSE)
    assert not is_known_license(f"MIT AND {UNKNOWN_LICENSE}")
    assert not is_known_license("BSD")
    assert not is_known_license(None)
    assert license_family("GPL-3.0-or-later") == license_family("GPL-3.0-only") == "GPL-3.0"


# --------------------------------------------------------------------------- licence texts


@pytest.mark.parametrize(
    ("file", "spdx"),
    [
        ("MIT", "MIT"),
        ("BSD-2-Clause", "BSD-2-Clause"),
        ("BSD-3-Clause", "BSD-3-Clause"),
        ("Apache-2.0", "Apache-2.0"),
        ("MPL-2.0", "MPL-2.0"),
        ("ISC", "ISC"),
        ("Unlicense", "Unlicense"),
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-3", "GPL-3.0-only"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("LGPL-3", "LGPL-3.0-only"),
    ],
)
def test_standard_texts_are_identified(file: str, spdx: str) -> None:
    found = identify_license_file(LICENSES / file)
    assert found.spdx == spdx
    # The GNU texts alone leave the version choice open: the narrower reading says so.
    assert (found.note is not None) == spdx.endswith("-only")


def test_an_or_later_notice_beside_the_gpl_text_makes_it_or_later(tmp_path: Path) -> None:
    copying = tmp_path / "COPYING"
    copying.write_text(GPL3_NOTICE + text("GPL-3"), encoding="utf-8")
    assert identify_license_file(copying).spdx == "GPL-3.0-or-later"
    lesser = tmp_path / "COPYING.LESSER"
    lesser.write_text(text("LGPL-2.1").replace("Lesser", "Lesser "), encoding="utf-8")
    assert identify_license_file(lesser).spdx == "LGPL-2.1-only"


def test_unknown_and_unreadable_texts_match_nothing(tmp_path: Path) -> None:
    custom = tmp_path / "LICENSE"
    custom.write_text("Copyright 2024 Acme. Use it on Tuesdays only.\n", encoding="utf-8")
    assert identify_license_file(custom).spdx is None
    binary = tmp_path / "LICENSE.bin"
    binary.write_bytes(b"\xff\xfe\x00licence")
    assert "not UTF-8 text" in (identify_license_file(binary).note or "")
    assert identify_license_text(text("MIT"), "license.text").spdx == "MIT"


def test_several_texts_all_apply_and_the_lgpl3_includes_the_gpl3() -> None:
    assert all_applying(["MIT", "Apache-2.0", "MIT"]) == "MIT AND Apache-2.0"
    assert all_applying(["GPL-3.0-only", "LGPL-3.0-or-later"]) == "LGPL-3.0-or-later"
    assert all_applying([]) is None


# --------------------------------------------------------------------------- classifiers

BSD = "License :: OSI Approved :: BSD License"


def test_a_family_classifier_is_resolved_by_the_licence_text() -> None:
    warnings: list[str] = []
    assert spdx_from_classifiers([BSD], warnings.append, ["BSD-3-Clause"]) == "BSD-3-Clause"
    assert "read as BSD-3-Clause, the licence file's text" in warnings[0]
    gpl = "License :: OSI Approved :: GNU General Public License (GPL)"
    assert spdx_from_classifiers([gpl], warnings.append, ["GPL-2.0-or-later"]) == (
        "GPL-2.0-or-later"
    )
    warnings.clear()
    assert spdx_from_classifiers([BSD], warnings.append, ["MIT"]) is None
    assert "licence files' text names none of them; left out" in warnings[0]
    both = ["BSD-2-Clause", "BSD-3-Clause"]
    assert spdx_from_classifiers([BSD], warnings.append, both) is None
    assert "names BSD-2-Clause and BSD-3-Clause; left out" in warnings[1]


# --------------------------------------------------------------------------- sources in order


def read(root: Path, files: dict[str, str]):
    return read_python_project(make_project(root, files), VERSION)


def pyproject(*lines: str) -> str:
    return "\n".join(["[project]", 'name = "lic"', *lines]) + "\n"


def test_pep621_file_table_is_read_from_its_text(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": pyproject('license = {file = "LICENSE.txt"}'),
            "LICENSE.txt": text("MIT"),
        },
    )
    assert (info.license, info.license_files) == ("MIT", ("LICENSE.txt",))


def test_pep621_text_table_holding_a_whole_licence(tmp_path: Path) -> None:
    whole = text("BSD-2-Clause").replace('"', '\\"').replace("\n", "\\n")
    info = read(tmp_path, {"pyproject.toml": pyproject(f'license = {{text = "{whole}"}}')})
    assert info.license == "BSD-2-Clause"
    assert info.license_files == ()


def test_pep639_license_files_folder(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": pyproject('license-files = ["LICENSES/*"]'),
            "LICENSES/Apache-2.0.txt": text("Apache-2.0"),
        },
    )
    assert (info.license, info.license_files) == ("Apache-2.0", ("LICENSES/Apache-2.0.txt",))


def test_setup_cfg_license_file_singular(tmp_path: Path) -> None:
    cfg = "[metadata]\nname = lic\nlicense_file = COPYING\n"
    info = read(tmp_path, {"setup.cfg": cfg, "COPYING": text("BSD-3-Clause")})
    assert (info.license, info.license_files) == ("BSD-3-Clause", ("COPYING",))


def test_bare_copying_with_an_or_later_notice(tmp_path: Path) -> None:
    info = read(tmp_path, {"pyproject.toml": pyproject(), "COPYING": GPL3_NOTICE + text("GPL-3")})
    assert (info.license, info.license_files) == ("GPL-3.0-or-later", ("COPYING",))
    assert info.warnings == ()


def test_ambiguous_classifier_resolved_and_contradicting_classifier_warned(
    tmp_path: Path,
) -> None:
    bsd = read(
        tmp_path / "bsd",
        {"pyproject.toml": pyproject(f"classifiers = [{BSD!r}]"), "LICENSE": text("BSD-3-Clause")},
    )
    assert bsd.license == "BSD-3-Clause"
    mit = "License :: OSI Approved :: MIT License"
    wrong = read(
        tmp_path / "wrong",
        {"pyproject.toml": pyproject(f"classifiers = [{mit!r}]"), "LICENSE": text("Apache-2.0")},
    )
    assert wrong.license == "MIT"
    assert wrong.warnings == (
        f"{tmp_path / 'wrong' / 'LICENSE'} holds the Apache-2.0 text, but the licence declared"
        " in the license classifiers is MIT; recorded MIT as declared",
    )


def test_declared_expression_wins_and_or_later_is_no_contradiction(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {"pyproject.toml": pyproject('license = "GPL-3.0-or-later"'), "COPYING": text("GPL-3")},
    )
    assert info.license == "GPL-3.0-or-later"
    assert info.warnings == ()


def test_several_licence_files_without_declaration_all_apply(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {
            "pyproject.toml": pyproject(),
            "LICENSE-MIT": text("MIT"),
            "LICENSE-APACHE": text("Apache-2.0"),
            "COPYING.notes": "Thanks to everyone.\n",
        },
    )
    assert info.license == "Apache-2.0 AND MIT"
    text_of_warnings = "\n".join(info.warnings)
    assert "recorded as all applying, Apache-2.0 AND MIT" in text_of_warnings
    assert "licence files COPYING.notes match no licence dsprod knows" in text_of_warnings


def test_unknown_licence_text_is_published_as_a_licenseref(tmp_path: Path) -> None:
    info = read(tmp_path, {"pyproject.toml": pyproject(), "LICENSE": "Use it on Tuesdays only.\n"})
    assert (info.license, info.license_files) == (UNKNOWN_LICENSE, ("LICENSE",))
    assert any(
        "the text of LICENSE matches no licence dsprod knows): recorded as"
        f" {UNKNOWN_LICENSE}" in warning
        for warning in info.warnings
    )


def test_lgpl3_shipped_with_the_gpl3_it_amends_is_the_lgpl3(tmp_path: Path) -> None:
    info = read(
        tmp_path,
        {"pyproject.toml": pyproject(), "COPYING": text("GPL-3"), "COPYING.LESSER": text("LGPL-3")},
    )
    assert info.license == "LGPL-3.0-only"
    assert info.license_files == ("COPYING", "COPYING.LESSER")
    assert not any("match no licence" in warning for warning in info.warnings)
    assert any("no 'or any later version' notice" in warning for warning in info.warnings)
