"""Write and build the bootstrap channel's recipes with dsprod's builder.

Bootstrap recipes repackage files of this host, need no dependency channel
but the one being made, and are rebuilt whenever the host changes, so they
are built fast (zstd level 3), without their recipe inside, and untested.
Each package they make is described by ``package_output``; ``dsprod.recipe.v1``
writes the text, laid out as every other recipe dsprod writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsprod.builders.base import BuildRequest
from dsprod.builders.rattler_build import RattlerBuilder
from dsprod.progress import silent
from dsprod.recipe.v1 import dump_v1, literal_block

COMPRESSION_LEVEL = 3

BUILD_STRING = "dsprod_0"
"""The usual build string of a bootstrap package: ``dsprod`` tells it from conda-forge's."""


def package_output(
    name: str,
    version: str,
    *,
    build_string: str = BUILD_STRING,
    script: str | None = None,
    script_env: Mapping[str, str] | None = None,
    build_options: Mapping[str, Any] | None = None,
    requirements: Mapping[str, Any] | None = None,
    summary: str | None = None,
    license: str | None = None,
) -> dict[str, Any]:
    """One package of a bootstrap recipe: a whole recipe, or one of a recipe's ``outputs``.

    The build number is always 0: a bootstrap package is made again, never
    updated. ``build_options`` are further ``build`` keys (``noarch``,
    ``python``); an empty section or a missing summary or licence is left out.
    """
    build: dict[str, Any] = {"number": 0, "string": build_string}
    if script is not None:
        build["script"] = {"content": literal_block(script)}
        if script_env:
            build["script"]["env"] = dict(script_env)
    build.update(build_options or {})
    output: dict[str, Any] = {"package": {"name": name, "version": version}, "build": build}
    if requirements:
        output["requirements"] = dict(requirements)
    about = {key: value for key, value in (("summary", summary), ("license", license)) if value}
    if about:
        output["about"] = about
    return output


def outputs_recipe(name: str, version: str, outputs: Sequence[Mapping[str, Any]]) -> str:
    """The text of a recipe that makes several packages (``outputs``) in one go."""
    return dump_v1({"recipe": {"name": name, "version": version}, "outputs": list(outputs)})


def build_recipe(
    recipe_yaml: str, recipe_dir: Path, output_dir: Path, channels: Sequence[str]
) -> list[Path]:
    """Build ``recipe_yaml`` into ``output_dir`` and return the package files it made.

    ``channels`` must be given: rattler-build's default is conda-forge, which
    this project can never reach. A failure raises ``BuildFailed`` with the
    log's tail and the path of the full log (``recipe_dir/build.log``).
    """
    recipe_dir.mkdir(parents=True, exist_ok=True)
    recipe_path = recipe_dir / "recipe.yaml"
    recipe_path.write_text(recipe_yaml, encoding="utf-8")
    request = BuildRequest(
        recipe_path=recipe_path,
        output_dir=output_dir,
        channels=tuple(channels),
        variables={},
        log_path=recipe_dir / "build.log",
        run_recipe_tests=False,
        compression_level=COMPRESSION_LEVEL,
        include_recipe=False,
    )
    return RattlerBuilder().build(request, report=silent)
