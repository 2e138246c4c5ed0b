"""Build-system dependency names -> conda package names, for the well-known libraries.

CMake ``find_package`` names (``ZLIB``, ``OpenSSL``, ``fmt``), meson
``dependency()`` names and pkg-config names (``zlib``, ``libcurl``) map to the
conda-forge package a recipe's ``host`` needs. Some are not packages at all
(``Threads``: the C library's), some are build tools (``PkgConfig``), and test
frameworks are needed only by the tests. A name not here is reported, never
guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mapped:
    """Where each dependency goes in the recipe and test env (conda names)."""

    host: tuple[str, ...] = ()
    """Libraries the build links or includes (recipe host, and run)."""
    build: tuple[str, ...] = ()
    """Tools the build runs (recipe build)."""
    test: tuple[str, ...] = ()
    """What only the tests need (test frameworks)."""
    unknown: tuple[str, ...] = field(default=())
    """Names with no known conda package."""


_LIBRARIES = {
    "zlib": "zlib",
    "openssl": "openssl",
    "libssl": "openssl",
    "libcrypto": "openssl",
    "curl": "libcurl",
    "libcurl": "libcurl",
    "boost": "libboost-devel",
    "eigen": "eigen",
    "eigen3": "eigen",
    "fmt": "fmt",
    "spdlog": "spdlog",
    "nlohmann_json": "nlohmann_json",
    "png": "libpng",
    "libpng": "libpng",
    "bzip2": "bzip2",
    "bz2": "bzip2",
    "liblzma": "xz",
    "lzma": "xz",
    "xz": "xz",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "hdf5": "hdf5",
    "blas": "libblas",
    "lapack": "liblapack",
    "cblas": "libcblas",
    "lapacke": "liblapacke",
    "jpeg": "libjpeg-turbo",
    "libjpeg": "libjpeg-turbo",
    "tiff": "libtiff",
    "libtiff-4": "libtiff",
    "libxml2": "libxml2",
    "expat": "expat",
    "zstd": "zstd",
    "libzstd": "zstd",
    "lz4": "lz4-c",
    "liblz4": "lz4-c",
    "yaml-cpp": "yaml-cpp",
    "protobuf": "libprotobuf",
    "tbb": "tbb-devel",
    "gsl": "gsl",
    "fftw3": "fftw",
    "libffi": "libffi",
    "libuv": "libuv",
    "glib-2.0": "glib",
    "pybind11": "pybind11",
}
_TEST_FRAMEWORKS = {
    "gtest": "gtest",
    "gmock": "gtest",
    "gtest_main": "gtest",
    "catch2": "catch2",
    "catch2-with-main": "catch2",
    "doctest": "doctest",
    "cmocka": "cmocka",
    "check": "check",
    "criterion": "criterion",
}
_TOOLS = {"pkgconfig": "pkg-config", "python3": "python", "python": "python"}
_NOT_PACKAGES = frozenset({"threads", "openmp", "dl", "m", "rt", "libm"})
"""Part of the C runtime or of the compiler: nothing to install."""


def _key(name: str) -> str:
    return name.lower().replace("::", "")


def map_dependencies(names: Iterable[str]) -> Mapped:
    """Sort the build system's dependency ``names`` into conda packages by role."""
    host: list[str] = []
    build: list[str] = []
    test: list[str] = []
    unknown: list[str] = []
    for name in names:
        key = _key(name)
        if key in _NOT_PACKAGES:
            continue
        for table, bucket in ((_LIBRARIES, host), (_TEST_FRAMEWORKS, test), (_TOOLS, build)):
            if key in table:
                if table[key] not in bucket:
                    bucket.append(table[key])
                break
        else:
            unknown.append(name)
    return Mapped(tuple(host), tuple(build), tuple(test), tuple(unknown))
