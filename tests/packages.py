"""Real tiny conda packages for store and promotion tests, built with rattler-build itself."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rattler import Subdir
from rattler.index import index_fs
from rattler_build import Stage0Recipe

from dsprod.store.base import StoredPackage
from dsprod.store.ledger import TestReport

RECIPE = """\
package: {{name: {name}, version: "{version}"}}
build:
  noarch: generic
  string: {build}
  script:
    - mkdir -p $(dirname $PREFIX/{file}) && echo '{content}' > $PREFIX/{file}
about: {{license: MIT, summary: a test package}}
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
) -> Path:
    """Build a noarch package holding one text file; returns the .conda file.

    ``extra`` goes into ``extra.dsprod`` (the commit defaults to forty zeros);
    ``file`` is where the text file is installed (default ``share/NAME/data.txt``).
    """
    file = file or f"share/{name}/data.txt"
    recipe_dir = workdir / f"recipe-{name}-{version}-{build}-{abs(hash((content, file)))}"
    recipe_dir.mkdir(parents=True)
    (recipe_dir / "recipe.yaml").write_text(
        RECIPE.format(
            name=name,
            version=version,
            build=build,
            content=content,
            file=file,
            extra=json.dumps({"commit": "0" * 40, **(extra or {})}),
        )
    )
    empty_channel = workdir / "empty-channel"
    if not (empty_channel / "noarch" / "repodata.json").exists():
        (empty_channel / "noarch").mkdir(parents=True)
        asyncio.run(index_fs(empty_channel, target_platform=Subdir("noarch")))
    results = Stage0Recipe.from_file(recipe_dir / "recipe.yaml").run_build(
        output_dir=recipe_dir / "out", channels=[str(empty_channel)]
    )
    return Path(results[0].packages[0])


def test_report(
    package: StoredPackage | None = None, *, passed: bool = True, summary: str = ""
) -> TestReport:
    """A test report as ``dsprod test`` keeps one, about ``package`` (by default a made-up one).

    The commit is what ``build_package`` records by default.
    """
    return TestReport(
        package=package.filename if package else "alpha-1.0-g0.conda",
        name=package.name if package else "alpha",
        version=package.version if package else "1.0",
        build=package.build if package else "g0",
        sha256=package.sha256 if package else "0" * 64,
        commit="0" * 40,
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
