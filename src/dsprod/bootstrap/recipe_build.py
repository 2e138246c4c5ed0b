"""Build one bootstrap recipe (given as text) with dsprod's builder.

Bootstrap recipes repackage files of this host, need no dependency channel
but the one being made, and are rebuilt whenever the host changes, so they
are built fast (zstd level 3), without their recipe inside, and untested.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dsprod.builders.base import BuildRequest
from dsprod.builders.rattler_build import RattlerBuilder
from dsprod.progress import silent

COMPRESSION_LEVEL = 3


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
