"""C/C++ recipes: dependency names, SONAME pins, content tests, the v1 text rattler-build reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import rattler_build
from ruamel.yaml import YAML

from dsprod.languages.c.dependencies import map_dependencies
from dsprod.languages.c.plan import BuildPlan, Installed
from dsprod.languages.c.reader import _run_exports_pin
from dsprod.languages.c.recipe import c_recipe, package_contents
from dsprod.project import ProjectInfo
from dsprod.recipe.extra import DsprodExtra
from dsprod.recipe.model import PackageContents
from dsprod.recipe.v1 import render_v1
from dsprod.vcs.scm import VersionInfo

pytestmark = pytest.mark.selftest

VERSION = VersionInfo(
    pep440="1.2.0",
    native="1.2.0",
    conda="1.2.0",
    build_string="g0badcafe",
    commit="0badcafe" * 5,
    distance=0,
    dirty=False,
    is_final=True,
    tag="1.2.0",
)
INSTALLED = (
    "bin/cmkx",
    "include/cmkx/cmkx.hpp",
    "lib/cmake/cmkx/cmkxConfig.cmake",
    "lib/libcmkx.so",
    "lib/libcmkx.so.1",
    "lib/libcmkx.so.1.2.0",
    "lib/libstatic.a",
    "lib/pkgconfig/cmkx.pc",
    "share/doc/cmkx/README",
)
INFO = ProjectInfo(
    root=Path("/src/cmkx"),
    language="c",
    name="cmkx",
    conda_name="cmkx",
    version=VERSION,
    summary="Counts",
    license="MIT",
    build_system="cmake",
    compilers=("c", "cxx"),
    build_requirements=("cmake", "ninja"),
    host_requirements=("zlib",),
    run_requirements=("zlib",),
    test_requirements=("gxx_linux-64", "cmake", "ninja", "zlib"),
    test_options=("-DCMKX_BUILD_TESTS=ON",),
    installed_files=INSTALLED,
    run_exports_pin="x",
    noarch=False,
)


def test_dependency_names_map_by_role_and_unknown_ones_are_kept_for_the_warning() -> None:
    mapped = map_dependencies(
        ["ZLIB", "OpenSSL", "Threads", "GTest", "PkgConfig", "Eigen3", "zlib", "Frobnicate"]
    )
    assert mapped.host == ("zlib", "openssl", "eigen")
    assert mapped.test == ("gtest",)
    assert mapped.build == ("pkg-config",)
    assert mapped.unknown == ("Frobnicate",)


@pytest.mark.parametrize(
    ("sonames", "pin"),
    [
        (["libfoo.so.1"], "x"),
        (["libfoo.so.1.2"], "x.x"),
        (["libfoo.so.0", "libbar.so.2.1"], "x.x"),  # the strictest library wins
        (["libfoo.so"], "x.x.x"),
        ([], None),
    ],
)
def test_run_exports_pin_follows_the_soname(sonames: list[str], pin: str | None) -> None:
    plan = BuildPlan(
        build_system="cmake",
        name="foo",
        version=None,
        installed=tuple(Installed(f"lib/{name}", "shared", name) for name in sonames),
    )
    notes: list[str] = []
    assert _run_exports_pin(plan, notes) == pin
    assert bool(notes) == (pin == "x.x.x")


def test_package_contents_from_the_install_plan() -> None:
    assert package_contents(INSTALLED) == PackageContents(
        include=("cmkx/cmkx.hpp",),
        lib=("cmkx",),
        bin=("cmkx",),
        files=("lib/cmake/cmkx/cmkxConfig.cmake", "lib/libstatic.a", "lib/pkgconfig/cmkx.pc"),
    )
    assert package_contents(("share/doc/x/README",)) is None


def test_the_recipe_renders_as_conda_forge_writes_it() -> None:
    text = render_v1(c_recipe(INFO, "../..", "/repos/cmkx"))
    document = YAML(typ="safe").load(text)
    assert document["requirements"]["run_exports"] == [
        '${{ pin_subpackage(name, upper_bound="x") }}'
    ]
    assert document["build"]["script"]["content"][0].startswith('cmake -S "$SRC_DIR"')
    assert "noarch" not in document["build"]
    variants = rattler_build.Stage0Recipe.from_yaml(text).render()
    recipe = variants[0].recipe.to_dict()
    assert recipe["requirements"]["build"] == ["gcc_linux-64", "gxx_linux-64", "cmake", "ninja"]
    assert recipe["requirements"]["host"] == recipe["requirements"]["run"] == ["zlib"]
    assert recipe["tests"] == [
        {
            "package_contents": {
                "include": ["cmkx/cmkx.hpp"],
                "lib": ["cmkx"],
                "bin": ["cmkx"],
                "files": [
                    "lib/cmake/cmkx/cmkxConfig.cmake",
                    "lib/libstatic.a",
                    "lib/pkgconfig/cmkx.pc",
                ],
            }
        }
    ]
    extra = DsprodExtra.from_about({"extra": recipe["extra"]})
    assert (extra.language, extra.build_system) == ("c", "cmake")
    assert extra.test_options == ("-DCMKX_BUILD_TESTS=ON",)
    assert extra.test_requirements == ("gxx_linux-64", "cmake", "ninja", "zlib")
