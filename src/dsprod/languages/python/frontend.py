"""Build requirements as a PEP 517 frontend sees them, once the dependency channels are known.

pip and ``build`` judge the markers of ``[build-system] requires`` for the one
python that runs the build, then ask the backend itself for more
(``get_requires_for_build_wheel``): an in-tree backend (``backend-path``) or a
backend dsprod does not know may add anything. The reader cannot do either: it
has no channels, and the python of the host env is whichever the dependency
channels offer. This step runs where the channels are (the pipeline, before a
recipe is rendered, for ``dsprod recipe`` and ``dsprod build`` alike).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import rattler
from pyproject_hooks import BackendUnavailable, BuildBackendHookCaller
from rattler import Channel, MatchSpec, VirtualPackage

from dsprod.envtest.env import create_env
from dsprod.errors import EnvironmentFailed, InputError
from dsprod.languages.python.build_system import (
    BACKEND_PACKAGES,
    BuildSystem,
    host_build_specs,
    read_build_system,
)
from dsprod.languages.python.markers import Mapper, for_build_python, spec_name
from dsprod.languages.python.reader import read_python_project
from dsprod.languages.python.requirements import parse_requirement
from dsprod.languages.python.tables import Table, load_toml
from dsprod.progress import Report
from dsprod.project import ProjectInfo

# Backends whose get_requires_for_build_wheel says nothing the project's own
# files do not say statically (flit, pdm, poetry: []). setuptools and hatchling
# answer from files dsprod can see: they are asked only when those files can add
# something (``_may_add_requirements``). Measured: asking costs 2-4.5 s (an env of
# the static requirements, then the hook), a fifth of a small build.
STATIC_BACKENDS = frozenset({"flit_core.buildapi", "pdm.backend", "poetry.core.masonry.api"})
_SETUPTOOLS_BACKENDS = frozenset({"setuptools.build_meta", "setuptools.build_meta:__legacy__"})
# Environment variables of ours that must not reach the backend's python.
_PRIVATE_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")


def asks_backend(build_system: BuildSystem, root: Path, pyproject: Mapping[str, Any]) -> bool:
    """Whether the backend must be asked for its requirements (PEP 517's dynamic ones).

    Always for an in-tree backend (``backend-path``) or one dsprod does not
    know; for setuptools and hatchling when the project's files can make them
    add requirements; never for backends whose answer is always empty.
    """
    if build_system.backend_path:
        return True
    if build_system.backend in STATIC_BACKENDS:
        return False
    if build_system.backend in _SETUPTOOLS_BACKENDS:
        # setup_requires, in setup.py (any code) or setup.cfg [options]
        cfg = root / "setup.cfg"
        return (root / "setup.py").is_file() or (
            cfg.is_file() and "setup_requires" in cfg.read_text(errors="replace")
        )
    if build_system.backend == "hatchling.build":
        # builder and build-hook dependencies: [tool.hatch.build(.targets.*)(.hooks.*)]
        return _mentions_dependencies(pyproject.get("tool", {}).get("hatch", {}).get("build", {}))
    return True


def _mentions_dependencies(table: Any) -> bool:
    """True when a nested table has a ``dependencies`` or ``require-runtime-*`` key."""
    if not isinstance(table, Mapping):
        return False
    return any(
        key == "dependencies" or key.startswith("require-runtime-") or _mentions_dependencies(value)
        for key, value in table.items()
    )


async def resolve_build_requirements(
    info: ProjectInfo, channels: Sequence[str], work_dir: Path, report: Report
) -> ProjectInfo:
    """``info`` with host requirements judged for the build's python, plus the backend's own."""
    python = await build_python(channels, info.host_requirements[0])
    resolved = read_python_project(info.root, info.version, build_python=python)
    pyproject_file = info.root / "pyproject.toml"
    pyproject = load_toml(pyproject_file) if pyproject_file.is_file() else {}
    build_system = read_build_system(
        Table(pyproject, pyproject_file, "") if pyproject_file.is_file() else None
    )
    if not asks_backend(build_system, info.root, pyproject):
        return resolved
    report(f"asking build backend {build_system.backend} for its requirements (python {python})")
    declared_in = pyproject_file if pyproject_file.is_file() else info.root / "setup.py"
    where = f"{declared_in}: [build-system] build-backend {build_system.backend}"
    asked = await backend_requirements(
        info,
        build_system,
        where,
        [f"python {python}", *resolved.host_requirements[1:]],
        channels,
        work_dir,
        report,
    )
    dependencies = [parse_requirement(text, f"{where} returned") for text in asked]
    kept, notes = for_build_python(dependencies, python)
    warnings = list(resolved.warnings)
    added = [
        spec
        for spec in host_build_specs(Mapper((int(python.split(".")[1]),), warnings).specs(kept))
        if spec_name(spec) not in map(spec_name, resolved.host_requirements)
    ]
    if added:
        notes.append(f"build backend {build_system.backend} requires {', '.join(added)}")
    return replace(
        resolved,
        host_requirements=(*resolved.host_requirements, *added),
        warnings=tuple(warnings),
        notes=(*resolved.notes, *notes),
    )


async def build_python(channels: Sequence[str], python_spec: str) -> str:
    """The version of the python a host env gets from ``channels`` for ``python_spec``."""
    try:
        records = await rattler.solve(
            sources=[Channel(url) for url in channels],
            specs=[MatchSpec(python_spec)],
            virtual_packages=VirtualPackage.detect(),
        )
    except Exception as error:  # solver errors carry the explanation in their text
        detail = " ".join(str(error).split())
        raise EnvironmentFailed(f"no {python_spec} in the dependency channels: {detail}") from None
    return next(str(r.version) for r in records if r.name.normalized == "python")


async def backend_requirements(
    info: ProjectInfo,
    build_system: BuildSystem,
    where: str,
    static_specs: Sequence[str],
    channels: Sequence[str],
    work_dir: Path,
    report: Report,
) -> list[str]:
    """What ``get_requires_for_build_wheel`` returns, run as pip runs it.

    The backend runs in an env of the static requirements, on a copy of the
    project (setuptools writes ``*.egg-info`` into the tree it is asked about),
    with the version from git as the build itself gets it.
    """
    prefix = work_dir / "backend-env"
    await create_env(prefix, channels, static_specs, report, purpose="build")
    source = work_dir / "source"
    shutil.copytree(info.root, source, ignore=shutil.ignore_patterns(".git", ".dsprod"))
    caller = BuildBackendHookCaller(
        str(source),
        build_system.backend,
        backend_path=list(build_system.backend_path) or None,
        runner=_runner(info.version.pep440),
        python_executable=str(prefix / "bin" / "python"),
    )
    try:
        return list(caller.get_requires_for_build_wheel())
    except BackendUnavailable as error:
        hint = (
            f" from backend-path {list(build_system.backend_path)}"
            if build_system.backend_path
            else f" (install {BACKEND_PACKAGES.get(build_system.backend, 'its package')})"
        )
        reason = _last_line(error.traceback)
        raise InputError(f"{where}: cannot be imported{hint}: {reason}") from None
    except subprocess.CalledProcessError as error:
        raise InputError(
            f"{where}: get_requires_for_build_wheel failed: {_last_line(error.stderr)}"
        ) from None


def _runner(version: str) -> Callable[..., None]:
    """A pyproject-hooks runner: output captured, none of our own python settings, and the
    version setuptools-scm and pdm must report (as the recipe's build script sets it)."""

    def run(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in _PRIVATE_VARIABLES}
        environment.update(extra_environ or {})
        environment.update(
            PYTHONNOUSERSITE="1",
            SETUPTOOLS_SCM_PRETEND_VERSION=version,
            PDM_BUILD_SCM_VERSION=version,
        )
        subprocess.run(
            cmd,
            cwd=cwd,
            env=environment,
            check=True,
            capture_output=True,
            text=True,
            errors="replace",
        )

    return run


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
