#!/usr/bin/env bash
# Set up .venv with every extra (training, trackers, cluster, dev) and run lint, import contracts, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh "train,trackers,cluster,post,dev,docs"
.venv/bin/ruff check src tests benchmarks
.venv/bin/lint-imports  # import contracts in pyproject.toml [tool.importlinter]
.venv/bin/python -m pytest "$@"
