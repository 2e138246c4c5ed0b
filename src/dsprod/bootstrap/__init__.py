"""A local dependency channel (python, pip, pytest, build backends and tools) made from this host.

See ``channel.py`` for the cache and its layout, ``python.py`` for the
repackaged interpreter, ``pypi.py`` for the converted wheels (cmake, ninja and
meson among them) and ``compilers.py``/``host_tools.py`` for the stand-ins
that run the host's compilers, ``make`` and ``pkg-config``.
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
