"""Read a Python project's own metadata (pyproject.toml, setup.cfg) into a ``ProjectInfo``.

The project states its metadata once, for pip; dsprod reads it rather than
asking the user to repeat it in a recipe. Sources, in order of preference:
PEP 621 ``[project]``, poetry's ``[tool.poetry]``, setuptools' ``setup.cfg``.
Every step that cannot be mapped to conda exactly (environment markers,
extras, unknown licences) becomes a warning in the ``ProjectInfo``: a noarch
package that silently lost a dependency is worse than a loud one.

The version is never read from the project: dsprod computes it from git and the
build script forces the backend to use it.
"""

from dsprod.project.python.reader import load_pyproject, read_python_project

__all__ = ["load_pyproject", "read_python_project"]
