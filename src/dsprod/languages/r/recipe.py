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

Before ``R CMD build``, the script writes this commit's R version
(``languages/r/version.py``, a per-build value) into DESCRIPTION's ``Version``
field, in rattler-build's copy of the sources: a stale ``Version`` in the
repository never reaches the installed package, so ``packageVersion()`` agrees
with the conda version.
"""

from __future__ import annotations

from dsprod.languages.base import recipe_for
from dsprod.project import ProjectInfo
from dsprod.recipe.model import Recipe

R_VERSION_VARIABLE = "DSPROD_R_VERSION"
# Replaces the Version field (and any continuation lines of it) in place, or adds it.
WRITE_VERSION = (
    f'awk -v version="${R_VERSION_VARIABLE}"'
    """ '/^Version:/ { print "Version: " version; seen = 1; skip = 1; next }"""
    """ skip && /^[ \\t]/ { next } { skip = 0; print }"""
    """ END { if (!seen) print "Version: " version }'"""
    ' "$SRC_DIR/DESCRIPTION" > "$tarball_dir/DESCRIPTION"'
    ' && mv "$tarball_dir/DESCRIPTION" "$SRC_DIR/DESCRIPTION"'
)
INSTALL_SCRIPT = (
    'tarball_dir="$(mktemp -d)"',
    "trap 'rm -rf \"$tarball_dir\"' EXIT",
    WRITE_VERSION,
    '(cd "$tarball_dir" && "$PREFIX/bin/R" CMD build --no-build-vignettes --no-manual "$SRC_DIR")',
    '"$PREFIX/bin/R" CMD INSTALL --no-multiarch --library="$PREFIX/lib/R/library"'
    ' "$tarball_dir"/*.tar.gz',
)


def r_recipe(info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
    """The recipe that builds ``info`` from ``source_path`` (the folder holding DESCRIPTION)."""
    return recipe_for(
        info,
        source_path,
        repository,
        script=INSTALL_SCRIPT,
        native_version_script_env=(R_VERSION_VARIABLE,),
        noarch="generic" if info.noarch else None,
        test_commands=(f"Rscript -e \"library('{info.name}')\"",),
    )
