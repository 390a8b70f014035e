#!/usr/bin/env bash
# Create .venv at the repo root (Python 3.11+) and install scalinglab with the given extras.
# Re-installs only when pyproject.toml, the constraints or the extras change.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY="$cand"; break; fi
  done
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.scalinglab-installed"
want="$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -c1-16) ${extras}"
if [ ! -f "$stamp" ] || ! grep -qxF -- "$want" "$stamp"; then
  spec="."
  [ -n "$extras" ] && spec=".[${extras}]"
  .venv/bin/python -m pip install -qq --disable-pip-version-check -c scripts/constraints.txt -e "$spec"
  echo "$want" >> "$stamp"
fi
