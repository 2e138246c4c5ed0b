"""Repackaged R, for real: build r-base + testthat's stack, install an env, run R in it.

Also builds the two example packages from their generated v1 recipes against
that channel (dscomp with a stand-in ``gcc_linux-64``: R compiles with the
compiler its Makeconf names, the host's gcc), and runs their testthat suites
in a clean environment.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from dsprod.bootstrap.r import (
    environment_only_renviron,
    find_r_installation,
    relocated_r_launcher,
)
from dsprod.bootstrap.recipe_build import build_recipe, package_output
from dsprod.errors import BuildFailed
from dsprod.recipe.v1 import dump_v1
from dsprod.vcs.scm import VersionInfo

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HAS_R = shutil.which("R") is not None
needs_r = pytest.mark.skipif(not HAS_R, reason="R is not installed on this host")

VERSION = VersionInfo(
    pep440="0.1.0",
    native="0.1.0",
    conda="0.1.0",
    build_string="g0000000_0",
    commit="0" * 40,
    distance=0,
    dirty=False,
    is_final=True,
    tag="v0.1.0",
)

DEBIAN_LAUNCHER_HEAD = """#!/bin/bash
# Shell wrapper for R executable.

R_HOME_DIR=/usr/lib/R
if test "${R_HOME_DIR}" = "/usr/lib/R"; then
   case "linux-gnu" in
   linux*)
     if [ -x "/usr/${libnn}/R/bin/exec/R" ]; then
        R_HOME_DIR="/usr/${libnn}/R"
     fi
     ;;
  esac
fi

