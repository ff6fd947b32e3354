#!/usr/bin/env bash
# Create bench/.venv with the Python baselines' dependencies.
# Idempotent: does nothing if the venv already imports everything.
#
# Usage: bench/setup-venv.sh            (PYTHON=python3.11 to pick an interpreter)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$BENCH_DIR/.venv"
PYTHON="${PYTHON:-python3}"
# xgboost-cpu, not xgboost: the latter pulls a multi-GB CUDA build. 2.1.1 is the oldest xgboost-cpu on PyPI
# (the package starts at 2.1), the closest to the system's libxgboost 1.7 that churnd links.
PACKAGES=(numpy pandas scikit-learn polars pyarrow "xgboost-cpu==2.1.1")
CHECK='import numpy, pandas, sklearn, polars, pyarrow, xgboost'

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
"$VENV/bin/python" -m pip install --quiet "${PACKAGES[@]}"
"$VENV/bin/python" -c "$CHECK"
"$VENV/bin/python" - <<'EOF'
import numpy, pandas, sklearn, polars, pyarrow, xgboost
for m in (numpy, pandas, sklearn, polars, pyarrow, xgboost):
    print(f"  {m.__name__:10s} {m.__version__}")
EOF
echo "bench venv ready"
