"""setuptools' backend, refusing to build a wheel whose classifiers PyPI would reject.

The official list lives in trove-classifiers, which only this backend needs:
it asks for it through get_requires_for_build_wheel (PEP 517), so a frontend
installs it before building, and nobody has to keep it in [build-system].
"""

import tomllib
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (every other hook as setuptools has it)


def get_requires_for_build_wheel(config_settings=None):
    return [*_setuptools.get_requires_for_build_wheel(config_settings), "trove-classifiers"]


def _check_classifiers():
    from trove_classifiers import classifiers as known

    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    unknown = [c for c in project.get("classifiers", []) if c not in known]
    if unknown:
        raise ValueError(f"unknown classifiers: {unknown}")


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _check_classifiers()
    return _setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _check_classifiers()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
