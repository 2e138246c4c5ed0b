"""Verification refuses real bad packages (exit 5), naming every problem at once.

Each bad package is built by rattler-build from a tiny recipe, so these are
packages a real (mis)configured recipe can make. One check is not here: a file
outside the install prefix. rattler-build packages only what it finds under
``$PREFIX``, recorded relative to it (and it refuses symlinks in noarch
packages), so no recipe can make a ``paths.json`` entry that escapes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from dsprod.artifact import Artifact, read_artifact
from dsprod.errors import VerifyFailed
from dsprod.verify import Expected, verify
from tests.packages import build_package, build_recipe

pytestmark = pytest.mark.selftest

COMMIT = "a" * 40
REPOSITORY = "https://example.org/hello-ds"
GOOD = {
    "name": "hello-ds",
    "version": "1.2",
    "build": "g1a2b3c4",
    "about": {"license": "MIT", "summary": "a greeting"},
    "commit": COMMIT,
    "pep440_version": "1.2",
}
GOOD_SCRIPT = [
    "mkdir -p $PREFIX/share/hello-ds",
    "echo 'Hello, {name}!' > $PREFIX/share/hello-ds/greeting.txt",
]
COMPILED_LIBRARY = [
    "mkdir -p $PREFIX/lib",
    "echo 'int answer(void) { return 42; }' > answer.c",
    "gcc -shared -fPIC -o $PREFIX/lib/libanswer.so answer.c",
]
BUILD_MACHINE_PATH = ['echo "built in $RECIPE_DIR" > $PREFIX/share/hello-ds/built-in.txt']


def expected(workdir: Path) -> Expected:
    """What dsprod demands of the package; the work folder is this build machine's path."""
    return Expected(
        name="hello-ds",
        version="1.2",
        build="g1a2b3c4",
        commit=COMMIT,
        pep440_version="1.2",
        repository=REPOSITORY,
        language="python",
        forbidden_paths=(str(workdir),),
    )


def build(workdir: Path, label: str, script: Sequence[str] = (), **changes: object) -> Artifact:
    """Build the good package's recipe with ``changes``, and ``script`` lines added to its own."""
    values = {**GOOD, **changes}
    recipe = {
        "package": {"name": values["name"], "version": values["version"]},
        "build": {
            "noarch": "generic",
            "string": values["build"],
            "script": [*GOOD_SCRIPT, *script],
        },
        "about": values["about"],
        "extra": {
            "dsprod": {
                "commit": values["commit"],
                "pep440_version": values["pep440_version"],
                "repository": REPOSITORY,
                "language": "python",
            }
        },
    }
    return read_artifact(build_recipe(workdir, label, json.dumps(recipe, indent=2), as_dsprod=True))


def test_the_good_package_passes(tmp_path: Path) -> None:
    verify(build(tmp_path, "good"), expected(tmp_path))


needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler on this host")

PROBLEMS = [
    pytest.param({"name": "hello-dz"}, "name is 'hello-dz', expected 'hello-ds'", id="name"),
    pytest.param({"version": "1.3"}, "version is '1.3', expected '1.2' (from git)", id="version"),
    pytest.param(
        {"build": "g9f8e7d6"}, "build string is 'g9f8e7d6', expected 'g1a2b3c4'", id="build"
    ),
    pytest.param({"about": {"summary": "a greeting"}}, "no license in about", id="license"),
    pytest.param({"about": {"license": "MIT"}}, "no summary in about", id="summary"),
    pytest.param(
        {"commit": "b" * 40},
        f"extra.dsprod.commit is '{'b' * 40}', but dsprod computed '{COMMIT}'",
        id="commit",
    ),
    pytest.param(
        {"pep440_version": "1.2rc1"},
        "extra.dsprod.pep440_version is '1.2rc1', but dsprod computed '1.2'",
        id="pep440-version",
    ),
    pytest.param(
        {"script": COMPILED_LIBRARY},
        "noarch package holds a compiled library: lib/libanswer.so",
        id="compiled-library",
        marks=needs_gcc,
    ),
    pytest.param(
        {"script": BUILD_MACHINE_PATH},
        "share/hello-ds/built-in.txt contains the build-machine path",
        id="build-machine-path",
    ),
]


