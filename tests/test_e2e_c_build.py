"""``dsprod build`` on the C/C++ examples, through the real CLI, into a real local store.

Each example is a fresh git repository tagged 0.1.0; the meson one lives in a
subfolder (``--project native/mesonc``), as libraries inside larger
repositories do. The package must be a linux-64 package with a ``run_exports``
pin by its SONAME, hold what the install plan promised (rattler-build's own
``package_contents`` test passed during the build), and record what the C test
runner needs in ``extra.dsprod``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conda_package_streaming.package_streaming import stream_conda_component

from dsprod.artifact import read_artifact
from tests.projects import EXAMPLES, commit_all, dsprod, git

pytestmark = pytest.mark.e2e


def tagged_repo(repo: Path, example: str, subfolder: str, store: Path) -> Path:
    """``example`` copied to ``repo/subfolder`` of a fresh repository tagged 0.1.0."""
    project = repo / subfolder
    shutil.copytree(EXAMPLES / example, project)
    (repo / "channels.yaml").write_text(
        f"store: {{kind: local, path: {store}}}\ndependency_channels: [bootstrap]\n"
    )
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "initial")
    git(repo, "tag", "0.1.0")
    return project


def info_file(package: Path, name: str) -> bytes | None:
    with package.open("rb") as stream:
        for tar, member in stream_conda_component(package.name, stream, "info"):
            if member.name == name:
                extracted = tar.extractfile(member)
                return extracted.read() if extracted is not None else None
    return None


@pytest.mark.parametrize(
    ("example", "subfolder", "expected"),
    [
        pytest.param(
            "cmake-cxx",
            ".",
            {
                "name": "cmkx",
                "build_system": "cmake",
                "project_dir": ".",
                "tests_dirs": ["tests"],
                "test_options": ["-DCMKX_BUILD_TESTS=ON"],
                "test_requirements": ["gxx_linux-64", "cmake", "ninja"],
                "files": [
                    "include/cmkx/cmkx.hpp",
                    "lib/libcmkx.so.0",
                    "bin/cmkx",
                    "lib/cmake/cmkx/cmkxConfig.cmake",
                    "lib/cmake/cmkx/cmkxTargets.cmake",
                ],
                "license": "MIT",
            },
            id="cmake-cxx",
        ),
        pytest.param(
            "meson-c",
            "native/mesonc",
            {
                "name": "mesonc",
                "build_system": "meson",
                "project_dir": "native/mesonc",
                "tests_dirs": ["native/mesonc/tests"],
                "test_options": ["-Dtests=true"],
                "test_requirements": ["gcc_linux-64", "meson", "ninja"],
                "files": ["include/mesonc.h", "lib/libmesonc.so.0", "lib/pkgconfig/mesonc.pc"],
                "license": "BSD-3-Clause",
            },
            id="meson-c",
        ),
    ],
)
def test_build_puts_a_platform_package_with_its_contract_in_unstable(
    tmp_path: Path, bootstrap_channel: Path, example: str, subfolder: str, expected: dict
) -> None:
    store = tmp_path / "store"
    project = tagged_repo(tmp_path / "repo", example, subfolder, store)

    code, result, stderr = dsprod(project, "build")

    assert code == 0, stderr + json.dumps(result)
    assert result["published"] is True
    assert result["version"] == "0.1.0"
    assert result["subdir"] == "linux-64"
    # rattler-build ran the recipe's package_contents test on the package and it passed.
    assert "✔ all tests passed" in stderr
    header = next(path for path in expected["files"] if path.startswith("include/"))
    assert f'include: "{header}" matched' in stderr
    assert f'lib: "lib/{{,lib}}{expected["name"]}.so' in stderr
    package = read_artifact(store / "channels" / "unstable" / "linux-64" / result["filename"])
    assert package.name == expected["name"]
    assert "noarch" not in package.index
    installed = {entry["_path"] for entry in package.paths}
    assert set(expected["files"]) <= installed
    run_exports = json.loads(info_file(package.path, "info/run_exports.json") or b"{}")
    assert run_exports == {"weak": [f"{expected['name']} >=0.1.0,<1.0a0"]}
    assert package.about["license"] == expected["license"]
    extra = package.extra
    assert extra.language == "c"
    assert extra.build_system == expected["build_system"]
    assert extra.project_dir == expected["project_dir"]
    assert list(extra.tests_dirs) == expected["tests_dirs"]
    assert list(extra.test_options) == expected["test_options"]
    assert list(extra.test_requirements) == expected["test_requirements"]
    assert extra.commit == git(project, "rev-parse", "HEAD")
