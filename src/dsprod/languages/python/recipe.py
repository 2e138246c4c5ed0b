"""A ``Recipe`` for a Python project: pip installs the project into the host prefix.

The build script never lets the backend guess the version from git (the
source may be a copy without ``.git``): ``SETUPTOOLS_SCM_PRETEND_VERSION``
(read by setuptools-scm and hatch-vcs) and ``PDM_BUILD_SCM_VERSION`` (pdm's own
scm source) carry the PEP 440 version dsprod computed, so the Python metadata
inside the package agrees with the conda version.
"""

from __future__ import annotations

import shlex

from dsprod.languages.base import recipe_for
from dsprod.languages.python.extensions import BUILD_TOOLS
from dsprod.project import ProjectInfo
from dsprod.recipe.model import Recipe

PIP_INSTALL = '"$PYTHON" -m pip install . -vv --no-deps --no-build-isolation'
# pip records the build folder in direct_url.json: a build-machine path that a
# package must not carry (verification rejects it), and meaningless elsewhere.
DROP_DIRECT_URL = 'rm -f "$SP_DIR"/*.dist-info/direct_url.json'


def python_recipe(info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
    """The recipe that builds ``info`` from ``source_path`` (relative to the recipe folder)."""
    version_variables = ["SETUPTOOLS_SCM_PRETEND_VERSION"]
    if info.build_backend == "pdm.backend":
        version_variables.append("PDM_BUILD_SCM_VERSION")
    scripts = [entry_point.split("=", 1)[0].strip() for entry_point in info.entry_points]
    return recipe_for(
        info,
        source_path,
        repository,
        script=(PIP_INSTALL, DROP_DIRECT_URL),
        noarch="python" if info.noarch else None,
        build_requirements=() if info.noarch else BUILD_TOOLS.get(info.build_backend or "", ()),
        pep440_script_env=tuple(version_variables),
        entry_points=info.entry_points,
        test_imports=info.imports,
        test_commands=tuple(f"{shlex.quote(script)} --help" for script in scripts),
    )
