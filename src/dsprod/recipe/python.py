"""A ``Recipe`` for a Python project: pip installs the project into the host prefix.

The build script never lets the backend guess the version from git (the
source may be a copy without ``.git``): ``SETUPTOOLS_SCM_PRETEND_VERSION``
(read by setuptools-scm and hatch-vcs) and ``PDM_BUILD_SCM_VERSION`` (pdm's own
scm source) carry the PEP 440 version dsprod computed, so the Python metadata
inside the package agrees with the conda version.
"""

from __future__ import annotations

from dsprod.project.model import ProjectInfo
from dsprod.recipe.model import About, Recipe

PIP_INSTALL = "${{ PYTHON }} -m pip install . -vv --no-deps --no-build-isolation"
# pip records the build folder in direct_url.json: a build-machine path that a
# package must not carry (verification rejects it), and meaningless elsewhere.
DROP_DIRECT_URL = 'rm -f "$SP_DIR"/*.dist-info/direct_url.json'

# Compilers a platform-specific Python package may need; maturin also needs rust.
_COMPILERS = ("${{ compiler('c') }}", "${{ compiler('cxx') }}")
_RUST_COMPILER = "${{ compiler('rust') }}"


def python_recipe(info: ProjectInfo, source_path: str, repository: str) -> Recipe:
    """The recipe that builds ``info`` from ``source_path`` (relative to the recipe folder)."""
    pep440 = info.version.pep440
    script_env = [("SETUPTOOLS_SCM_PRETEND_VERSION", pep440)]
    if info.build_backend == "pdm.backend":
        script_env.append(("PDM_BUILD_SCM_VERSION", pep440))
    compilers: tuple[str, ...] = ()
    if not info.noarch:
        compilers = _COMPILERS + ((_RUST_COMPILER,) if info.build_backend == "maturin" else ())
    scripts = [entry_point.split("=", 1)[0].strip() for entry_point in info.entry_points]
    return Recipe(
        name=info.conda_name,
        conda_version=info.version.conda,
        pep440_version=pep440,
        build_string=info.version.build_string,
        commit=info.version.commit,
        repository=repository,
        source_path=source_path,
        script=(PIP_INSTALL, DROP_DIRECT_URL),
        noarch="python" if info.noarch else None,
        script_env=tuple(script_env),
        entry_points=info.entry_points,
        build_requirements=compilers,
        host_requirements=info.host_requirements,
        run_requirements=info.run_requirements,
        test_imports=info.imports,
        test_commands=tuple(f"{script} --help" for script in scripts),
        about=About.of(info),
        language="python",
        tests_dir=info.tests_dir,
        project_test_requirements=info.test_requirements,
    )
