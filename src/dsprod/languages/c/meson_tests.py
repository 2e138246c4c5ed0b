"""Build a Meson project's own tests against the installed package, and run them with meson test.

A tests folder is ``subdir()``-ed by the project's ``meson.build``, and reads
variables that file defined: the library's dependency object (``foo_dep``),
include directories, a compiler object. A wrapper ``meson.build`` takes the
project file's place (in the exported project folder) and defines each
variable the tests read but never assign, found in meson's own syntax tree
(``meson introspect --ast``), by how the tests use it:

- in ``dependencies:`` -> the installed package as a dependency: ``dependency()``
  on each ``.pc`` file it installs (else its include folder and libraries);
- in ``include_directories:`` -> the env's ``include/``;
- as the object of a method call, named ``cc``/``cxx``/``cpp``/``compiler`` ->
  ``meson.get_compiler()`` of that language.

A variable used otherwise (``link_with: foo_lib`` needs a library the wrapper
cannot make from an installed file) cannot be given faithfully: the tests are
then not built, and a warning names the variable. ``meson test`` honours
``should_fail`` and writes the JUnit report.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsprod.envtest.result import tail
from dsprod.languages.c.cmake_tests import ProjectTests, cmake_version, languages_of_tests
from dsprod.languages.c.installed import Installed
from dsprod.languages.c.report import Case
from dsprod.languages.c.toolchain import Completed, Toolchain, run

SUITE = "dsprod.project-tests"
RUNNER = "meson test"
TEST_TIMEOUT_MULTIPLIER = 10
"""meson test's per-test timeout is 30 s times this (meson's own default multiplier is 1)."""

BUILTINS = frozenset({"meson", "build_machine", "host_machine", "target_machine"})
_COMPILER_LANGUAGES = {"cc": "c", "c_compiler": "c", "compiler": "c", "cxx": "cpp", "cpp": "cpp"}


@dataclass
class Names:
    """What a set of meson.build files assigns, and where each name they read is used."""

    assigned: set[str] = field(default_factory=set)
    uses: dict[str, set[str]] = field(default_factory=dict)
    """Name -> the contexts it is read in (a keyword like ``dependencies``, ``method``,
    or ``value``)."""

    def free(self) -> dict[str, set[str]]:
        """Names read but never assigned (nor meson's built-in objects)."""
        return {
            name: contexts
            for name, contexts in self.uses.items()
            if name not in self.assigned and name not in BUILTINS
        }


def read_names(ast: dict[str, Any], names: Names) -> None:
    """Add what one file's syntax tree (``meson introspect --ast``) assigns and reads."""
    for node, context in _walk(ast, "value"):
        kind = node.get("node")
        if kind in ("AssignmentNode", "PlusAssignmentNode"):
            names.assigned.add(_identifier(node.get("var_name")))
        elif kind == "ForeachClauseNode":
            names.assigned.update(_identifier(item) for item in node.get("varnames", []))
        elif kind == "IdNode":
            names.uses.setdefault(str(node.get("value")), set()).add(context)


def _identifier(value: Any) -> str:
    return str(value.get("value")) if isinstance(value, dict) else str(value)


def _walk(node: Any, context: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every node with the context it is read in; keyword keys are not reads."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, context)
        return
    if not isinstance(node, dict):
        return
    yield node, context
    for key, value in node.items():
        if key == "kwargs" and isinstance(value, list):
            for pair in value:
                keyword = pair.get("key", {})
                yield from _walk(pair.get("val"), _identifier(keyword))
        elif key == "object":
            yield from _walk(value, "method")
        elif key in ("var_name", "varnames"):
            continue
        elif isinstance(value, dict | list):
            inner = context if node.get("node") in ("ArrayNode", "ArgumentNode") else "value"
            yield from _walk(value, inner)


def definitions(
    free: dict[str, set[str]], package: Installed, languages: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Wrapper lines defining each free variable, and the variables that cannot be defined."""
    prefix = package.prefix.as_posix()
    lines: list[str] = []
    unknown: list[str] = []
    for name in sorted(free):
        contexts = free[name]
        if contexts <= {"dependencies"}:
            lines.append(f"{name} = {_dependency(package)}")
        elif contexts <= {"include_directories"}:
            lines.append(f"{name} = include_directories('{prefix}/include')")
        elif contexts <= {"method"} and _COMPILER_LANGUAGES.get(name) in languages:
            lines.append(f"{name} = meson.get_compiler('{_COMPILER_LANGUAGES[name]}')")
        else:
            unknown.append(f"{name} (used as {', '.join(sorted(contexts))})")
    return lines, unknown


def _dependency(package: Installed) -> str:
    prefix = package.prefix.as_posix()
    if package.pkg_config_modules:
        found = ", ".join(f"dependency('{module}')" for module in package.pkg_config_modules)
        return f"declare_dependency(dependencies: [{found}])"
    link = [f"-L{prefix}/lib", *(f"-l{library.name}" for library in package.libraries)]
    link.append(f"-Wl,-rpath,{prefix}/lib")
    return (
        f"declare_dependency(include_directories: include_directories('{prefix}/include'),"
        f" link_args: {json.dumps(link)})"
    ).replace('"', "'")


def run_meson_tests(
    package: Installed,
    toolchain: Toolchain,
    project: Path,
    tests: Sequence[Path],
    conda_name: str,
    conda_version: str,
    extra_args: Sequence[str],
    scratch: Path,
) -> ProjectTests:
    """Write the wrapper in ``project``, set up, build, and run ``meson test``."""
    outside = [folder for folder in tests if project not in folder.parents]
    if outside:
        return _not_done(f"tests folder {outside[0]} lies outside the project folder")
    names = Names()
    steps: list[Completed] = []
    for number, build_file in enumerate(
        sorted(file for folder in tests for file in folder.rglob("meson.build"))
    ):
        copy = scratch / "ast" / str(number) / "meson.build"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text("project('dsprod-ast')\n" + build_file.read_text(encoding="utf-8"))
        steps.append(
            run([toolchain.tool("meson"), "introspect", "--ast", str(copy)], scratch, toolchain)
        )
        if not steps[-1].ok:
            return _failed("meson could not read " + str(build_file), steps)
        read_names(json.loads(steps[-1].stdout), names)
    meson_names = {"C": "c", "CXX": "cpp"}
    languages = [meson_names[language] for language in languages_of_tests(tests, toolchain)]
    free = names.free()
    wanted = {_COMPILER_LANGUAGES[name] for name in free if name in _COMPILER_LANGUAGES}
    if "cpp" in wanted and "cpp" not in languages and toolchain.cxx_compiler is not None:
        languages.append("cpp")  # the tests ask meson for the C++ compiler themselves
    if "c" in wanted and "c" not in languages and toolchain.c_compiler is not None:
        languages.insert(0, "c")
    lines, unknown = definitions(free, package, languages)
    if unknown:
        return _not_done(
            "the tests read variables of the project's meson.build that cannot be made from"
            f" the installed package: {'; '.join(unknown)}"
        )
    wrapper = [
        "# Written by dsprod: the project's tests, built against the installed package.",
        f"project('{conda_name}', {', '.join(repr(x) for x in languages)},"
        f" version: '{cmake_version(conda_version)}')",
        *lines,
        *(f"subdir('{folder.relative_to(project).as_posix()}')" for folder in tests),
    ]
    (project / "meson.build").write_text("\n".join(wrapper) + "\n", encoding="utf-8")
    build = scratch / "tests-build"
    steps.append(
        run(
            [toolchain.tool("meson"), "setup", str(build), str(project), "--buildtype=release"],
            project,
            toolchain,
        )
    )
    if not steps[-1].ok:
        return _failed(
            "the project's tests could not be set up against the installed package", steps
        )
    # ninja itself, not ``meson compile`` (one Python start less); every test that builds.
    steps.append(run([toolchain.tool("ninja"), "-C", str(build), "-k", "0"], project, toolchain))
    cases = []
    if not steps[-1].ok:
        cases.append(
            _error(
                "build",
                "building the project's tests against the installed package failed",
                steps[-1],
            )
        )
    steps.append(
        run(
            [
                toolchain.tool("meson"),
                "test",
                "-C",
                str(build),
                "--print-errorlogs",
                "--num-processes",
                "2",
                "--timeout-multiplier",
                str(TEST_TIMEOUT_MULTIPLIER),
                *extra_args,
            ],
            project,
            toolchain,
        )
    )
    junit = build / "meson-logs" / "testlog.junit.xml"
    if not junit.is_file() or "No tests defined" in steps[-1].output:
        cases.append(_error("meson test", "meson test ran no test of the project", steps[-1]))
    return ProjectTests(tuple(cases), junit if junit.is_file() else None, RUNNER, tuple(steps))


def _error(name: str, message: str, step: Completed) -> Case:
    said = f"{message}: '{shlex.join(step.command)}' exited {step.exit_code}\n{tail(step.output)}"
    return Case(SUITE, name, round(step.duration_s, 3), error=said)


def _failed(message: str, steps: list[Completed]) -> ProjectTests:
    return ProjectTests((_error("configure", message, steps[-1]),), None, RUNNER, tuple(steps))


def _not_done(reason: str) -> ProjectTests:
    return ProjectTests.not_built(f"the project's tests were not built: {reason}")
