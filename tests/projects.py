"""Real git repositories of example projects, for end-to-end tests."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import rattler
from rattler import Channel, VirtualPackage
from ruamel.yaml import YAML

from dsprod.store.local import LocalStore

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "examples"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` as a fixed test identity."""
    result = subprocess.run(
        ["git", "-c", "user.name=dsprod-test", "-c", "user.email=test@dsprod.invalid", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def make_repo(destination: Path, example: str, store: Path) -> Path:
    """Copy an example into a fresh git repository with its own channels.yaml, committed."""
    shutil.copytree(EXAMPLES / example, destination)
    (destination / "channels.yaml").write_text(
        f"store: {{kind: local, path: {store}}}\ndependency_channels: [bootstrap]\n"
    )
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit_all(destination, "initial")
    return destination


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


def dsprod(project: Path, *args: str) -> tuple[int, dict, str]:
    """Run the real CLI with --json; returns (exit code, JSON document, stderr)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DSPROD_STORE")}
    result = subprocess.run(
        [sys.executable, "-m", "dsprod", *args, "--project", str(project), "--json"],
        capture_output=True,
        text=True,
        env=environment,
    )
    try:
        document = json.loads(result.stdout) if result.stdout.strip() else {}
    except json.JSONDecodeError:
        document = {"unparsed_stdout": result.stdout}
    return result.returncode, document, result.stderr


def recipe_build_requirements(project: Path) -> list[str]:
    """``requirements.build`` of the recipe ``dsprod recipe`` writes for the project."""
    code, result, stderr = dsprod(project, "recipe", "--stdout")
    assert code == 0, stderr
    return YAML(typ="safe").load(result["recipe"])["requirements"].get("build", [])


def python_pin() -> str:
    """The run requirement of a compiled package built with the bootstrap channel's python
    (this interpreter, repackaged): its minor version, as conda-forge's python pins it."""
    major, minor = sys.version_info[:2]
    return f"python >={major}.{minor},<{major}.{minor + 1}.0a0"


def channel_state(store: Path) -> dict[str, set[tuple[str, str, str]]]:
    """(name, version, subdir) of every package in each maturity channel of a local store."""
    local = LocalStore(store)
    return {
        level: {(p.name, p.version, p.subdir) for p in asyncio.run(local.packages(level))}
        for level in ("unstable", "testing", "stable")
    }


def install(prefix: Path, channels: list[str], spec: str) -> list[rattler.RepoDataRecord]:
    """Solve and install ``spec`` into a new env, as a user of those channels would."""
    records = asyncio.run(
        rattler.solve(
            sources=[Channel(c) for c in channels],
            specs=[spec],
            virtual_packages=VirtualPackage.detect(),
        )
    )
    asyncio.run(rattler.install(records, target_prefix=prefix, show_progress=False))
    return records


def rscript(prefix: Path, code: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run R ``code`` with the env's Rscript, with none of the caller's R setup.

    ``HOME`` is ``home`` (the env itself by default), so no user profile is read.
    """
    return subprocess.run(
        [str(prefix / "bin" / "Rscript"), "-e", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home or prefix)},
        check=False,
    )
