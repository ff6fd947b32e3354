#!/usr/bin/env bash
# Model quality on real data: churnd (black box: `churnd train` on 80 %, `churnd score` on the other 20 %)
# against the Python pipelines of bench/quality_baselines.py, on the data sets of bench/quality_data.py.
#
# Usage: bench/quality.sh [NAME...]          (default: every set in quality_data.py)
#   CHURND=/path/to/churnd   use this binary instead of a release build
#   NTHREAD=2                XGBoost threads, churnd and Python alike
#   STRICT=1                 exit 1 when a target is missed
#   BASELINES=DIR            reuse the Python results (DIR/SET-python.json) of an earlier run of this script
#                            instead of running the pipelines again: they depend only on the data files
#
# For every set, churnd trains twice on the same files: "before" with `[training] cv_max_rows = 0` (the single
# validation split and the configured settings, as churnd trained before cross-validation) and "after" with
# the defaults. The held-out F1 of every pipeline is computed here from its predictions on test.csv.
# Targets: churnd's F1 (after) ≥ the best Python pipeline's − 0.005 on every set, and ≥ it on most.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NTHREAD="${NTHREAD:-2}"
export NTHREAD
# XGBoost (libgomp) threads wait passively in both tools, as churnd sets for itself: spinning threads on a
# shared 2-core machine slow everything else down.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
require_gnu_time
setup_venv
build_churnd
DATA_DIR="$OUT_DIR/quality"
mkdir -p "$RUNS_DIR"

note "writing the data sets (bench/quality_data.py)"
"$PY" "$BENCH_DIR/quality_data.py" "$DATA_DIR" "$@"
mapfile -t SETS < <(tail -n +2 "$DATA_DIR/sets.tsv" | cut -f1)

machine_state "$RUNS_DIR"
echo "churnd: $("$CHURND" --version 2>/dev/null || echo "$CHURND")"
echo

# f1_of_scored SCORED TEST LABEL POSITIVE: F1 of churnd's predictions against test.csv's labels, joined by row_id.
f1_of_scored() {
    "$PY" - "$@" <<'EOF'
import sys
import pandas as pd
scored, test, label, positive = sys.argv[1:5]
s = pd.read_csv(scored, dtype=str, keep_default_na=False)
t = pd.read_csv(test, dtype=str, keep_default_na=False)
assert len(s) == len(t), f"{scored} has {len(s)} rows, {test} has {len(t)}"
column = next(c for c in s.columns if "prediction" in c)
joined = t[["row_id", label]].merge(s[["row_id", column]], on="row_id", validate="one_to_one")
assert len(joined) == len(t)
y = (joined[label] == positive).astype(int)
p = joined[column].astype(int)
tp = int(((p == 1) & (y == 1)).sum()); fp = int(((p == 1) & (y == 0)).sum()); fn = int(((p == 0) & (y == 1)).sum())
print(f"{2 * tp / (2 * tp + fp + fn):.4f}")
EOF
}

# churnd_run SET VARIANT: trains and scores; sets R_F1, R_SECONDS, R_SUMMARY (family and cross-validation).
churnd_run() {
    local set="$1" variant="$2" dir="$DATA_DIR/$1" root="$RUNS_DIR/$1-$2"
    mkdir -p "$root"
    cp "$dir/churnd.toml" "$root/churnd.toml"
    [[ "$variant" == before ]] && echo "cv_max_rows = 0" >>"$root/churnd.toml"
    local t0 t1
    t0=$(date +%s%N)
    "$CHURND" train --force --root "$root" --data "$dir/train.csv" --out "$root/model" --json >"$root/train.json" \
        2>"$root/train.stderr" || { cat "$root/train.stderr" >&2; die "churnd train failed on $set ($variant)"; }
    t1=$(date +%s%N)
    R_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    "$CHURND" score "$dir/test.csv" --root "$root" --model "$root/model/model.json" -o "$root/scored" --no-log \
        >"$root/score.stdout" 2>"$root/score.stderr" || { cat "$root/score.stderr" >&2; die "churnd score failed on $set"; }
    local scored
    scored=$(find "$root/scored" -name '*.csv' ! -name '*.errors.csv' | head -1)
    [[ -s "$scored" ]] || die "churnd score wrote no output for $set ($variant)"
    local label positive
    label=$(awk -F'"' '/^label/ { print $2 }' "$dir/churnd.toml")
    positive=$(awk -F'"' '/^positive/ { print $2 }' "$dir/churnd.toml")
    R_F1=$(f1_of_scored "$scored" "$dir/test.csv" "$label" "$positive")
    R_SUMMARY=$("$PY" - "$root/train.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
cv = doc.get("crossValidation")
text = doc["family"]
if cv:
    text += f" [{cv['chosen']['family']}: " + ", ".join(
        f"{k}={v}" for k, v in cv["chosen"].items() if k != "family" and v is not None) + "]"
    text += f" CV F1 {cv['f1Mean']:.4f} ± {cv['f1Std']:.4f}, tried {len(cv['tried'])}"
print(text)
EOF
)
}

