"""The bootstrap channel: built from this host, usable for real envs, cached."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import rattler_build

from dsprod.bootstrap import BASE_PYPI_PACKAGES, ensure_bootstrap_channel
from dsprod.bootstrap.channel import MANIFEST_NAME
from dsprod.bootstrap.host_tools import (
    HostTool,
    HostToolPackage,
    build_host_tool_packages,
    host_tools,
    host_tools_recipe,
    version_of,
)
from dsprod.bootstrap.pypi import dsprod_build_string, launcher, wheel_dependencies, wheel_scripts
from dsprod.bootstrap.python import _SCRIPT as PYTHON_SCRIPT
from dsprod.bootstrap.python import python_abi, python_recipe
from dsprod.bootstrap.r import InstalledRPackage, RInstallation, r_package_recipe
from dsprod.errors import InputError


def test_build_strings_get_dsprod_before_the_build_number() -> None:
    assert dsprod_build_string("py_0") == "py_dsprod_0"
    assert dsprod_build_string("py311_abi3_2") == "py311_abi3_dsprod_2"


def test_marker_dependencies_are_kept_only_where_they_apply(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: demo",
            "Version: 1.0",
            "Requires-Dist: plain",
            "Requires-Dist: torch>=2",
            "Requires-Dist: mdurl~=0.1",
            "Requires-Dist: Typing-Extensions>=4.1",
            'Requires-Dist: tomli>=2; python_version < "3.0"',
            'Requires-Dist: posix-only; os_name == "posix"',
            'Requires-Dist: docs-only; extra == "docs"',
        ]
    )
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata)
    assert wheel_dependencies(wheel) == [
        "plain",
        "pytorch >=2",  # named as recipes name it
        "mdurl ~=0.1",  # PEP 440's compatible release, which rattler reads as such
        "typing_extensions >=4.1",
        "posix-only",
    ]


def test_console_and_gui_scripts_are_read_from_the_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-cp311-cp311-linux_x86_64.whl"
    entry_points = "\n".join(
        [
            "[console_scripts]",
            "Demo-Tool = demo.cli:main",
            "demo-extra = demo.cli:run [speedups]",
            "[gui_scripts]",
            "demo-gui = demo.gui:App.start",
            "[demo.plugins]",
            "not-a-script = demo.plugin",
        ]
    )
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/entry_points.txt", entry_points)
    assert wheel_scripts(wheel) == {
        "Demo-Tool": "demo.cli:main",
        "demo-extra": "demo.cli:run",
        "demo-gui": "demo.gui:App.start",
    }


def test_launcher_runs_the_attribute_path_with_the_env_python() -> None:
    script = launcher("demo.gui:App.start")
    assert script.startswith("#!/opt/anaconda1anaconda2anaconda3/bin/python\n")
    assert "from demo.gui import App\n" in script
    assert "sys.exit(App.start())" in script


def _render(text: str) -> dict[str, dict]:
    """rattler-build's own reading of a recipe text: each output by package name."""
    variants = rattler_build.Stage0Recipe.from_yaml(text).render()
    return {variant.recipe.package.name: variant.recipe.to_dict() for variant in variants}


def test_bootstrap_recipes_read_back_as_built(tmp_path: Path) -> None:
    outputs = _render(python_recipe(Path("/opt/py"), "3.11.7"))
    assert sorted(outputs) == ["python", "python_abi"]
    python = outputs["python"]
    assert python["build"]["string"] == "dsprod_0_cpython"
    assert python["build"]["script"]["content"] == PYTHON_SCRIPT
    assert python["build"]["script"]["env"]["DSPROD_SOURCE_PREFIX"] == "/opt/py"
    assert outputs["python_abi"]["package"]["version"] == python_abi()

    installation = RInstallation(
        home=Path("/usr/lib/R"),
        share=Path("/usr/share/R/share"),
        include=Path("/usr/share/R/include"),
        doc=Path("/usr/share/R/doc"),
        version="4.2.2",
    )
    package = InstalledRPackage(
        name="demo",
        folder=tmp_path / "demo",
        description={"Version": "0.20", "Title": "A\n  Demo", "License": "Odd", "Built": "R 4.1.0"},
        dependencies=(),
    )
    text, warning = r_package_recipe(package, installation)
    [demo] = _render(text).values()
    assert demo["package"] == {"name": "r-demo", "version": "0.20"}
    assert demo["build"]["noarch"] == "generic"
    assert demo["build"]["string"] == "dsprod_0"
    assert demo["requirements"]["run"] == ["r-base >=4.1"]
    assert demo["about"] == {"summary": "A Demo"}  # no SPDX licence: none written ...
    assert warning is not None and "'Odd'" in warning  # ... and the caller is told


