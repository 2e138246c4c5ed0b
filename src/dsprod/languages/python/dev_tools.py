"""Developer tools that projects list beside their test dependencies, but tests never import.

Test extras, dev groups, tox ``deps`` and requirements files mix the real test
dependencies with the tools a developer runs around the tests: coverage,
linters, type checkers, formatters, docs builders, task runners. A clean test
env needs none of them, and conda channels often lack them (or only have
versions that an old pin rules out), so they would make the env unsolvable
for nothing. dsprod runs the tests with plain pytest and reports them itself;
options that need such a plugin (``--cov``) are handled where the pytest
configuration is exported.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

# Exact (normalised) names, by what the tool serves.
_TOOLS: dict[str, tuple[str, ...]] = {
    "coverage": ("coverage", "pytest-cov", "codecov", "coveralls", "covdefaults", "diff-cover"),
    "linting": (
        "flake8",
        "pylint",
        "pyflakes",
        "pycodestyle",
        "pydocstyle",
        "pep8",
        "pep8-naming",
        "ruff",
        "bandit",
        "vulture",
        "codespell",
        "check-manifest",
        "pyroma",
        "doc8",
        "yamllint",
        "pytest-flake8",
        "pytest-pylint",
        "pytest-ruff",
        "pytest-pycodestyle",
    ),
    "typing": ("mypy", "pyright", "pytype", "pyre-check", "pytest-mypy", "basedpyright"),
    "formatting": (
        "black",
        "isort",
        "autopep8",
        "yapf",
        "autoflake",
        "pyupgrade",
        "blacken-docs",
        "docformatter",
        "pytest-black",
        "pytest-isort",
    ),
    "docs": (
        "sphinx",
        "mkdocs",
        "mkdocstrings",
        "myst-parser",
        "furo",
        "numpydoc",
        "nbsphinx",
        "pydata-sphinx-theme",
        "recommonmark",
    ),
    "task running": ("tox", "nox", "pre-commit", "invoke", "poethepoet", "taskipy"),
    "releasing": ("twine", "bump2version", "bumpversion", "bump-my-version", "towncrier"),
    "debugging": ("ipdb", "pdbpp"),
}
_BY_NAME = {name: category for category, names in _TOOLS.items() for name in names}

# Families of plugins, by the start or end of their normalised name.
_PREFIXES = {
    "flake8-": "linting",
    "pylint-": "linting",
    "types-": "typing",
    "sphinx-": "docs",
    "sphinxcontrib-": "docs",
    "mkdocs-": "docs",
    "tox-": "task running",
}
_SUFFIXES = {"-stubs": "typing"}


def tool_category(name: str) -> str | None:
    """What a developer tool serves (``coverage``, ``linting`` ...), or None for anything else."""
    key = canonicalize_name(name)
    if key in _BY_NAME:
        return _BY_NAME[key]
    for prefix, category in _PREFIXES.items():
        if key.startswith(prefix):
            return category
    for suffix, category in _SUFFIXES.items():
        if key.endswith(suffix):
            return category
    return None
