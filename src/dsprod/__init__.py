"""dsprod: take a project from a git commit to a trusted conda package in a channel."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dsprod")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