def _index_json(package: Path, scratch: Path) -> dict:
    from conda_package_handling.api import extract

    target = scratch / f"{package.name}.info"
    extract(str(package), str(target), components="info")
    return json.loads((target / "info" / "index.json").read_text())


@pytest.mark.e2e
def test_channel_has_indexed_subdirs_and_dsprod_builds(bootstrap_channel: Path) -> None:
    for subdir in ("noarch", "linux-64"):
        assert (bootstrap_channel / subdir / "repodata.json").is_file()
    repodata = {
        subdir: json.loads((bootstrap_channel / subdir / "repodata.json").read_text())
        for subdir in ("noarch", "linux-64")
    }
    records = [
        record
        for data in repodata.values()
        for record in [*data.get("packages", {}).values(), *data.get("packages.conda", {}).values()]
    ]
    names = {record["name"] for record in records}
    assert {"python", "python_abi", "pip", "pytest", "iniconfig", "pluggy", "hatchling"} <= names
    assert all("dsprod" in record["build"] for record in records)
    pytest_record = next(record for record in records if record["name"] == "pytest")
    depended = {dependency.split()[0] for dependency in pytest_record["depends"]}
    assert {"iniconfig", "pluggy", "packaging"} <= depended
    assert not {"tomli", "exceptiongroup", "colorama"} & depended
    modes = {package.stat().st_mode & 0o777 for package in bootstrap_channel.glob("*/*.conda")}
    assert modes == {0o644}


@pytest.mark.e2e
def test_fresh_env_from_channel_runs_python_and_tools(
    bootstrap_channel: Path, tmp_path: Path
) -> None:
    import rattler

    async def make_env() -> Path:
        prefix = tmp_path / "env"
        records = await rattler.solve(
            sources=[str(bootstrap_channel)],
            specs=["python", "pytest", "setuptools-scm", "hatchling"],
            virtual_packages=rattler.VirtualPackage.detect(),
        )
        await rattler.install(records, target_prefix=prefix)
        return prefix

    prefix = asyncio.run(make_env())
    code = "import ssl, sqlite3, ctypes, pytest, setuptools_scm, hatchling, sys;print(sys.prefix)"
    result = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == prefix
    pytest_run = subprocess.run(
        [str(prefix / "bin" / "pytest"), "--version"], capture_output=True, text=True, check=False
    )
    assert pytest_run.returncode == 0, pytest_run.stderr


@pytest.mark.e2e
def test_second_call_is_a_cache_hit(bootstrap_channel: Path) -> None:
    manifest = bootstrap_channel / MANIFEST_NAME
    before = manifest.stat().st_mtime_ns
    messages: list[str] = []
    again = asyncio.run(ensure_bootstrap_channel(bootstrap_channel.parent, report=messages.append))
    assert again == bootstrap_channel
    # Nothing was rebuilt or re-indexed: the manifest is written last by every build.
    assert manifest.stat().st_mtime_ns == before
    assert all("up to date" in message for message in messages)
    requests = json.loads(manifest.read_text())["pypi_requests"]
    assert requests[: len(BASE_PYPI_PACKAGES)] == list(BASE_PYPI_PACKAGES)


