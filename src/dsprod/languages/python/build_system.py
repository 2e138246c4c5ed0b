"""The PEP 517 build backend, its requirements, and whether setuptools-scm will really run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from dsprod.languages.python.markers import spec_name
from dsprod.languages.python.metadata import Metadata
from dsprod.languages.python.requirements import Dependency, parse_requirement
from dsprod.languages.python.tables import Table

# PEP 517 backend module -> the conda package that provides it.
BACKEND_PACKAGES = {
    "setuptools.build_meta": "setuptools",
    "setuptools.build_meta:__legacy__": "setuptools",
    "hatchling.build": "hatchling",
    "flit_core.buildapi": "flit-core",
    "pdm.backend": "pdm-backend",
    "poetry.core.masonry.api": "poetry-core",
    "scikit_build_core.build": "scikit-build-core",
    "mesonpy": "meson-python",
    "maturin": "maturin",
}
# Backends that exist to compile extensions: their packages are never noarch.
COMPILED_BACKENDS = frozenset({"scikit_build_core.build", "mesonpy", "maturin"})
# What pip uses when a project has no [build-system] (PEP 517).
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"


@dataclass(frozen=True)
class BuildSystem:
    """A project's ``[build-system]``: PEP 517 backend, static requirements, in-tree path."""

    backend: str
    requires: list[Dependency]
    backend_path: tuple[str, ...] = ()
    """PEP 517 ``backend-path``: folders of the source tree where the backend lives."""


def read_build_system(pyproject: Table | None) -> BuildSystem:
    """The PEP 517 backend and its requirements (setuptools' legacy backend by default)."""
    if pyproject is None or "build-system" not in pyproject.data:
        return BuildSystem(DEFAULT_BACKEND, [Dependency("setuptools")])
    build_system = pyproject.sub("build-system")
    requires = [
        parse_requirement(text, build_system.field("requires"))
        for text in build_system.strings("requires")
    ]
    return BuildSystem(
        backend=build_system.string("build-backend") or DEFAULT_BACKEND,
        requires=requires,
        backend_path=tuple(build_system.strings("backend-path")),
    )


def host_build_specs(build_specs: list[str]) -> list[str]:
    """Build requirements as host specs: python and pip are the recipe's own, never repeated."""
    return [spec for spec in build_specs if spec_name(spec) not in ("python", "pip")]


def check_scm_activation(
    root: Path,
    pyproject: Table | None,
    backend: str,
    build_requires: list[Dependency],
    meta: Metadata,
) -> None:
    """Warn when setuptools-scm is required but will not run, so the wheel says 0.0.0.

    setuptools-scm 8+ only acts on a ``[tool.setuptools_scm]`` table, the
    ``setuptools-scm[simple]`` extra, or ``use_scm_version`` in setup.py; without
    them ``SETUPTOOLS_SCM_PRETEND_VERSION`` is ignored too.
    """
    scm = next((d for d in build_requires if canonicalize_name(d.name) == "setuptools-scm"), None)
    if pyproject is None or scm is None or not backend.startswith("setuptools."):
        return
    dynamic = pyproject.sub("project").data.get("dynamic", [])
    setup_py = root / "setup.py"
    if (
        "version" not in dynamic
        or "setuptools_scm" in pyproject.sub("tool").data
        or "simple" in scm.extras
        or (setup_py.is_file() and "use_scm_version" in setup_py.read_text(errors="replace"))
    ):
        return
    meta.warnings.append(
        f"{meta.file}: setuptools-scm is required but stays inactive without a "
        "[tool.setuptools_scm] table (or setuptools-scm[simple]): the Python metadata in the "
        "package will say version 0.0.0"
    )
