"""The consumer check: a program that includes every public header and links every library.

It is built the way a user of the package would build it: through
``find_package`` when the package installs CMake configuration files (and the
env has cmake), else through ``pkg-config`` when it installs ``.pc`` files,
else with plain ``-I``/``-L``/``-l`` flags; then it runs, so that every library
loads. A public header that includes a header the package did not install is
named with the header it needs, which is the commonest packaging mistake a
project's own tests (built beside its sources) never see.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dsprod.envtest.result import tail
from dsprod.languages.c.installed import Installed
from dsprod.languages.c.report import Case
from dsprod.languages.c.toolchain import Completed, Toolchain, run

SUITE = "dsprod.consumer"

_MISSING_HEADER = re.compile(
    r"^(?P<includer>[^\n:]+):\d+(?::\d+)?: fatal error: '?(?P<header>[^':\n]+)'?"
    r"(?:: No such file or directory| file not found)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Consumer:
    """How the consumer was built, and each command's result in order."""

    method: str
    """``find_package(Foo)``, ``pkg-config foo`` or ``plain flags``."""
    language: str
    """``C`` or ``C++``."""
    steps: tuple[Completed, ...]

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)


def consumer_check(
    package: Installed, toolchain: Toolchain, scratch: Path, needs_cxx: bool
) -> tuple[Case, list[str]]:
    """Build and run the consumer; the check's ``Case`` and warnings about how it was built.

    ``needs_cxx``: a library of the package needs the C++ runtime, so its users
    link it as C++. A C attempt that fails for another reason than a missing
    header is tried again as C++ when the env has a C++ compiler (a ``.h`` may
    be C++), and the case says so.
    """
    headers, libraries = package.headers, package.libraries
    if not headers and not libraries:
        return Case(SUITE, "consumer", skipped="the package installs no headers or libraries"), []
    warnings: list[str] = []
    cxx = needs_cxx or package.cxx or toolchain.c_compiler is None
    if cxx and toolchain.cxx_compiler is None:
        reason = "the test env has no C++ compiler (CXX): add gxx_linux-64 to its requirements"
        return Case(SUITE, "consumer", error=reason), warnings
    method = _method(package, toolchain, warnings)
    built = _build(package, toolchain, scratch / ("cxx" if cxx else "c"), method, cxx)
    notes = ""
    retry = not built.ok and not cxx and toolchain.cxx_compiler is not None
    if retry and _missing_header(package, built) is None:
        as_c = built
        built = _build(package, toolchain, scratch / "cxx", method, cxx=True)
        notes = f"as C it failed:\n{tail(_output(as_c), 15)}\n\nso it was built as C++:\n"
    name = f"consumer ({built.language}, {built.method})"
    output = notes + _output(built)
    duration = round(sum(step.duration_s for step in built.steps), 3)
    if built.ok:
        return Case(SUITE, name, duration, output=tail(output, 40)), warnings
    missing = _missing_header(package, built)
    if missing is not None:
        return Case(SUITE, name, duration, failure=missing, output=tail(output, 40)), warnings
    failed = next(step for step in built.steps if not step.ok)
    what = "runs" if failed is built.steps[-1] and len(built.steps) > 1 else "builds"
    message = (
        f"a program including every public header of the package and linking every library"
        f" it installs: '{shlex.join(failed.command)}' exited {failed.exit_code}"
        f" (checks it {what})\n{tail(failed.output)}"
    )
    return Case(SUITE, name, duration, failure=message, output=tail(output, 40)), warnings


def consumer_source(headers: list[PurePosixPath], cxx: bool) -> str:
    """``#include`` lines for every header (relative to ``include/``) and an empty ``main``."""
    lines = [f'#include "{PurePosixPath(*header.parts[1:])}"' for header in headers]
    lines.append("int main(void) { return 0; }" if not cxx else "int main() { return 0; }")
    return "\n".join(lines) + "\n"


def _method(package: Installed, toolchain: Toolchain, warnings: list[str]) -> str:
    if package.cmake_packages:
        if toolchain.has("cmake"):
            return "cmake"
        warnings.append(
            "the package installs CMake configuration files but the test env has no cmake:"
            " the consumer is built without find_package"
        )
    if package.pkg_config_modules and toolchain.has("pkg-config"):
        return "pkg-config"
    return "flags"


