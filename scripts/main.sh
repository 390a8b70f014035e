#!/usr/bin/env bash
# The main job: fit the Chinchilla law to Hoffmann et al.'s runs (bundled), with 4000 bootstrap
# resamples, and print the law, its 95% intervals and the compute-optimal allocation at a few budgets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh ""
mkdir -p out
.venv/bin/scalinglab fit bundled:chinchilla --where "loss < 3.44" --bootstrap 4000 --seed 42 \
  --out out/chinchilla-fit.json "$@"
