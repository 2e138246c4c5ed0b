"""A writer process for the store contract suite: publish files into any store kind.

``run(environ, mode, channel, packages)`` is the target of a process forked
from a forkserver that imported this module (and the stores) once, so eight
writers start in milliseconds instead of eight interpreters' seconds. The
store is the one dsprod's own settings describe from ``environ``
(``DSPROD_STORE_KIND``, ``DSPROD_STORE``, ``DSPROD_S3_*``, the AWS keys, the
channels' tokens),
opened as the commands open it.

Mode ``killed`` sends itself SIGKILL at the moment the package's bytes are in
the channel and its index is about to list them: the write of
``repodata.json`` (the local store's atomic swap, the S3 store's conditional
put; the channel must exist already, as making one writes an index too).
Test-only: production code has no hooks; this wraps what the stores call.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from dsprod.artifact import read_artifact
from dsprod.config import load_settings
from dsprod.store import local, open_store, s3


def _kill_before_index_write() -> None:
    """Make both store kinds die at the index write (whichever this process uses)."""

    def die(*_: Any, **__: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    class Os(ModuleType):
        def __getattr__(self, name: str) -> Any:
            real = getattr(os, name)
            if name != "replace":
                return real

            def replace(source: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
                if Path(target).name == "repodata.json":
                    die()
                return real(source, target, *args, **kwargs)

            return replace

    local.os = Os("os")  # type: ignore[assignment]  # only in this child
    real_replace = s3.Objects.replace

    def replace(
        self: s3.Objects,
        key: str,
        data: bytes,
        etag: str | None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool:
        if key.endswith("/repodata.json"):
            die()
        return real_replace(self, key, data, etag, metadata)

    s3.Objects.replace = replace  # type: ignore[method-assign]


def run(
    environ: dict[str, str], project: Path, mode: str, channel: str, packages: list[str]
) -> None:
    """Publish ``packages`` one after the other into ``channel`` (``mode``: publish or killed).

    ``project`` is the folder settings are looked up from, as ``--project`` is.
    """
    os.environ.update(environ)  # boto3 reads the credentials from the environment
    if mode == "killed":
        _kill_before_index_write()
    asyncio.run(_publish(environ, project, channel, packages))


async def _publish(
    environ: dict[str, str], project: Path, channel: str, packages: list[str]
) -> None:
    settings = load_settings(project, environ=environ)
    store = open_store(settings.store, settings.write_tokens())
    for package in packages:
        await store.publish(read_artifact(Path(package)), channel)
