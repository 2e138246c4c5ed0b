"""Real tiny conda packages for store and promotion tests, built with rattler-build itself."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conda_package_streaming.create import conda_builder
from rattler import Subdir
from rattler.index import index_fs
from rattler_build import Stage0Recipe

from dsprod.builders.base import BuildRequest
from dsprod.builders.rattler_build import RattlerBuilder
from dsprod.progress import silent
from dsprod.recipe.model import BUILD_VARIABLES
from dsprod.store.base import StoredPackage
from dsprod.store.ledger import PromotionEntry, TestReport

RECIPE = """\
package: {{name: {name}, version: "{version}"}}
build:
  noarch: generic
  string: {build}
  script:
    - mkdir -p $(dirname $PREFIX/{file}) && echo '{content}' > $PREFIX/{file}
about: {{license: {license}, summary: a test package}}
extra: {{dsprod: {extra}}}
"""

# What a Python project's package must hold to pass verification: its identity and commit
# from git, a licence and summary, and a *.dist-info at the PEP 440 version (as pip writes).
PYTHON_PROJECT_RECIPE = """\
package: {{name: {name}, version: "{version}"}}
build:
  noarch: generic
  string: {build}
  script: |
    mkdir -p $PREFIX/site-packages/{dist_info} && cd $PREFIX/site-packages/{dist_info}
    printf 'Metadata-Version: 2.1\\nName: {name}\\nVersion: {pep440}\\n' > METADATA