R_HOME="${R_HOME_DIR}"
export R_HOME
R_SHARE_DIR=/usr/share/R/share
export R_SHARE_DIR
R_INCLUDE_DIR=/usr/share/R/include
export R_INCLUDE_DIR
R_DOC_DIR=/usr/share/R/doc
export R_DOC_DIR
"""


@needs_r
def test_the_launcher_points_into_the_prefix_and_never_back_to_the_host() -> None:
    installation = find_r_installation("R")
    relocated = relocated_r_launcher(DEBIAN_LAUNCHER_HEAD, installation)
    assert 'R_HOME_DIR="@DSPROD_PREFIX@/lib/R"' in relocated
    assert 'R_SHARE_DIR="@DSPROD_PREFIX@/lib/R/share"' in relocated
    assert "/usr/" not in relocated


@needs_r
def test_a_launcher_of_unknown_shape_is_refused() -> None:
    with pytest.raises(BuildFailed, match="expected one R_SHARE_DIR= line"):
        relocated_r_launcher("#!/bin/sh\nR_HOME_DIR=/usr/lib/R\n", find_r_installation("R"))


def test_renviron_keeps_site_libraries_inside_the_environment() -> None:
    text = (
        "R_LIBS_USER=${R_LIBS_USER:-'%U'}\n"
        "R_LIBS_SITE=${R_LIBS_SITE:-'/usr/local/lib/R/site-library:%S'}\n"
    )
    result = environment_only_renviron(text)
    assert "/usr/local" not in result
    assert "R_LIBS_SITE=${R_LIBS_SITE:-'%S'}" in result
    assert "R_LIBS_USER=${R_LIBS_USER:-'%U'}" in result


async def _index_and_install(channel: Path, specs: list[str], prefix: Path, cache: Path) -> None:
    import rattler
    from rattler.index import index_fs

    await index_fs(channel)
    records = await rattler.solve(
        sources=[rattler.Channel(channel.as_uri())],
        specs=specs,
        virtual_packages=rattler.VirtualPackage.detect(),
    )
    await rattler.install(records, target_prefix=prefix, cache_dir=cache, show_progress=False)


def _rscript(env: Path, code: str) -> subprocess.CompletedProcess[str]:
    # A bare environment: nothing of the caller's R setup may leak in.
    return subprocess.run(
        [str(env / "bin" / "Rscript"), "-e", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(env)},
        check=False,
    )


@pytest.fixture(scope="module")
def r_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dsprod.bootstrap.r import build_r_packages

    channel = tmp_path_factory.mktemp("r-channel")
    (channel / "noarch").mkdir()
    messages: list[str] = []
    packages = build_r_packages(channel, channels=[str(channel)], report=messages.append)
    names = [path.name for path in packages]
    assert names[0].startswith("r-base-")
    assert any(name.startswith("r-testthat-") for name in names)
    assert all("dsprod" in name for name in names)
    assert any(message.startswith("r-base ") for message in messages)
    return channel


@pytest.mark.e2e
@needs_r
def test_r_and_testthat_run_from_a_clean_environment(r_channel: Path, tmp_path: Path) -> None:
    env = tmp_path / "env"
    asyncio.run(_index_and_install(r_channel, ["r-base", "r-testthat"], env, tmp_path / "cache"))

    result = _rscript(env, "library(testthat); cat(R.home(), .libPaths(), sep = '\\n')")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(env / "lib" / "R")
    assert lines[1:] == [str(env / "lib" / "R" / "library")]

    library = env / "lib" / "R" / "library"
    install = subprocess.run(
        [
            str(env / "bin" / "R"),
            "CMD",
            "INSTALL",
            f"--library={library}",
            str(EXAMPLES / "r-pure"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    tests = EXAMPLES / "r-pure" / "tests" / "testthat"
    result = _rscript(
        env,
        f"testthat::test_dir('{tests}', package = 'dspure', load_package = 'installed',"
        " stop_on_failure = TRUE)",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _stand_in_compiler(channel: Path, work: Path) -> None:
    recipe = package_output(
        "gcc_linux-64", "12", build_string="dsprod_test", script="mkdir -p $PREFIX/etc"
    )
    build_recipe(dump_v1(recipe), work / "gcc-recipe", channel, [str(channel)])


@pytest.mark.e2e
@needs_r
def test_example_packages_build_from_their_recipes_and_pass_their_tests(
    r_channel: Path, tmp_path: Path
) -> None:
    from dsprod.languages.r.description import read_r_project
    from dsprod.languages.r.recipe import r_recipe
    from dsprod.recipe.v1 import render_v1

    _stand_in_compiler(r_channel, tmp_path)
    for example in ("r-pure", "r-compiled"):
        recipe = r_recipe(read_r_project(EXAMPLES / example, VERSION), str(EXAMPLES / example), "/")
        built = build_recipe(render_v1(recipe), tmp_path / example, r_channel, [str(r_channel)])
        assert built[0].parent.name == ("noarch" if example == "r-pure" else "linux-64")

    env = tmp_path / "env"
    specs = ["r-dspure", "r-dscomp", "r-testthat"]
    asyncio.run(_index_and_install(r_channel, specs, env, tmp_path / "cache"))
    for package, example in (("dspure", "r-pure"), ("dscomp", "r-compiled")):
        tests = EXAMPLES / example / "tests" / "testthat"
        result = _rscript(
            env,
            f"testthat::test_dir('{tests}', package = '{package}', load_package = 'installed',"
            " stop_on_failure = TRUE)",
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_compiler_stand_ins_carry_the_host_version_and_a_dsprod_build_string() -> None:
    from dsprod.bootstrap.compilers import COMPILERS, HostCompiler, compilers_recipe

    gcc = HostCompiler(COMPILERS[0], "/usr/bin/gcc", "12.2.0")
    [output] = YAML(typ="safe").load(compilers_recipe([gcc]))["outputs"]
    assert output["package"] == {"name": "gcc_linux-64", "version": "12.2.0"}
    assert "dsprod" in output["build"]["string"]
    assert output["build"]["script"]["env"] == {
        "DSPROD_COMPILER": "/usr/bin/gcc",
        "DSPROD_VARIABLES": "CC",
    }
