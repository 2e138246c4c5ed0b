"""What dsprod costs on a C/C++ project, beside building and testing it by hand.

Run from the repository root after `dsprod bootstrap`:

    python3 -m benchmarks.bench_native [--rounds 3] [--json]

For each C/C++ example (examples/cmake-cxx, examples/meson-c), on fresh copies:

1. by hand, with the host's tools: configure with the tests switched on (shared
   libraries, Release), build, run the tests (ctest / meson test);
2. `dsprod build` (read the project with the build system, generate the recipe,
   build with rattler-build, check the package's contents, verify, publish) and
   `dsprod test` (clean env, linkage, programs, consumer, the project's tests
   built against the installed package).

It prints the median of each, and dsprod's own stage timings (``--json`` output).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_build import make_project

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Example:
    folder: str
    by_hand: tuple[tuple[str, ...], ...]
    """The commands a developer types, run in the project folder (``build`` is scratch)."""


CMAKE_CXX = Example(
    "cmake-cxx",
    (
        (
            "cmake",
            "-S",
            ".",
            "-B",
            "build",
            "-G",
            "Ninja",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DBUILD_SHARED_LIBS=ON",
            "-DCMKX_BUILD_TESTS=ON",
        ),
        ("cmake", "--build", "build"),
        ("ctest", "--test-dir", "build"),
    ),
)
MESON_C = Example(
    "meson-c",
    (
        ("meson", "setup", "build", "--buildtype=release", "-Dtests=true"),
        ("meson", "compile", "-C", "build"),
        ("meson", "test", "-C", "build"),
    ),
)


def by_hand(example: Example, project: Path) -> float:
    started = time.perf_counter()
    for command in example.by_hand:
        subprocess.run(command, cwd=project, check=True, capture_output=True)
    return time.perf_counter() - started


def dsprod(project: Path, command: str) -> tuple[float, dict[str, float]]:
    """Wall time of ``dsprod COMMAND --json`` and the stage timings it reports."""
    started = time.perf_counter()
    result = subprocess.run(
        ["dsprod", command, "--project", str(project), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dsprod {command} failed ({result.returncode}):\n{result.stderr}")
    return elapsed, json.loads(result.stdout).get("timings_s", {})


def measure(example: Example, rounds: int, scratch: Path) -> dict[str, object]:
    hand, build, test = [], [], []
    stages: dict[str, list[float]] = {}
    for n in range(rounds):
        source = EXAMPLES / example.folder
        hand.append(by_hand(example, make_project(scratch / f"{example.folder}-hand-{n}", source)))
        project = make_project(scratch / f"{example.folder}-dsprod-{n}", source)
        for command, times in (("build", build), ("test", test)):
            elapsed, timings = dsprod(project, command)
            times.append(elapsed)
            for stage, seconds in timings.items():
                stages.setdefault(f"{command}.{stage}", []).append(seconds)
    return {
        "example": example.folder,
        "by_hand_s": statistics.median(hand),
        "dsprod_build_s": statistics.median(build),
        "dsprod_test_s": statistics.median(test),
        "stages_s": {stage: statistics.median(times) for stage, times in stages.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dsprod-bench-native-") as scratch:
        results = [
            measure(example, arguments.rounds, Path(scratch)) for example in (CMAKE_CXX, MESON_C)
        ]
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    print(f"medians of {arguments.rounds} rounds, seconds")
    print(f"{'example':<11} {'by hand':>8} {'dsprod build':>13} {'dsprod test':>12}")
    for result in results:
        print(
            f"{result['example']:<11} {result['by_hand_s']:>8.2f}"
            f" {result['dsprod_build_s']:>13.2f} {result['dsprod_test_s']:>12.2f}"
        )
    for result in results:
        stages = result["stages_s"]
        assert isinstance(stages, dict)
        details = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in stages.items())
        print(f"{result['example']}: {details}")


if __name__ == "__main__":
    main()
