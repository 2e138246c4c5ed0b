"""Turn the channel names a user writes into URLs a solver and a builder can read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dsprod.errors import InputError

BOOTSTRAP = "bootstrap"


def resolve_channels(names: Sequence[str], base: Path) -> list[str]:
    """Resolve ``bootstrap``, relative and absolute paths to ``file://`` URLs.

    Names and URLs (``conda-forge``, ``https://...``) pass through unchanged.
    """
    resolved: list[str] = []
    for name in names:
        if name == BOOTSTRAP:
            from dsprod.bootstrap import bootstrap_channel_dir  # only when asked for

            folder = bootstrap_channel_dir()
            if not (folder / "noarch" / "repodata.json").is_file():
                raise InputError(
                    f"dependency channel 'bootstrap' ({folder}) has not been made yet:"
                    " run `dsprod bootstrap` first"
                )
            resolved.append(folder.as_uri())
        elif "://" in name:
            resolved.append(name)
        elif name.startswith(("/", ".", "~")):
            folder = (base / Path(name).expanduser()).resolve()
            if not folder.is_dir():
                raise InputError(f"dependency channel '{name}': no such folder {folder}")
            resolved.append(folder.as_uri())
        else:
            resolved.append(name)
    return resolved
