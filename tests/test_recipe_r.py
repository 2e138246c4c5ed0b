"""R recipe generation: noarch vs compiled, requirements, script, smoke test, v1 text."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from dsprod.languages.r.description import read_r_project
from dsprod.languages.r.recipe import r_recipe
from dsprod.recipe.v1 import render_v1
from dsprod.vcs.scm import VersionInfo

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

VERSION = VersionInfo(
    pep440="0.3.0",
    native="0.3.0",
    conda="0.3.0",
    build_string="gabcdef0_0",
    commit="abcdef0" * 5 + "abcde",
    distance=0,
    dirty=False,
    is_final=True,
    tag="v0.3.0",
)


def make_package(root: Path, description: str, sources: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "DESCRIPTION").write_text(description)
    for name, text in sources.items():
        (root / "src").mkdir(exist_ok=True)
        (root / "src" / name).write_text(text)
    return root


def test_pure_package_is_noarch_generic_with_an_r_install_script() -> None:
    info = read_r_project(EXAMPLES / "r-pure", VERSION)
    recipe = r_recipe(info, "../examples/r-pure", "https://example.org/repo.git")
    assert recipe.name == "r-dspure"
    assert recipe.noarch == "generic"
    assert recipe.compilers == () and recipe.build_requirements == ()
    assert recipe.host_requirements == ("r-base >=4.1",)
    assert recipe.run_requirements == ("r-base >=4.1",)
    # What CRAN would ship: R CMD build (.Rbuildignore applies), then install of that tarball.
    script = "\n".join(recipe.script)
    assert '"$PREFIX/bin/R" CMD build --no-build-vignettes --no-manual "$SRC_DIR"' in script
    assert script.endswith(
        '"$PREFIX/bin/R" CMD INSTALL --no-multiarch --library="$PREFIX/lib/R/library"'
        ' "$tarball_dir"/*.tar.gz'
    )
    assert recipe.test_commands == ("Rscript -e \"library('dspure')\"",)
    assert (recipe.conda_version, recipe.build_string) == ("0.3.0", "gabcdef0_0")
    assert recipe.extra.commit == VERSION.commit
    assert (recipe.source_path, recipe.extra.repository) == (
        "../examples/r-pure",
        "https://example.org/repo.git",
    )
    assert recipe.about.license == "MIT"
    assert recipe.about.license_files == ("LICENSE",)
    assert recipe.about.homepage == "https://example.org/dspure"
    assert recipe.about.repository == "https://github.com/dsprod/dspure"
    assert recipe.extra.language == "r"
    assert recipe.extra.test_requirements == ("r-testthat >=3.0.0",)


def test_compilers_follow_the_sources_in_src(tmp_path: Path) -> None:
    description = "Package: mixed\nVersion: 1.0\nLinkingTo: Rcpp\nImports: Rcpp (>= 1.0.5)\n"
    root = make_package(
        tmp_path / "mixed", description, {"a.c": "", "b.cpp": "", "c.f90": "", "Makevars": ""}
    )
    recipe = r_recipe(read_r_project(root, VERSION), str(root), str(tmp_path))
    assert recipe.noarch is None
    assert recipe.compilers == ("c", "cxx", "fortran")
    assert recipe.host_requirements == ("r-base", "r-rcpp >=1.0.5")
    assert recipe.run_requirements == ("r-base", "r-rcpp >=1.0.5")


def test_cxx_only_package_asks_for_cxx_only(tmp_path: Path) -> None:
    root = make_package(tmp_path / "cc", "Package: cc\nVersion: 1.0\n", {"x.cc": ""})
    recipe = r_recipe(read_r_project(root, VERSION), str(root), str(tmp_path))
    assert recipe.compilers == ("cxx",)


def test_the_v1_text_of_a_compiled_recipe_is_valid_yaml_with_a_jinja_compiler() -> None:
    info = read_r_project(EXAMPLES / "r-compiled", VERSION)
    text = render_v1(r_recipe(info, str(EXAMPLES / "r-compiled"), "/repo"))
    document = YAML(typ="safe").load(text)
    assert document["requirements"]["build"] == ["${{ compiler('c') }}"]
    assert "noarch" not in document["build"]
    assert document["tests"][0]["script"] == ["Rscript -e \"library('dscomp')\""]
    assert document["about"]["license"] == "GPL-2.0-or-later"