about: {{license: MIT, summary: a stand-in for the project's package}}
extra: {{dsprod: {extra}}}
"""


def build_package(
    workdir: Path,
    name: str,
    version: str,
    build: str = "g0",
    content: str = "x",
    extra: dict[str, str] | None = None,
    file: str | None = None,
    license: str = "MIT",
) -> Path:
    """Build a noarch package holding one text file; returns the .conda file.

    ``extra`` goes into ``extra.dsprod`` (the commit defaults to forty zeros);
    ``file`` is where the text file is installed (default ``share/NAME/data.txt``).
    """
    file = file or f"share/{name}/data.txt"
    recipe = RECIPE.format(
        name=name,
        version=version,
        build=build,
        content=content,
        file=file,
        license=license,
        extra=json.dumps({"commit": "0" * 40, **(extra or {})}),
    )
    return build_recipe(workdir, f"{name}-{version}-{build}-{abs(hash((content, file)))}", recipe)


def build_recipe(workdir: Path, label: str, recipe: str, *, as_dsprod: bool = False) -> Path:
    """Build one v1 recipe's text with rattler-build from an empty channel; returns the .conda.

    The recipe gets its own folder ``workdir/recipe-<label>`` (``$RECIPE_DIR`` in its script).
    Plain rattler-build records its recipe and local channel in ``info/``; ``as_dsprod``
    builds through dsprod's own builder instead, which records neither.
    """
    recipe_dir = workdir / f"recipe-{label}"
    recipe_dir.mkdir(parents=True)
    (recipe_dir / "recipe.yaml").write_text(recipe)
    empty_channel = workdir / "empty-channel"
    if not (empty_channel / "noarch" / "repodata.json").exists():
        (empty_channel / "noarch").mkdir(parents=True)
        asyncio.run(index_fs(empty_channel, target_platform=Subdir("noarch")))
    if as_dsprod:
        request = BuildRequest(
            recipe_path=recipe_dir / "recipe.yaml",
            output_dir=recipe_dir / "out",
            channels=(empty_channel.as_uri(),),
            variables={},
            log_path=recipe_dir / "build.log",
            run_recipe_tests=False,
        )
        [built] = RattlerBuilder().build(request, silent)
        return built
    results = Stage0Recipe.from_file(recipe_dir / "recipe.yaml").run_build(
        output_dir=recipe_dir / "out", channels=[str(empty_channel)]
    )
    [package] = results[0].packages
    return Path(package)


def write_package(
    folder: Path,
    name: str,
    version: str,
    build: str = "0",
    info_files: Mapping[str, Any] | None = None,
    **index: Any,
) -> Path:
    """Write a small noarch .conda holding one text file, without a build (about a millisecond).

    For tests and benchmarks that need many real packages: rattler indexes,
    solves and installs them, dsprod reads them. ``index`` adds or replaces
    fields of its ``info/index.json``; ``info_files`` adds JSON files to ``info/``.
    """
    data = f"{name} {version}\n".encode()
    file = f"share/{name}/data.txt"
    entry = {
        "_path": file,
        "path_type": "hardlink",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_in_bytes": len(data),
    }
    info = {
        "info/index.json": {
            "name": name,
            "version": version,
            "build": build,
            "build_number": 0,
            "depends": [],
            "license": "MIT",
            "noarch": "generic",
            "subdir": "noarch",
            "timestamp": 1_700_000_000_000,
            **index,
        },
        "info/paths.json": {"paths": [entry], "paths_version": 1},
        "info/about.json": {"license": "MIT", "summary": "a package written for a test"},
        **(info_files or {}),
    }
    folder.mkdir(parents=True, exist_ok=True)
    with conda_builder(f"{name}-{version}-{build}", folder, compression_level=1) as archive:
        members = [(file, data), *((path, json.dumps(v).encode()) for path, v in info.items())]
        for member, content in members:
            header = tarfile.TarInfo(member)
            header.size = len(content)
            archive.addfile(header, io.BytesIO(content))
    return folder / f"{name}-{version}-{build}.conda"


def build_python_project_package(workdir: Path, name: str, variables: Mapping[str, str]) -> Path:
    """A tiny package that passes verification as ``name`` built with these build variables.

    ``variables`` are a ``BuildRequest``'s (``pipeline.stages.build_variables``): the
    stand-in for what rattler-build makes of the project's real recipe.
    """
    values = {key: variables[variable] for key, variable in BUILD_VARIABLES.items()}
    pep440 = values["pep440_version"]
    extra = {
        "commit": values["commit"],
        "pep440_version": pep440,
        "repository": values["repository"],
        "language": "python",
        "tests_dirs": ["tests"],
        "test_requirements": ["pytest"],
    }
    recipe = PYTHON_PROJECT_RECIPE.format(
        name=name,
        version=values["conda_version"],
        build=values["build_string"],
        pep440=pep440,
        dist_info=f"{name.replace('-', '_')}-{pep440}.dist-info",
        extra=json.dumps(extra),
    )
    return build_recipe(workdir, f"{name}-{values['build_string']}", recipe)


def test_report(
    package: StoredPackage | None = None,
    *,
    passed: bool = True,
    summary: str = "",
    commit: str = "0" * 40,
) -> TestReport:
    """A test report as ``dsprod test`` keeps one, about ``package`` (by default a made-up one).

    The commit defaults to what ``build_package`` records by default.
    """
    return TestReport(
        package=package.filename if package else "alpha-1.0-g0.conda",
        name=package.name if package else "alpha",
        version=package.version if package else "1.0",
        build=package.build if package else "g0",
        sha256=package.sha256 if package else "0" * 64,
        commit=commit,
        passed=passed,
        summary=summary or ("1 passed" if passed else "1 failed"),
        tests=1,
        failures=0 if passed else 1,
        errors=0,
        skipped=0,
        duration_s=0.1,
        env=(),
        time="2026-01-01T00:00:00+00:00",
    )


test_report.__test__ = False  # a factory, not a pytest test


def promotion_entry(package: str = "alpha", target: str = "testing") -> PromotionEntry:
    """A promotion log entry of ``package`` 1.0 (build g0) into ``target``, as ``promote`` logs."""
    return PromotionEntry(
        time="2026-01-01T00:00:00+00:00",
        who="tester@host",
        action="promote",
        package=f"{package}-1.0-g0.conda",
        subdir="noarch",
        name=package,
        version="1.0",
        build="g0",
        sha256="0" * 64,
        source="unstable" if target == "testing" else "testing",
        target=target,
        test_report=None,
        forced=False,
        overridden_rules=(),
    )


def build_packages(workdir: Path, names: list[str], version: str = "1.0") -> list[Path]:
    """Many tiny noarch packages (one text file each) from one multi-output rattler-build run.

    One run builds a hundred outputs in about 3 s, where a hundred runs take about 15 s.
    """
    outputs = "\n".join(
        f"  - package: {{name: {name}}}\n"
        f"    build: {{noarch: generic, string: g0, script:"
        f" [mkdir -p $PREFIX/share/{name} && echo {name} > $PREFIX/share/{name}/data.txt]}}"
        for name in names
    )
    recipe_dir = workdir / "recipe-many"
    recipe_dir.mkdir(parents=True)
    (recipe_dir / "recipe.yaml").write_text(
        f'recipe: {{name: many, version: "{version}"}}\n'
        "about: {license: MIT, summary: a test package}\n"
        f"extra: {{dsprod: {json.dumps({'commit': '0' * 40, 'pep440_version': version})}}}\n"
        f"outputs:\n{outputs}\n"
    )
    empty_channel = workdir / "empty-channel"
    (empty_channel / "noarch").mkdir(parents=True, exist_ok=True)
    asyncio.run(index_fs(empty_channel, target_platform=Subdir("noarch")))
    results = Stage0Recipe.from_file(recipe_dir / "recipe.yaml").run_build(
        output_dir=recipe_dir / "out", channels=[str(empty_channel)]
    )
    built = sorted((Path(p) for result in results for p in result.packages), key=lambda p: p.name)
    assert len(built) == len(names), built
    return built
