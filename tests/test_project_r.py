"""DESCRIPTION reading: DCF parsing, dependencies, licences, versions, about."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dsprod.errors import InputError
from dsprod.languages.r.description import (
    parse_dependencies,
    r_version_to_pep440,
    read_description,
    read_r_project,
)
from dsprod.languages.r.licenses import r_license_to_spdx
from dsprod.vcs.scm import VersionInfo

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LICENSES = Path(__file__).resolve().parent / "licenses"

TAGGED = VersionInfo(
    pep440="2.0.0",
    native="2.0.0",
    conda="2.0.0",
    build_string="g1234567_0",
    commit="1234567" * 5 + "12345",
    distance=0,
    dirty=False,
    is_final=True,
    tag="v2.0.0",
)

# Shaped like ggplot2's: Authors@R over many lines with parentheses and colons,
# odd spacing in dependency lists, a Collate field, Config/ fields, a URL list.
GGPLOT_LIKE = """\
Package: ggplotlike
Version: 3.4.0.9000
Title: Create Elegant Data Visualisations Using the Grammar
    of Graphics
Authors@R: c(
    person("Hadley", "Wickham", , "hadley@posit.co", role = "aut",
           comment = c(ORCID = "0000-0003-4757-117X")),
    person("Posit, PBC", role = c("cph", "fnd"))
  )
Description: A system for 'declaratively' creating graphics, based on "The
    Grammar of Graphics". You provide the data,   tell 'ggplot2' how to map
    variables to aesthetics.
License: MIT + file LICENSE
URL: https://ggplot2.tidyverse.org,
    https://github.com/tidyverse/ggplot2
BugReports: https://github.com/tidyverse/ggplot2/issues
Depends:
    R (>= 3.3)
Imports:
    cli,
    glue,
    grDevices,
    grid,
    gtable (>= 0.1.1),
    isoband,
    lifecycle(> 1.0.1),
    MASS,
    mgcv,
    rlang (>= 1.0.0),
    scales(>=1.2.0),
    stats,
    tibble,
    vctrs (>= 0.5.0),
    withr (>= 2.5.0),
Suggests:
    covr,
    knitr,
    testthat (>= 3.1.5)