@pytest.mark.e2e
def test_unknown_pypi_package_is_an_input_error(bootstrap_channel: Path) -> None:
    with pytest.raises(InputError, match="this-package-does-not-exist-dsprod") as error:
        asyncio.run(
            ensure_bootstrap_channel(
                bootstrap_channel.parent, extra_pypi=["this-package-does-not-exist-dsprod"]
            )
        )
    assert "\n" not in str(error.value)
    assert (bootstrap_channel / MANIFEST_NAME).is_file()  # the channel is left as it was


@pytest.mark.e2e
def test_extra_pypi_package_is_added_not_rebuilt(bootstrap_channel: Path, tmp_path: Path) -> None:
    # A copy of the shared channel, so the shared one never gets the extra package.
    shutil.copytree(bootstrap_channel, tmp_path / "channel", symlinks=True)
    channel = asyncio.run(ensure_bootstrap_channel(tmp_path))
    assert channel == tmp_path / "channel"
    python_package = next(channel.glob("linux-64/python-*.conda"))
    python_mtime = python_package.stat().st_mtime_ns
    asyncio.run(ensure_bootstrap_channel(tmp_path, extra_pypi=["six"]))
    assert python_package.stat().st_mtime_ns == python_mtime
    six = next(channel.glob("noarch/six-*.conda"))
    assert "dsprod" in _index_json(six, tmp_path)["build"]
    manifest = json.loads((channel / MANIFEST_NAME).read_text())
    assert "six" in manifest["pypi_requests"]
    assert f"noarch/{six.name}" in manifest["packages"]
    repodata = json.loads((channel / "noarch" / "repodata.json").read_text())
    assert six.name in repodata["packages.conda"]

    asyncio.run(ensure_bootstrap_channel(tmp_path, refresh=True))  # a full rebuild ...
    assert "six" in json.loads((channel / MANIFEST_NAME).read_text())["pypi_requests"]
    assert list(channel.glob("noarch/six-*.conda"))  # ... keeps what --pypi added