declare -A ROW
printf '%-14s %6s %6s | %-8s %-8s | %-8s %-8s %-8s | %-7s | %-13s %-20s\n' set rows pos% before after lr xgb \
    xgb_grid "Δ best" "churnd s b/a" "python s lr/xgb/grid" >"$RUNS_DIR/table.txt"
for set in "${SETS[@]}"; do
    IFS=$'\t' read -r _ source rows rate _ _ < <(grep -P "^$set\t" "$DATA_DIR/sets.tsv")
    note "$set: $source, $rows rows, positive rate $rate"
    churnd_run "$set" before
    before_f1=$R_F1 before_s=$R_SECONDS
    churnd_run "$set" after
    after_f1=$R_F1 after_s=$R_SECONDS after_summary=$R_SUMMARY
    if [[ -n "${BASELINES:-}" && -s "$BASELINES/$set-python.json" ]]; then
        note "$set: python baselines from $BASELINES"
        cp "$BASELINES/$set-python.json" "$RUNS_DIR/$set-python.json"
    else
        note "$set: python baselines"
        "$PY" "$BENCH_DIR/quality_baselines.py" "$DATA_DIR/$set" >"$RUNS_DIR/$set-python.json"
    fi
    read -r lr xgb grid lr_s xgb_s grid_s best < <("$PY" - "$RUNS_DIR/$set-python.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(*(f"{r[k]['f1']:.4f}" for k in ("lr", "xgb", "xgb_grid")),
      *(f"{r[k]['seconds']:.1f}" for k in ("lr", "xgb", "xgb_grid")),
      f"{max(r[k]['f1'] for k in ('lr', 'xgb', 'xgb_grid')):.4f}")
EOF
)
    delta=$(calc "$after_f1 - $best")
    printf '%-14s %6s %6.1f | %-8s %-8s | %-8s %-8s %-8s | %+.4f | %-13s %-20s\n' "$set" "$rows" \
        "$(calc "$rate * 100")" "$before_f1" "$after_f1" "$lr" "$xgb" "$grid" "$delta" "$before_s/$after_s" \
        "$lr_s/$xgb_s/$grid_s" >>"$RUNS_DIR/table.txt"
    ROW[$set]="$delta"
    echo "$set: $source; churnd after: $after_summary" >>"$RUNS_DIR/notes.txt"
done

echo "Held-out F1 on the 20 % test rows (80/20 stratified split, seed 20260101); before = cv_max_rows = 0"
echo "(single validation split, configured settings), after = defaults (cross-validation, search, refit)."
echo
cat "$RUNS_DIR/table.txt"
echo
cat "$RUNS_DIR/notes.txt"
echo
load_after
echo
at_least=0
for set in "${SETS[@]}"; do
    check "$set: churnd F1 ≥ best Python − 0.005" "${ROW[$set]} >= -0.005" "Δ $(fmt '%+.4f' "${ROW[$set]}")"
    [[ "$(calc "(${ROW[$set]} >= 0) ? 1 : 0")" == 1 ]] && at_least=$((at_least + 1))
done
check "churnd F1 ≥ best Python on most sets" "$at_least * 2 > ${#SETS[@]}" "$at_least of ${#SETS[@]}"
finish