LinkingTo: Rcpp (>= 1.0.5), cpp11
Config/testthat/edition: 3
Encoding: UTF-8
"""


def write_package(root: Path, description: str, **files: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "DESCRIPTION").write_text(description)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_ggplot_like_description_maps_every_field(tmp_path: Path) -> None:
    root = write_package(tmp_path / "pkg", GGPLOT_LIKE, LICENSE="YEAR: 2023\n")
    (root / "tests" / "testthat").mkdir(parents=True)
    info = read_r_project(root, TAGGED)

    assert (info.language, info.name, info.conda_name) == ("r", "ggplotlike", "r-ggplotlike")
    assert info.summary == "Create Elegant Data Visualisations Using the Grammar of Graphics"
    assert info.description.startswith("A system for 'declaratively' creating graphics, based")
    assert "data, tell 'ggplot2' how" in info.description
    assert info.license == "MIT"
    assert info.license_files == ("LICENSE",)
    assert info.homepage == "https://ggplot2.tidyverse.org"
    assert info.repository == "https://github.com/tidyverse/ggplot2"
    assert info.run_requirements == (
        "r-base >=3.3",
        "r-cli",
        "r-glue",
        "r-gtable >=0.1.1",
        "r-isoband",
        "r-lifecycle >1.0.1",
        "r-rlang >=1.0.0",
        "r-scales >=1.2.0",
        "r-tibble",
        "r-vctrs >=0.5.0",
        "r-withr >=2.5.0",
    )
    assert info.host_requirements == (*info.run_requirements, "r-rcpp >=1.0.5", "r-cpp11")
    # Suggests are optional (as on CRAN), except testthat, which runs tests/testthat/.
    assert info.test_requirements == ("r-testthat >=3.1.5",)
    assert info.optional_test_requirements == ("r-covr", "r-knitr")
    assert info.imports == ("ggplotlike",)
    assert info.noarch is True
    assert info.version == TAGGED
    assert any("git" in warning and "3.4.0.9000" in warning for warning in info.warnings)


def test_minimal_description_without_optional_fields(tmp_path: Path) -> None:
    root = write_package(tmp_path / "tiny", "Package: tiny\nVersion: 0.1\n")
    info = read_r_project(root, TAGGED)
    assert info.run_requirements == ("r-base",)
    assert info.host_requirements == ("r-base",)
    assert info.test_requirements == ()
    assert info.license == "LicenseRef-dsprod-unknown"
    assert info.homepage is None and info.repository is None
    assert info.summary == "" and info.description == ""
    assert any("no License field" in warning for warning in info.warnings)


def test_testthat_folder_adds_r_testthat_once(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: p1\nVersion: 1.0\n")
    (root / "tests" / "testthat").mkdir(parents=True)
    assert read_r_project(root, TAGGED).test_requirements == ("r-testthat",)


def test_suggests_without_a_testthat_folder_are_all_optional(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: p1\nVersion: 1.0\nSuggests: testthat, covr\n")
    info = read_r_project(root, TAGGED)
    assert info.test_requirements == ()
    assert info.optional_test_requirements == ("r-testthat", "r-covr")


def test_base_and_recommended_packages_are_not_requirements(tmp_path: Path) -> None:
    description = (
        "Package: p1\nVersion: 1.0\n"
        "Depends: R (>= 4.1.0), methods, stats\n"
        "Imports: utils, tools, grDevices, graphics, grid, splines, parallel, compiler,\n"
        "  stats4, tcltk, datasets, base, MASS, lattice, Matrix (>= 1.5), nlme, survival,\n"
        "  boot, cluster, codetools, foreign, KernSmooth, rpart, class, nnet, spatial, mgcv,\n"
        "  data.table (>= 1.14.2)\n"
        "Suggests: MASS\n"
    )
    info = read_r_project(write_package(tmp_path / "p", description), TAGGED)
    assert info.run_requirements == ("r-base >=4.1.0", "r-data.table >=1.14.2")
    assert info.test_requirements == ()
    assert info.optional_test_requirements == ()


def test_r_versions_with_dashes_become_pep440(tmp_path: Path) -> None:
    assert r_version_to_pep440("1.2-3") == "1.2.3"
    assert r_version_to_pep440("0.6-0") == "0.6.0"
    assert r_version_to_pep440("1.0.05") == "1.0.5"
    with pytest.raises(InputError, match="not an R version"):
        r_version_to_pep440("1.0a")


def test_two_constraints_on_one_package_merge(tmp_path: Path) -> None:
    description = "Package: p1\nVersion: 1.0\nImports: Rcpp (>= 1.0-5), Rcpp (< 2), vctrs\n"
    info = read_r_project(write_package(tmp_path / "p", description), TAGGED)
    assert info.run_requirements == ("r-base", "r-rcpp >=1.0.5,<2", "r-vctrs")


def test_dependency_parsing_accepts_odd_spacing() -> None:
    parsed = parse_dependencies(" R(>=4.1) ,Rcpp( >= 1.0.5 ),\n\tcli,,", where="x")
    assert [(d.name, d.constraint) for d in parsed] == [
        ("R", ">=4.1"),
        ("Rcpp", ">=1.0.5"),
        ("cli", None),
    ]


def test_a_garbled_dependency_is_an_input_error_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"DESCRIPTION: Imports: cannot parse dependency 'cli >="):
        parse_dependencies("cli >= 1.0", where="DESCRIPTION: Imports")


def test_comments_continuations_and_spacing_in_dcf(tmp_path: Path) -> None:
    path = tmp_path / "DESCRIPTION"
    path.write_text(
        "# a comment\n"
        "Package:p1\n"
        "Title:    Spaced   out\n"
        "Authors@R:\n"
        '    person("A", "B", role = c("aut",\n'
        '\t"cre"), comment = "x: y")\n'
        "Version: 1.0\r\n"
        "\n"
    )
    fields = read_description(path)
    assert fields["Package"] == "p1"
    assert fields["Title"] == "Spaced   out"
    assert fields["Version"] == "1.0"
    assert fields["Authors@R"] == 'person("A", "B", role = c("aut",\n"cre"), comment = "x: y")'


def test_latin1_description_is_read(tmp_path: Path) -> None:
    path = tmp_path / "DESCRIPTION"
    path.write_bytes("Package: p1\nTitle: Caf\xe9\nEncoding: latin1\n".encode("latin-1"))
    assert read_description(path)["Title"] == "Caf\xe9"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Package: p1\nthis line has no colon\n", r"DESCRIPTION:2: expected 'Field: value'"),
        ("  indented first\nPackage: p1\n", r"DESCRIPTION:1: continuation line before any field"),
        ("Package: p1\nPackage: p2\n", r"DESCRIPTION:2: field Package appears twice"),
        ("Package: p1\n\nVersion: 1.0\n", r"DESCRIPTION:2: blank line inside DESCRIPTION"),
        ("Bad Field: x\n", r"DESCRIPTION:1: expected 'Field: value'"),
    ],
)
def test_broken_dcf_is_one_line_input_error_with_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "DESCRIPTION"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        read_description(path)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_description_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read DESCRIPTION"):
        read_r_project(tmp_path, TAGGED)


def test_missing_package_field_is_an_input_error(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Version: 1.0\nTitle: No name\n")
    with pytest.raises(InputError, match=r"DESCRIPTION: missing field Package"):
        read_r_project(root, TAGGED)


def test_invalid_package_name_is_an_input_error(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: my_pkg\nVersion: 1.0\n")
    with pytest.raises(InputError, match="not a valid R package name"):
        read_r_project(root, TAGGED)


def test_unmapped_licence_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: p1\nVersion: 1\nLicense: Unlimited\n")
    info = read_r_project(root, TAGGED)
    assert info.license == "LicenseRef-dsprod-unknown"
    assert any(
        "'Unlimited' has no SPDX mapping: recorded as LicenseRef-dsprod-unknown" in warning
        for warning in info.warnings
    )


def test_a_licence_only_in_a_file_is_read_from_its_text(tmp_path: Path) -> None:
    apache = (LICENSES / "Apache-2.0").read_text()
    description = "Package: p1\nVersion: 1\nLicense: file LICENSE\n"
    root = write_package(tmp_path / "p", description, LICENSE=apache)
    info = read_r_project(root, TAGGED)
    assert (info.license, info.license_files) == ("Apache-2.0", ("LICENSE",))
    assert any("whose text is Apache-2.0" in warning for warning in info.warnings)
    custom = write_package(tmp_path / "c", description, LICENSE="Use it kindly.\n")
    assert read_r_project(custom, TAGGED).license == "LicenseRef-dsprod-unknown"


def test_licence_file_that_does_not_exist_is_a_warning(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: p1\nVersion: 1\nLicense: MIT + file LICENSE\n")
    info = read_r_project(root, TAGGED)
    assert (info.license, info.license_files) == ("MIT", ())
    assert any("names file LICENSE, which does not exist" in warning for warning in info.warnings)


@pytest.mark.parametrize(
    ("field", "spdx", "files"),
    [
        ("MIT + file LICENSE", "MIT", ("LICENSE",)),
        ("GPL (>= 2)", "GPL-2.0-or-later", ()),
        ("GPL(>=2.0)", "GPL-2.0-or-later", ()),
        ("GPL-2", "GPL-2.0-only", ()),
        ("GPL-3", "GPL-3.0-only", ()),
        ("GPL (>= 3)", "GPL-3.0-or-later", ()),
        ("LGPL-2.1", "LGPL-2.1-only", ()),
        ("LGPL (>= 2.1)", "LGPL-2.1-or-later", ()),
        ("BSD_3_clause + file LICENSE", "BSD-3-Clause", ("LICENSE",)),
        ("BSD_2_clause + file LICENCE", "BSD-2-Clause", ("LICENCE",)),
        ("Apache License 2.0", "Apache-2.0", ()),
        ("Apache License (>= 2)", "Apache-2.0", ()),
        ("CC0", "CC0-1.0", ()),
        ("Artistic-2.0", "Artistic-2.0", ()),
        ("AGPL-3", "AGPL-3.0-only", ()),
        ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only", ()),
        ("MIT + file LICENSE | Apache License 2.0", "MIT OR Apache-2.0", ("LICENSE",)),
        ("file LICENSE", None, ("LICENSE",)),
        ("GPL-3 | file LICENSE", None, ("LICENSE",)),
        ("Unlimited", None, ()),
    ],
)
def test_r_licences_map_to_spdx(field: str, spdx: str | None, files: tuple[str, ...]) -> None:
    mapped = r_license_to_spdx(field)
    assert (mapped.spdx, mapped.files) == (spdx, files)


def test_compiled_sources_make_the_package_platform_specific(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: p1\nVersion: 1\n", **{"src/x.cpp": "int x;"})
    assert read_r_project(root, TAGGED).noarch is False
    assert read_r_project(root, TAGGED).compilers == ("cxx",)
    headers_only = write_package(tmp_path / "h", "Package: h1\nVersion: 1\n", **{"src/x.h": ""})
    assert read_r_project(headers_only, TAGGED).noarch is True


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_without_a_version_tag_description_version_is_used(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = write_package(repo / "pkgs" / "p", "Package: p1\nVersion: 1.2-3\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    info = read_r_project(root, None)
    assert info.version.pep440 == "1.2.3"
    assert info.version.tag is None
    assert len(info.version.commit) == 40
    assert info.tests_dirs == ("pkgs/p/tests",)
    assert any("no git version tag" in w and "1.2-3" in w for w in info.warnings)


def test_without_a_version_tag_or_field_is_an_input_error(tmp_path: Path) -> None:
    root = write_package(tmp_path / "p", "Package: p1\n")
    with pytest.raises(InputError, match="no git version tag and no Version field"):
        read_r_project(root, None)


def test_the_examples_read_cleanly() -> None:
    pure = read_r_project(EXAMPLES / "r-pure", TAGGED)
    assert (pure.conda_name, pure.noarch, pure.license) == ("r-dspure", True, "MIT")
    assert pure.license_files == ("LICENSE",)
    assert pure.run_requirements == ("r-base >=4.1",)
    assert pure.test_requirements == ("r-testthat >=3.0.0",)
    compiled = read_r_project(EXAMPLES / "r-compiled", TAGGED)
    assert (compiled.conda_name, compiled.noarch) == ("r-dscomp", False)
    assert compiled.license == "GPL-2.0-or-later"


def test_url_field_never_records_a_url_cut_at_a_space(tmp_path: Path) -> None:
    description = (
        "Package: spaced\nVersion: 0.1\n"
        "URL: https://github.com/org/my pkg, <https://example.org/user guide>,\n"
        "    https://example.org/a%20b (mirror) www.example.org\n"
    )
    info = read_r_project(write_package(tmp_path / "spaced", description), TAGGED)
    assert info.homepage == "https://example.org/user%20guide"
    assert info.repository is None  # not the truncated https://github.com/org/my
    warnings = "\n".join(info.warnings)
    assert "'https://github.com/org/my pkg' looks like one URL with a space in it" in warnings
    assert "'(mirror)' is not a URL" in warnings
    assert "'www.example.org' is not a URL" in warnings
    assert "DESCRIPTION: URL" in warnings
