#!/usr/bin/env bash
# Set up .venv with every extra (training, trackers, cluster, dev) and run the whole test suite + lint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh "train,trackers,cluster,post,dev"
.venv/bin/ruff check src tests benchmarks
.venv/bin/python -m pytest "$@"
