#!/usr/bin/env bash
# Set up .venv with every extra (training, trackers, cluster, dev) and run lint, import contracts, tests
# (the tests in parallel, one pytest-xdist worker per core).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh "train,trackers,cluster,post,dev,docs"
.venv/bin/ruff check src tests benchmarks
.venv/bin/lint-imports  # import contracts in pyproject.toml [tool.importlinter]
# The suite on every core (pytest-xdist; tests/conftest.py keeps each file's tests on one worker and shares
# the cores' threads between the workers); SCALINGLAB_TEST_WORKERS=0 runs it serially, and flags given to this
# script come last, so they win (e.g. `-n 0`). `pytest tests/x.py` alone stays serial.
.venv/bin/python -m pytest -n "${SCALINGLAB_TEST_WORKERS:-auto}" --dist loadgroup "$@"
