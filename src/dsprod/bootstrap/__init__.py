"""A local dependency channel (python, pip, pytest, build backends) made from this host.

See ``channel.py`` for the cache and its layout, ``python.py`` for the
repackaged interpreter and ``pypi.py`` for the converted wheels.
"""

from dsprod.bootstrap.channel import (
    BASE_PYPI_PACKAGES,
    bootstrap_channel_dir,
    default_bootstrap_dir,
    ensure_bootstrap_channel,
    pypi_requests,
)

__all__ = [
    "BASE_PYPI_PACKAGES",
    "bootstrap_channel_dir",
    "default_bootstrap_dir",
    "ensure_bootstrap_channel",
    "pypi_requests",
]
