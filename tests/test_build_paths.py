"""No build-machine path in a package's info/: what the builder writes, what verify catches.

Real rattler-build builds of tiny noarch packages against a local (empty)
channel, whose file:// URL rattler-build records in about.json by itself.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conda_package_streaming.package_streaming import stream_conda_component
from rattler import Subdir
from rattler.index import index_fs
from rattler.package_streaming import extract

from dsprod.artifact import read_artifact
from dsprod.builders.base import BuildRequest
from dsprod.builders.rattler_build import RattlerBuilder
from dsprod.errors import VerifyFailed
from dsprod.verify import Expected, verify
from tests.packages import build_package

RECIPE = """\
package: {name: plain, version: "1.0"}
source: {path: src}
build:
  noarch: generic
  string: g0_0
  script: ['mkdir -p "$PREFIX/share/plain" && cp data.txt "$PREFIX/share/plain/"']
about: {license: MIT, summary: plain}
extra:
  dsprod:
    commit: "0000000000000000000000000000000000000000"
    pep440_version: "1.0"
    language: python
"""
RECORDED = {"pep440_version": "1.0", "language": "python"}
"""What build_package's packages record besides the commit, as a dsprod build would."""
COMMIT = "0" * 40


def expected(
    name: str, version: str, build: str, forbidden: tuple[str, ...], repository: str | None = None
) -> Expected:
    """What dsprod demands of these packages: the identity they were built with, no build path."""
    return Expected(
        name,
        version,
        build,
        COMMIT,
        pep440_version="1.0",
        repository=repository,
        language="python",
        forbidden_paths=forbidden,
    )


def info_files(package: Path) -> dict[str, bytes]:
    files = {}
    with package.open("rb") as stream:
        for tar, member in stream_conda_component(package.name, stream, "info"):
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                files[member.name] = handle.read()
    return files


def empty_channel(folder: Path) -> Path:
    (folder / "noarch").mkdir(parents=True)
    asyncio.run(index_fs(folder, target_platform=Subdir("noarch")))
    return folder


def test_the_builder_ships_no_recipe_and_no_local_channel(tmp_path: Path) -> None:
    recipe_dir = tmp_path / "recipe"
    (recipe_dir / "src").mkdir(parents=True)
    (recipe_dir / "recipe.yaml").write_text(RECIPE)
    (recipe_dir / "src" / "data.txt").write_text("data\n")
    channel = empty_channel(tmp_path / "local-channel")
    request = BuildRequest(
        recipe_path=recipe_dir / "recipe.yaml",
        output_dir=tmp_path / "out",
        channels=(channel.as_uri(), "https://conda.example.org/remote"),
        variables={},
        log_path=tmp_path / "build.log",
        run_recipe_tests=False,
        compression_level=3,
    )
    [package] = RattlerBuilder().build(request, report=lambda line: None)

    files = info_files(package)
    assert not [name for name in files if name.startswith("info/recipe/")]
    about = json.loads(files["info/about.json"])
    assert about["channels"] == ["https://conda.example.org/remote/"]  # remote ones stay
    assert [name for name, data in files.items() if str(tmp_path).encode() in data] == []
    # still a package every reader takes: rattler's extractor, dsprod's, verify
    extract(package, tmp_path / "extracted")
    assert (tmp_path / "extracted" / "share" / "plain" / "data.txt").read_text() == "data\n"
    artifact = read_artifact(package)
    verify(artifact, expected("plain", "1.0", "g0_0", (str(tmp_path),)))


def test_verify_finds_build_paths_in_info(tmp_path: Path) -> None:
    """build_package runs rattler-build itself: about.json names its local channel."""
    package = build_package(
        tmp_path, "leaky", "1.0", extra={**RECORDED, "repository": "/build/host/repo"}
    )
    wanted = expected(
        "leaky", "1.0", "g0", ("/build/host/repo", str(tmp_path)), repository="/build/host/repo"
    )
    with pytest.raises(VerifyFailed) as failed:
        verify(read_artifact(package), wanted)
    assert failed.value.exit_code == 5
    message = str(failed.value)
    assert "info/about.json contains the build-machine path /build/host/repo" in message
    assert f"info/about.json contains the build-machine path {tmp_path}" in message


def test_verify_matches_whole_paths_only(tmp_path: Path) -> None:
    """A repository at /app must not fail packages that mention /application or webapp/."""
    package = build_package(
        tmp_path, "apps", "1.0", content="see /application and webapp/app", extra=RECORDED
    )
    verify(read_artifact(package), expected("apps", "1.0", "g0", ("/app",)))
    leaky = build_package(
        tmp_path, "apps", "1.1", content="installed from /app/src", extra=RECORDED
    )
    with pytest.raises(VerifyFailed, match=r"share/apps/data.txt contains .* path /app$"):
        verify(read_artifact(leaky), expected("apps", "1.1", "g0", ("/app",)))