@pytest.mark.e2e
def test_console_scripts_of_binary_and_pure_wheels_run_from_a_fresh_env(
    bootstrap_channel: Path, tmp_path: Path
) -> None:
    """cython (a binary wheel: whl2conda gives it no bin/), meson (pure), ninja (ships its own).

    meson and ninja are in the channel already; cython is added to a copy.
    """
    import rattler

    shutil.copytree(bootstrap_channel, tmp_path / "channel", symlinks=True)
    tools = ["cython", "meson", "ninja"]
    channel = asyncio.run(ensure_bootstrap_channel(tmp_path, extra_pypi=["cython"]))
    assert any(channel.glob("linux-64/cython-*.conda"))  # a platform package, not noarch

    async def make_env() -> Path:
        prefix = tmp_path / "env"
        records = await rattler.solve(
            sources=[str(channel)],
            specs=["python", *tools],
            virtual_packages=rattler.VirtualPackage.detect(),
        )
        await rattler.install(records, target_prefix=prefix)
        return prefix

    prefix = asyncio.run(make_env())
    for command, expected in (
        ("cython", "Cython version"),
        ("cythonize", "usage"),
        ("meson", "."),
        ("ninja", "."),
    ):
        argument = "--help" if command == "cythonize" else "--version"
        result = subprocess.run(
            [str(prefix / "bin" / command), argument], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (command, result.stderr)
        assert expected in result.stdout + result.stderr, command


def test_host_tool_versions_are_read_from_the_first_line() -> None:
    assert version_of("GNU Make 4.3\nBuilt for x86_64-pc-linux-gnu\n") == "4.3"
    assert version_of("1.8.1\n") == "1.8.1"
    assert version_of("pkg-config, no version here\n0.29.2\n") is None


def test_host_tool_recipe_wraps_each_tool_in_a_dsprod_package() -> None:
    tools = [
        HostTool(HostToolPackage("make", "make"), "/usr/bin/make", "4.3"),
        HostTool(HostToolPackage("pkg-config", "pkg-config", True), "/usr/bin/pkg-config", "1.8"),
    ]
    outputs = _render(host_tools_recipe(tools))
    assert sorted(outputs) == ["make", "pkg-config"]
    make = outputs["make"]
    assert make["package"] == {"name": "make", "version": "4.3"}
    assert make["build"]["string"] == "dsprod_0"
    assert make["build"].get("noarch") is None  # it runs this host's binary
    assert make["build"]["script"]["env"]["DSPROD_TOOL"] == "/usr/bin/make"
    assert make["build"]["script"]["env"]["DSPROD_SEARCHES_PREFIX"] == "no"
    assert outputs["pkg-config"]["build"]["script"]["env"]["DSPROD_SEARCHES_PREFIX"] == "yes"


def test_a_tool_the_host_lacks_is_left_out_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("this host has no make")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "make").symlink_to(make)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert [tool.package.conda_name for tool in host_tools()] == ["make"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    messages: list[str] = []
    assert build_host_tool_packages(tmp_path / "work", [], messages.append) == []
    assert messages == ["host tools not found on this host, no stand-in package: make, pkg-config"]


_HELLO_C = '#include <stdio.h>\nint main(void) { puts("hello from dsprod"); return 0; }\n'
_HELLO_CMAKE = (
    "cmake_minimum_required(VERSION 3.15)\nproject(hello C)\nadd_executable(hello main.c)\n"
)
_HELLO_MESON = "project('hello', 'c')\nexecutable('hello', 'main.c')\n"


@pytest.mark.e2e
def test_c_build_tools_from_a_fresh_env_build_and_run_a_program(
    bootstrap_channel: Path, tmp_path: Path
) -> None:
    """cmake+ninja and meson+ninja build a C program with the compiler stand-in's CC."""
    import rattler

    specs = ["python", "cmake", "ninja", "meson", "make", "pkg-config", "gcc_linux-64"]

    async def make_env() -> tuple[Path, dict[str, str]]:
        prefix = tmp_path / "env"
        records = await rattler.solve(
            sources=[str(bootstrap_channel)],
            specs=specs,
            virtual_packages=rattler.VirtualPackage.detect(),
        )
        await rattler.install(records, target_prefix=prefix)
        return prefix, {record.name.normalized: str(record.version) for record in records}

    prefix, versions = asyncio.run(make_env())
    # The env as an activated one sees it: its bin/ first, the compiler stand-in's CC.
    activated = 'for s in "$0"/etc/conda/activate.d/*.sh; do . "$s"; done; exec "$@"'
    environment = {**os.environ, "PATH": f"{prefix / 'bin'}{os.pathsep}{os.environ['PATH']}"}

    def run(*command: str, cwd: Path = tmp_path) -> str:
        result = subprocess.run(
            ["bash", "-c", activated, str(prefix), *command],
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
            env=environment,
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        return result.stdout

    for tool in ("cmake", "ninja", "meson", "pkg-config"):
        assert versions[tool] in run(str(prefix / "bin" / tool), "--version"), tool
    assert f"GNU Make {versions['make']}" in run(str(prefix / "bin" / "make"), "--version")
    # pkg-config searches the env first: the env's python3.pc, not the host's.
    assert run("pkg-config", "--variable=prefix", "python3").strip() == str(prefix)

    source = tmp_path / "hello"
    source.mkdir()
    (source / "main.c").write_text(_HELLO_C)
    (source / "CMakeLists.txt").write_text(_HELLO_CMAKE)
    (source / "meson.build").write_text(_HELLO_MESON)
    run("cmake", "-G", "Ninja", "-S", str(source), "-B", "cmake-build")
    cache = (tmp_path / "cmake-build" / "CMakeCache.txt").read_text()
    assert f"CMAKE_MAKE_PROGRAM:FILEPATH={prefix / 'bin' / 'ninja'}" in cache
    compiler = run("sh", "-c", 'echo "$CC"').strip()
    assert compiler and f"CMAKE_C_COMPILER:FILEPATH={compiler}" in cache
    run("cmake", "--build", "cmake-build")
    assert run(str(tmp_path / "cmake-build" / "hello")) == "hello from dsprod\n"

    run("meson", "setup", "meson-build", str(source))
    run("meson", "compile", "-C", "meson-build")
    assert run(str(tmp_path / "meson-build" / "hello")) == "hello from dsprod\n"
