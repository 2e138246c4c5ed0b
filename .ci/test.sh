#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, checks lint and
# types (ruff, mypy), then runs pytest.
# Extra arguments go to pytest (e.g. `bash .ci/test.sh -m "not e2e"` for the fast unit tests).
set -uo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# R and testthat from Debian: the R tests and the bootstrap channel's r-base need them
# (rex: the package the `bootstrap --r` test repackages).
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(testthat); library(rex)' >/dev/null 2>&1; then
  as_root apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq r-base-core r-cran-testthat r-cran-rex >/dev/null || exit 1
fi

# The host tools C/C++ builds and tests use (the bootstrap channel's compiler, make and
# pkg-config stand-ins point at them; cmake, ninja and meson also come from PyPI wheels).
missing_tools=""
for tool in gcc g++ gfortran make pkg-config cmake ninja; do
  command -v "$tool" >/dev/null 2>&1 || missing_tools=yes
done
if [ -n "$missing_tools" ]; then
  as_root apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq gcc g++ gfortran make pkg-config cmake ninja-build >/dev/null || exit 1
fi

# Chromium from Debian: the status page's test loads it in a real headless browser (and
# fails, rather than skips, when DSPROD_TEST_BROWSER=required and chromium is missing).
if ! command -v chromium >/dev/null 2>&1; then
  as_root apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null || exit 1
fi
export DSPROD_TEST_BROWSER=required

python3 -m pip install --quiet --disable-pip-version-check -e '.[test,test-servers,anaconda,dev]' || exit 1

# Lint, format and types first: they take seconds and fail for reasons no test shows.
python3 -m ruff check src tests benchmarks || exit 1
python3 -m ruff format --check src tests benchmarks || exit 1
python3 -m mypy || exit 1

# The dependency channel every build and test env resolves from (cached per user).
python3 -m dsprod bootstrap || exit 1

# quetz-server's own virtual env (its pins clash with dsprod's), cached per user and per
# pinned requirements: made here, outside the tests' time, and how long it took is printed.
python3 -c 'from tests.quetz_server import quetz_venv; quetz_venv()' || exit 1

# The 25 slowest tests are listed at the end: where the next minute of CI time goes.
python3 -m pytest --durations=25 "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
