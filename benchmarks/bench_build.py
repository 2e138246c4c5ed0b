"""How much dsprod adds to a plain rattler-build build, and where `dsprod run` spends its time.

Run from the repository root after `dsprod bootstrap`:

    python3 benchmarks/bench_build.py [--rounds 3]

1. Builds the same generated recipe of examples/python-hello with plain
   py-rattler-build and with `dsprod build` (which adds recipe generation,
   verification and publishing), alternating, and prints medians and the ratio.
2. Runs `dsprod run` on a fresh copy and prints the time of each stage
   (prepare, build, verify, publish, env, tests, promote).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rattler_build import RenderConfig, Stage0Recipe, ToolConfiguration

from dsprod import pipeline
from dsprod.builders.rattler_build import patchelf_folder
from dsprod.config import load_settings
from dsprod.pipeline.stages import build_variables, load_project
from dsprod.recipe import select

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "python-hello"


def make_project(folder: Path, example: Path = EXAMPLE) -> Path:
    """A tagged git repository of ``example``, with its own store and the bootstrap channel."""
    shutil.copytree(example, folder)
    (folder / "channels.yaml").write_text(
        f"store: {{path: {folder.parent / (folder.name + '-store')}}}\n"
        "dependency_channels: [bootstrap]\n"
    )
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"], ["tag", "1.0"]):
        subprocess.run(["git", *identity, *command], cwd=folder, check=True)
    return folder


def quiet(_message: str) -> None:
    """Benchmarks measure; they do not narrate."""


def plain_rattler_build(session: pipeline.Session, output: Path) -> float:
    """The same recipe, channels and variables, straight through py-rattler-build."""
    project = load_project(session.project_root)
    info = project.info
    recipe_path, _ = select.recipe_to_build(
        info.root, info.conda_name, project.recipe, session.work_dir / "recipe"
    )
    channels = asyncio.run(session.channels())
    started = time.perf_counter()
    Stage0Recipe.from_file(recipe_path).run_build(
        tool_config=ToolConfiguration(test_strategy="native"),
        output_dir=output,
        channels=channels,
        render_config=RenderConfig(extra_context=build_variables(project)),
    )
    return time.perf_counter() - started


def dsprod_build(session: pipeline.Session) -> float:
    started = time.perf_counter()
    asyncio.run(pipeline.build(session))
    return time.perf_counter() - started


def main() -> None:
    if (patchelf := patchelf_folder()) is not None:  # as the CLI does: rattler-build needs it
        os.environ["PATH"] = f"{patchelf}{os.pathsep}{os.environ.get('PATH', '')}"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds

    with tempfile.TemporaryDirectory(prefix="dsprod-bench-") as scratch:
        plain_times, dsprod_times = [], []
        for round_number in range(rounds):
            project = make_project(Path(scratch) / f"hello-{round_number}")
            session = pipeline.Session(project, load_settings(project), quiet)
            plain_times.append(plain_rattler_build(session, Path(scratch) / f"out-{round_number}"))
            dsprod_times.append(dsprod_build(session))
        plain, ours = statistics.median(plain_times), statistics.median(dsprod_times)
        print(f"build of python-hello, median of {rounds} (seconds)")
        print(f"  plain py-rattler-build : {plain:6.2f}  {[round(t, 2) for t in plain_times]}")
        print(f"  dsprod build           : {ours:6.2f}  {[round(t, 2) for t in dsprod_times]}")
        print(f"  ratio dsprod / plain   : {ours / plain:6.2f}")

        project = make_project(Path(scratch) / "hello-run")
        session = pipeline.Session(project, load_settings(project), quiet)
        started = time.perf_counter()
        outcome = asyncio.run(pipeline.run(session))
        total = time.perf_counter() - started
        print("\ndsprod run stages (seconds)")
        for stage, seconds in outcome.timings.items():
            print(f"  {stage:<8} {seconds:6.2f}")
        print(f"  {'total':<8} {total:6.2f}")


if __name__ == "__main__":
    main()
