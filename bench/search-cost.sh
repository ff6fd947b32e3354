#!/usr/bin/env bash
# The settings search's estimated work against the time it takes, on several sizes of real data.
#
# Usage: bench/search-cost.sh [SET [SIZE...]]     (default: mlc_churn 1000 2500 5000 10000 20000)
#   CHURND=/path/to/churnd   use this binary instead of a release build
#   CONFIGS=default,budget0  configurations (bench/search_cost.py: default, budget0, xgboost, logistic)
#
# Prints, per size and configuration, the estimate (`searchSeconds` summed over the families) beside the
# whole training run's wall and CPU seconds, and the machine's load before and after: on a loaded machine
# the wall time stretches, the CPU time much less. The estimate is meant to match the wall time of the
# search on an idle 2-core machine; the rest of a run (reading, encoding, the refit, the test metrics) is
# not counted by the budget.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SET="${1:-mlc_churn}"
shift || true
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000 2500 5000 10000 20000)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
setup_venv
build_churnd
DATA_DIR="$OUT_DIR/quality"
[[ -s "$DATA_DIR/$SET/train.csv" ]] || "$PY" "$BENCH_DIR/quality_data.py" "$DATA_DIR" "$SET"
mkdir -p "$RUNS_DIR"
machine_state "$RUNS_DIR"
"$PY" "$BENCH_DIR/search_cost.py" "$CHURND" "$DATA_DIR" "$RUNS_DIR" "$SET" "${SIZES[@]}"
load_after
