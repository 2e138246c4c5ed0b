#!/usr/bin/env bash
# dsprod end to end on the embedded local store: dev build -> release candidate -> final release.
#
# It installs dsprod, makes the dependency channel from this host (`dsprod bootstrap`),
# copies examples/python-hello into a fresh git repository (DSPROD_DEMO_DIR, default
# a new temporary folder), gives it a history with tags, and runs `dsprod run` at
# each step. Tagged releases of examples/python-cext (a Python package with a C
# extension) and examples/cmake-cxx (a C++ library and CLI built with CMake) join the
# same store, and, where R is installed, one of
# examples/r-compiled (an R package with C code). Last, it prints which version
# sits in which channel.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
demo=${DSPROD_DEMO_DIR:-$(mktemp -d -t dsprod-demo-XXXXXX)}
# Builds and test envs resolve from the channel `dsprod bootstrap` makes (never conda-forge).
export DSPROD_DEPENDENCY_CHANNELS=${DSPROD_DEPENDENCY_CHANNELS:-bootstrap}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
git_() { git -C "$demo" -c user.name=demo -c user.email=demo@example.org "$@"; }

step "installing dsprod"
python3 -m pip install --quiet --disable-pip-version-check -e "$here"

step "making the dependency channel from this host (cached after the first time)"
dsprod bootstrap

step "a project with a git history, in $demo"
mkdir -p "$demo"
cp -r "$here/examples/python-hello/." "$demo/"
git_ init --quiet
git_ add -A && git_ commit --quiet -m "hello-ds"
git_ tag 1.2
echo "# two commits after 1.2" >> "$demo/README.md"
git_ commit --quiet -am "docs"
echo "More docs." >> "$demo/README.md"
git_ commit --quiet -am "more docs"

step "two commits after tag 1.2: a dev build goes to unstable and testing"
dsprod run --project "$demo"

step "QA tags the commit 1.2.1rc1: a release candidate goes to unstable and testing"
git_ tag 1.2.1rc1
dsprod run --project "$demo"

step "QA tags the same commit 1.2.1: the final release goes on to stable"
git_ tag 1.2.1
dsprod run --project "$demo"

# tagged_release EXAMPLE TAG: a copy of examples/EXAMPLE, one commit tagged TAG, run into the
# demo's store.
tagged_release() {
  local copy="$demo-$1"
  mkdir -p "$copy"
  cp -r "$here/examples/$1/." "$copy/"
  git -C "$copy" init --quiet
  git -C "$copy" -c user.name=demo -c user.email=demo@example.org add -A
  git -C "$copy" -c user.name=demo -c user.email=demo@example.org commit --quiet -m "$1"
  git -C "$copy" tag "$2"
  DSPROD_STORE="$demo/.dsprod/store" dsprod run --project "$copy"
}

step "a Python package with a C extension (examples/python-cext) tagged 0.3.0, into the same store"
tagged_release python-cext 0.3.0

step "a C++ library with a CLI, built with CMake (examples/cmake-cxx) tagged 0.1.0, into the same store"
tagged_release cmake-cxx 0.1.0

if command -v Rscript >/dev/null 2>&1; then
  step "an R package with C code (examples/r-compiled) tagged 0.2.1, into the same store"
  tagged_release r-compiled 0.2.1
fi

step "the channels of the store ($demo/.dsprod/store)"
dsprod status --project "$demo"