def _build(
    package: Installed, toolchain: Toolchain, folder: Path, method: str, cxx: bool
) -> Consumer:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / ("consumer.cpp" if cxx else "consumer.c")
    source.write_text(consumer_source(package.headers, cxx), encoding="utf-8")
    language = "C++" if cxx else "C"
    program = folder / "consumer"
    if method == "cmake":
        return _cmake_build(package, toolchain, folder, source, cxx)
    compiler = toolchain.cxx_compiler if cxx else toolchain.c_compiler
    assert compiler is not None  # consumer_check chose a language the env has a compiler for
    flags: list[str] = []
    described = "plain flags"
    linked: set[str] = set()
    steps: list[Completed] = []
    if method == "pkg-config":
        modules = package.pkg_config_modules
        described = f"pkg-config {' '.join(modules)}"
        queried = run(
            [toolchain.tool("pkg-config"), "--cflags", "--libs", *modules], folder, toolchain
        )
        steps.append(queried)
        if not queried.ok:
            return Consumer(described, language, tuple(steps))
        flags = shlex.split(queried.stdout)
        linked = {flag[2:] for flag in flags if flag.startswith("-l")}
    prefix = package.prefix
    flags = [f"-I{prefix / 'include'}", *flags, f"-L{prefix / 'lib'}"]
    flags += [f"-l{library.name}" for library in package.libraries if library.name not in linked]
    environment = toolchain.environment
    activation = [
        *shlex.split(environment.get("CPPFLAGS", "")),
        *shlex.split(environment.get("CXXFLAGS" if cxx else "CFLAGS", "")),
        *shlex.split(environment.get("LDFLAGS", "")),
    ]  # what the env's compiler activation exports (conda-forge's: -isystem, rpath ...)
    command = [*shlex.split(compiler), *activation, str(source), "-o", str(program), *flags]
    command.append(f"-Wl,-rpath,{prefix / 'lib'}")  # as conda's compiler activation adds
    steps.append(run(command, folder, toolchain))
    if steps[-1].ok:
        steps.append(run([str(program)], folder, toolchain, timeout_s=60))
    return Consumer(described, language, tuple(steps))


_CMAKE_CONSUMER = """cmake_minimum_required(VERSION 3.15)
project(dsprod_consumer LANGUAGES {language})
{find_packages}
add_executable(consumer {source})
get_property(dsprod_targets DIRECTORY PROPERTY IMPORTED_TARGETS)
set(dsprod_covered)
foreach(dsprod_target IN LISTS dsprod_targets)
  get_target_property(dsprod_type ${{dsprod_target}} TYPE)
  if(dsprod_type MATCHES "^(STATIC|SHARED|UNKNOWN|INTERFACE)_LIBRARY$")
    target_link_libraries(consumer PRIVATE ${{dsprod_target}})
    message(STATUS "dsprod: linking ${{dsprod_target}}")
    if(NOT dsprod_type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(dsprod_location ${{dsprod_target}} LOCATION)
      get_filename_component(dsprod_real "${{dsprod_location}}" REALPATH)
      list(APPEND dsprod_covered "${{dsprod_real}}")
    endif()
  endif()
endforeach()
foreach(dsprod_library IN ITEMS {libraries})
  if(NOT dsprod_library IN_LIST dsprod_covered)
    message(STATUS "dsprod: linking ${{dsprod_library}} (no CMake target names it)")
    target_link_libraries(consumer PRIVATE "${{dsprod_library}}")
  endif()
endforeach()
"""


def _cmake_build(
    package: Installed, toolchain: Toolchain, folder: Path, source: Path, cxx: bool
) -> Consumer:
    names = package.cmake_packages
    (folder / "CMakeLists.txt").write_text(
        _CMAKE_CONSUMER.format(
            language="CXX" if cxx else "C",
            find_packages="\n".join(f"find_package({name} CONFIG REQUIRED)" for name in names),
            source=source.name,
            libraries=" ".join(f'"{library.path.resolve()}"' for library in package.libraries),
        ),
        encoding="utf-8",
    )
    build = folder / "build"
    described = f"find_package({', '.join(names)})"
    language = "C++" if cxx else "C"
    steps = [run(cmake_configure(toolchain, folder, build), folder, toolchain)]
    if steps[-1].ok:
        steps.append(run([toolchain.tool("cmake"), "--build", str(build)], folder, toolchain))
    if steps[-1].ok:
        steps.append(run([str(build / "consumer")], folder, toolchain, timeout_s=60))
    return Consumer(described, language, tuple(steps))


def cmake_configure(toolchain: Toolchain, source: Path, build: Path) -> list[str]:
    """``cmake`` configuring ``source`` against the env: its prefix searched first, Ninja when
    the env has it, projects written for CMake 3 accepted by CMake 4."""
    command = [toolchain.tool("cmake"), "-S", str(source), "-B", str(build)]
    if toolchain.has("ninja"):
        command += ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={toolchain.tool('ninja')}"]
    return [
        *command,
        f"-DCMAKE_PREFIX_PATH={toolchain.prefix}",
        "-DCMAKE_BUILD_TYPE=Release",
        "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF",
        "-DCMAKE_POLICY_VERSION_MINIMUM=3.5",
    ]


def _missing_header(package: Installed, built: Consumer) -> str | None:
    """The message for a header a public header includes but nobody installed, if that failed."""
    for step in built.steps:
        message = missing_header_message(package.prefix, step.output)
        if message is not None:
            return message
    return None


def missing_header_message(prefix: Path, compiler_output: str) -> str | None:
    """``public header include/foo.h includes 'bar.h', which ...`` from gcc's or clang's
    "No such file" error, the includer shown relative to the env; None if there is none."""
    found = _MISSING_HEADER.search(compiler_output)
    if found is None:
        return None
    includer = Path(found["includer"].strip())
    try:
        shown = str(includer.relative_to(prefix))
    except ValueError:
        shown = str(includer)
    return (
        f"public header {shown} includes '{found['header']}', which the package does not"
        f" install (nor does any package in the test env)\n{tail(compiler_output, 15)}"
    )


def _output(built: Consumer) -> str:
    return "\n".join(
        f"$ {shlex.join(step.command)}  [exit {step.exit_code}, {step.duration_s:.2f} s]\n"
        f"{step.output.rstrip()}"
        for step in built.steps
    )
