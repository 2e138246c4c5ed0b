"""``ProjectInfo`` of a C/C++ project -> neutral ``Recipe``, as conda-forge writes them.

The compilers are the languages the project enables; the build tools are
build requirements; the script configures, builds and installs into
``$PREFIX`` with ``lib`` as the library folder, Release, shared libraries. A
shared library exports a pin on itself to what is built against it
(``run_exports``), as tight as its SONAME changes. The package's own test
checks the install plan's headers, libraries, executables and CMake/pkg-config
files are in the package (``package_contents``).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from dsprod.languages.base import recipe_for
from dsprod.languages.c.paths import classify
from dsprod.project import ProjectInfo
from dsprod.recipe.model import PackageContents, Recipe

SCRIPTS = {
    "cmake": (
        'cmake -S "$SRC_DIR" -B _dsprod_build -G Ninja -DCMAKE_BUILD_TYPE=Release'
        ' -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=ON'
        ' -DCMAKE_PREFIX_PATH="$PREFIX"',
        "cmake --build _dsprod_build --parallel",
        "cmake --install _dsprod_build",
    ),
    "meson": (
        'meson setup _dsprod_build "$SRC_DIR" --prefix="$PREFIX" --libdir=lib'
        " --buildtype=release -Ddefault_library=shared",
        "meson compile -C _dsprod_build",
        "meson install -C _dsprod_build",
    ),
    "make": (
        'make -C "$SRC_DIR" -j"${CPU_COUNT:-2}" PREFIX="$PREFIX"',
        'make -C "$SRC_DIR" install PREFIX="$PREFIX"',
    ),
}


def package_contents(installed: tuple[str, ...]) -> PackageContents | None:
    """The content test for an install plan: headers, libraries, executables, config files."""
    include, lib, binaries, files = [], [], [], []
    for path in installed:
        pure = PurePosixPath(path)
        kind = classify(path)
        if kind == "header":
            include.append(str(pure.relative_to("include")))
        elif kind == "shared" and pure.name.endswith(".so") and pure.name.startswith("lib"):
            lib.append(pure.name.removeprefix("lib").removesuffix(".so"))
        elif kind == "static":
            files.append(path)
        elif kind == "executable":
            binaries.append(pure.name)
        elif kind in ("cmake_config", "pkgconfig"):
            files.append(path)
    if not (include or lib or binaries or files):
        return None
    return PackageContents(tuple(include), tuple(lib), tuple(binaries), tuple(files))


def c_recipe(info: ProjectInfo, source_path: str, repository: str | None) -> Recipe:
    """The recipe that builds ``info`` from ``source_path`` (the project folder)."""
    return recipe_for(
        info,
        source_path,
        repository,
        script=SCRIPTS[info.build_system or "cmake"],
        build_requirements=info.build_requirements,
        run_exports_pin=info.run_exports_pin,
        package_contents=package_contents(info.installed_files),
    )