@pytest.mark.parametrize(("changes", "problem"), PROBLEMS)
def test_each_problem_alone_is_refused(tmp_path: Path, changes: dict, problem: str) -> None:
    artifact = build(tmp_path, "bad", **changes)
    with pytest.raises(VerifyFailed) as raised:
        verify(artifact, expected(tmp_path))
    assert raised.value.exit_code == 5
    message = str(raised.value)
    assert message.startswith(f"{artifact.filename} failed verification, not published:")
    [listed] = message.splitlines()[1:]  # this problem, and only this one
    assert problem in listed


@needs_gcc
def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    artifact = build(
        tmp_path,
        "all-wrong",
        name="hello-dz",
        version="1.3",
        build="g9f8e7d6",
        about={},
        commit="b" * 40,
        script=[*COMPILED_LIBRARY, *BUILD_MACHINE_PATH],
    )
    with pytest.raises(VerifyFailed) as raised:
        verify(artifact, expected(tmp_path), ["the language's own finding"])
    assert raised.value.exit_code == 5
    problems = str(raised.value).splitlines()[1:]
    wanted = [
        "name is 'hello-dz'",
        "version is '1.3'",
        "build string is 'g9f8e7d6'",
        "extra.dsprod.commit is",
        "no license in about",
        "no summary in about",
        "the language's own finding",
        "built-in.txt contains the build-machine path",
        "compiled library: lib/libanswer.so",
    ]
    assert len(problems) == len(wanted)
    for problem, text in zip(problems, wanted, strict=True):
        assert text in problem


# --- what a package records about itself (extra.dsprod) ------------------------------

ALPHA_REPOSITORY = "https://example.org/alpha"
COMPUTED_RC = Expected(
    name="alpha",
    version="5.0.0rc1",
    build="g0",
    commit="0" * 40,
    pep440_version="5.0.0rc1",
    repository=ALPHA_REPOSITORY,
    language="python",
)
"""What dsprod computes from git for a commit tagged 5.0.0rc1."""


def test_a_package_recording_what_git_says_passes(tmp_path: Path) -> None:
    recorded = {"pep440_version": "5.0.0rc1", "repository": ALPHA_REPOSITORY, "language": "python"}
    verify(read_artifact(build_package(tmp_path, "alpha", "5.0.0rc1", extra=recorded)), COMPUTED_RC)


def test_a_recipe_claiming_a_final_version_on_a_release_candidate_is_refused(
    tmp_path: Path,
) -> None:
    # A maintained recipe that hard-codes pep440_version: promotion would judge 5.0.0 final.
    recorded = {"pep440_version": "5.0.0", "repository": ALPHA_REPOSITORY, "language": "python"}
    artifact = read_artifact(build_package(tmp_path, "alpha", "5.0.0rc1", extra=recorded))
    with pytest.raises(VerifyFailed) as caught:
        verify(artifact, COMPUTED_RC)
    assert "extra.dsprod.pep440_version is '5.0.0', but dsprod computed '5.0.0rc1'" in str(
        caught.value
    )
    assert caught.value.exit_code == 5


def test_every_recorded_value_is_compared_and_all_mismatches_are_listed(tmp_path: Path) -> None:
    recorded = {"commit": "1" * 40, "pep440_version": "5.0.0rc1", "language": "r"}
    artifact = read_artifact(build_package(tmp_path, "alpha", "5.0.0rc1", extra=recorded))
    expected = replace(COMPUTED_RC, name="beta", version="5.0.0", build="g1")
    with pytest.raises(VerifyFailed) as caught:
        verify(artifact, expected)
    message = str(caught.value)
    for needle in (
        "name is 'alpha', expected 'beta'",
        "version is '5.0.0rc1', expected '5.0.0'",
        "build string is 'g0', expected 'g1'",
        f"extra.dsprod.commit is '{'1' * 40}', but dsprod computed '{'0' * 40}'",
        f"extra.dsprod.repository is not recorded; dsprod computed '{ALPHA_REPOSITORY}'",
        "extra.dsprod.language is 'r', but dsprod computed 'python'",
    ):
        assert needle in message
