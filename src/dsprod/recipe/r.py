"""``ProjectInfo`` of an R package -> neutral ``Recipe``.

The package ships what CRAN would get: ``R CMD build`` makes the source
tarball (so ``.Rbuildignore`` applies, as it does for every CRAN user) and the
host environment's own R installs that tarball into ``$PREFIX/lib/R/library``,
the library an environment's R searches first. Installing the source folder
directly would ship files ``.Rbuildignore`` leaves out, and the package's tests
could pass on files its users never get. rattler-build does not set
conda-build's ``$R``/``$R_ARGS``, so the script names ``$PREFIX/bin/R``
itself. Compiled packages get the compilers their ``src/`` needs; pure ones are
``noarch: generic``.
"""

from __future__ import annotations

from dsprod.project.model import ProjectInfo
from dsprod.project.r import compiled_languages
from dsprod.recipe.model import About, Recipe

INSTALL_SCRIPT = (
    'tarball_dir="$(mktemp -d)"',
    "trap 'rm -rf \"$tarball_dir\"' EXIT",
    '(cd "$tarball_dir" && "$PREFIX/bin/R" CMD build --no-build-vignettes --no-manual "$SRC_DIR")',
    '"$PREFIX/bin/R" CMD INSTALL --no-multiarch --library="$PREFIX/lib/R/library"'
    ' "$tarball_dir"/*.tar.gz',
)


def compiler_requirements(languages: tuple[str, ...]) -> tuple[str, ...]:
    """Build requirements as complete v1 jinja expressions (``${{ compiler('c') }}``).

    The v1 writer emits requirement strings verbatim, so the expression
    carries its own ``${{ }}``; rattler-build resolves it to ``gcc_linux-64`` etc.
    """
    return tuple(f"${{{{ compiler('{language}') }}}}" for language in languages)


def r_recipe(info: ProjectInfo, source_path: str, repository: str) -> Recipe:
    """The recipe that builds ``info`` from ``source_path`` (the folder holding DESCRIPTION)."""
    languages = compiled_languages(info.root)
    return Recipe(
        name=info.conda_name,
        conda_version=info.version.conda,
        pep440_version=info.version.pep440,
        build_string=info.version.build_string,
        commit=info.version.commit,
        repository=repository,
        source_path=source_path,
        script=INSTALL_SCRIPT,
        noarch=None if languages else "generic",
        build_requirements=compiler_requirements(languages),
        host_requirements=info.host_requirements,
        run_requirements=info.run_requirements,
        test_commands=(f"Rscript -e \"library('{info.name}')\"",),
        about=About.of(info),
        language="r",
        tests_dir=info.tests_dir,
        project_test_requirements=info.test_requirements,
    )
