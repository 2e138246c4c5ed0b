"""Repackaged R, for real: build r-base + testthat's stack, install an env, run R in it.

Also builds the two example packages from their generated v1 recipes against
that channel (dscomp with a stand-in ``gcc_linux-64``: R compiles with the
compiler its Makeconf names, the host's gcc), and runs their testthat suites
in a clean environment.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from dsprod.bootstrap.r import (
    build_r_packages,
    environment_only_renviron,
    find_r_installation,
    host_r,
    r_inputs,
    relocated_r_launcher,
)
from dsprod.bootstrap.recipe_build import build_recipe, package_output
from dsprod.errors import BuildFailed
from dsprod.recipe.v1 import dump_v1
from dsprod.vcs.scm import VersionInfo
from tests.projects import rscript

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

    result = rscript(env, "library(testthat); cat(R.home(), .libPaths(), sep = '\\n')")
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
    result = rscript(
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
        result = rscript(
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


def half_installed_r(root: Path, *, dangling: bool) -> Path:
    """A copy of the host's R whose ``etc/ldpaths`` is missing, as a broken install leaves it.

    R_HOME's folders are links to the host's; ``etc/`` is copied with
    ``ldpaths`` removed, or (``dangling``) linked to a file that does not
    exist (Debian's link into /etc/R before the package is configured), and
    the launcher points at the copy. Returns the folder to put first on PATH.
    """
    host_home = Path(subprocess.run(["R", "RHOME"], capture_output=True, text=True).stdout.strip())
    home = root / "R"
    home.mkdir(parents=True)
    for entry in host_home.iterdir():
        if entry.name not in ("etc", "bin"):
            (home / entry.name).symlink_to(entry)
    shutil.copytree(host_home / "etc", home / "etc", symlinks=True)
    (home / "etc" / "ldpaths").unlink()
    if dangling:
        (home / "etc" / "ldpaths").symlink_to(root / "not-configured" / "ldpaths")
    (home / "bin").mkdir()
    for entry in (host_home / "bin").iterdir():
        if entry.name != "R":
            (home / "bin" / entry.name).symlink_to(entry)
    launcher = (host_home / "bin" / "R").read_text()
    (home / "bin" / "R").write_text(
        launcher.replace(f"R_HOME_DIR={host_home}\n", f"R_HOME_DIR={home}\n", 1)
    )
    (home / "bin" / "R").chmod(0o755)
    path = root / "path"
    path.mkdir()
    (path / "R").symlink_to(home / "bin" / "R")
    return path


@needs_r
@pytest.mark.parametrize("dangling", [False, True], ids=["removed", "dangling-link"])
def test_a_half_installed_r_is_reported_unusable_and_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dangling: bool
) -> None:
    path = half_installed_r(tmp_path / "broken", dangling=dangling)
    monkeypatch.setenv("PATH", f"{path}:{os.environ['PATH']}")
    installation, why = host_r()
    assert installation is None
    etc = tmp_path / "broken" / "R" / "etc"
    assert why == (
        f"R is unusable: {etc / 'ldpaths'} missing"
        " (R is half-installed; finish its installation, e.g. dpkg --configure -a)"
    )
    said: list[str] = []
    assert build_r_packages(tmp_path / "out", channels=[], report=said.append) == []
    assert said == [f"{why}: no r-base in the channel (R packages cannot be built or tested)"]
    assert r_inputs() is None  # repairing R changes the channel's inputs: it is rebuilt


@needs_r
def test_the_working_r_is_found_with_no_reason() -> None:
    installation, why = host_r()
    assert installation is not None and why == ""


@needs_r
def test_an_r_that_fails_to_start_is_reported_with_its_last_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = half_installed_r(tmp_path / "broken", dangling=False)
    (tmp_path / "broken" / "R" / "bin" / "exec").unlink()  # the R binary is gone
    monkeypatch.setenv("PATH", f"{path}:{os.environ['PATH']}")
    installation, why = host_r()
    assert installation is None
    assert why.startswith(f"R is unusable: {path / 'R'} fails to start: ")
    assert "exec/R" in why  # the launcher's own error line


ADDED_R_PACKAGE = "rex"
"""Installed on this host (Debian's r-cran-rex), not in testthat's stack, pure R, and it
imports lazyeval (compiled, also outside the stack): ``--r rex`` must bring both."""


@pytest.mark.e2e
@needs_r
def test_bootstrap_r_adds_a_host_package_with_its_dependencies_and_keeps_it(
    bootstrap_channel: Path, tmp_path: Path
) -> None:
    from dsprod.bootstrap import ensure_bootstrap_channel
    from dsprod.bootstrap.channel import MANIFEST_NAME
    from tests.projects import install

    # A copy of the shared channel (and its wheels), so the shared one never changes.
    shutil.copytree(bootstrap_channel, tmp_path / "channel", symlinks=True)
    shutil.copytree(bootstrap_channel.parent / "wheels", tmp_path / "wheels")
    testthat = next(tmp_path.glob("channel/*/r-testthat-*.conda"))
    testthat_mtime = testthat.stat().st_mtime_ns
    assert not list(tmp_path.glob("channel/*/r-rex-*.conda"))

    said: list[str] = []
    channel = asyncio.run(
        ensure_bootstrap_channel(tmp_path, extra_r=[ADDED_R_PACKAGE], report=said.append)
    )
    assert [p.name.split("-")[1] for p in channel.glob("*/r-*.conda")].count("rex") == 1
    assert list(channel.glob("noarch/r-rex-*.conda"))
    assert list(channel.glob("linux-64/r-lazyeval-*.conda"))  # compiled: built for this R
    assert testthat.stat().st_mtime_ns == testthat_mtime  # the stack is not rebuilt
    assert any("2 R packages (rex and dependencies new to the channel)" in m for m in said)
    assert json.loads((channel / MANIFEST_NAME).read_text())["r_requests"] == ["rex"]

    env = tmp_path / "env"
    install(env, [channel.as_uri()], "r-rex")
    result = rscript(env, 'library(rex); cat(grepl(rex("a", digit), c("a1", "b2")))')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "TRUE FALSE"

    asyncio.run(ensure_bootstrap_channel(tmp_path, refresh=True))  # a full rebuild ...
    assert json.loads((channel / MANIFEST_NAME).read_text())["r_requests"] == ["rex"]
    assert list(channel.glob("noarch/r-rex-*.conda"))  # ... keeps what --r added
    assert list(channel.glob("linux-64/r-lazyeval-*.conda"))


@needs_r
def test_bootstrap_r_of_a_package_the_host_lacks_says_how_to_install_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dsprod", "bootstrap", "--r", "NotAnRPackage"],
        capture_output=True,
        text=True,
        env={**os.environ, "DSPROD_BOOTSTRAP_DIR": str(tmp_path / "boot")},
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "R package 'NotAnRPackage' is not installed on this host" in lines[0]
    assert lines[0].endswith("apt-get install r-cran-notanrpackage")
    assert not (tmp_path / "boot").exists()  # refused before anything was built


@needs_r
def test_bootstrap_r_names_are_taken_as_the_host_spells_them() -> None:
    from dsprod.bootstrap.r import requested_r_packages

    assert requested_r_packages(["r6", "REX", "rex"]) == ["R6", "rex"]


@pytest.mark.e2e
@needs_r
def test_dsprod_bootstrap_with_a_half_installed_r_builds_the_channel_without_r(
    bootstrap_channel: Path, tmp_path: Path
) -> None:
    path = half_installed_r(tmp_path / "broken", dangling=True)
    boot = tmp_path / "boot"
    boot.mkdir()
    shutil.copytree(bootstrap_channel.parent / "wheels", boot / "wheels")  # no downloads
    result = subprocess.run(
        [sys.executable, "-m", "dsprod", "bootstrap"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PATH": f"{path}:{os.environ['PATH']}",
            "DSPROD_BOOTSTRAP_DIR": str(boot),
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ldpaths = tmp_path / "broken" / "R" / "etc" / "ldpaths"
    assert f"R is unusable: {ldpaths} missing (R is half-installed" in result.stderr
    assert "no r-base in the channel" in result.stderr
    channel = boot / "channel"
    assert list(channel.glob("linux-64/python-*.conda"))
    assert not list(channel.glob("*/r-*.conda"))
