"""What verification checks in a built R package: the installed DESCRIPTION's Version."""

from __future__ import annotations

from pathlib import Path

from dsprod.artifact import Artifact, read_artifact
from dsprod.languages.r.version import installed_version_problems
from tests.packages import build_recipe

DESCRIPTION = "lib/R/library/rvcheck/DESCRIPTION"
RECIPE = """\
package: {{name: r-rvcheck, version: "1.0_7"}}
build:
  noarch: generic
  string: {build}
  script: |
    mkdir -p $PREFIX/lib/R/library/rvcheck
    printf 'Package: rvcheck\\nVersion: {version}\\nBuilt: R 4.2.2\\n' > $PREFIX/{description}
"""


def package_saying(tmp_path: Path, version: str, build: str) -> Artifact:
    recipe = RECIPE.format(build=build, version=version, description=DESCRIPTION)
    return read_artifact(build_recipe(tmp_path, build, recipe))


def test_the_installed_description_must_say_the_computed_version(tmp_path: Path) -> None:
    written = package_saying(tmp_path, "1.0-7", "g0")
    stale = package_saying(tmp_path, "1.0-6.9000", "g1")

    assert list(installed_version_problems(written, "rvcheck", "1.0-7")) == []
    [problem] = installed_version_problems(stale, "rvcheck", "1.0-7")
    assert problem.startswith(
        f"{DESCRIPTION} says Version 1.0-6.9000, dsprod computed 1.0-7 from git"
    )
    assert list(installed_version_problems(written, "other", "1.0-7")) == [
        "no lib/R/library/other/DESCRIPTION: R CMD INSTALL did not install the package"
    ]
