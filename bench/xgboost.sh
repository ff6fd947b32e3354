#!/usr/bin/env bash
# XGBoost benchmarks: churnd's xgboost family against Python xgboost with the same parameters.
#   1. training on ROWS labeled rows (same split, nthread=NTHREAD): churnd train vs baseline_train_xgboost.py
#   2. scoring SCORE_ROWS rows with a TREES-tree model: churnd score vs polars + xgboost (same booster)
# Whole processes in paired rounds (order alternating; ratios from the same round), every run writing a new,
# checked output; median of RUNS rounds; peak RSS from /usr/bin/time -v; load and fsync latency printed.
# See bench/README-xgboost.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

ROWS="${ROWS:-1000000}"
SCORE_ROWS="${SCORE_ROWS:-1000000}"
MODEL_ROWS="${MODEL_ROWS:-200000}"
TREES="${TREES:-200}"
NTHREAD="${NTHREAD:-2}"

require_gnu_time
setup_venv
build_churnd
mkdir -p "$OUT_DIR"
W="$OUT_DIR/xgboost"
mkdir -p "$W"

# ---------------------------------------------------------------------------------------------- training
DATA="$OUT_DIR/labeled-$ROWS-s11.csv"
gen_data "$DATA" "$ROWS" 11
cat >"$W/train.toml" <<TOML
[training]
families = ["xgboost"]
[xgboost]
nthread = $NTHREAD
TOML
note "writing the split once (untimed) so both tools train on the same rows"
"$CHURND" train --force --root "$W" --config "$W/train.toml" --data "$DATA" \
    --out "$W/split-model" --write-split "$W/split.csv" >/dev/null

MACHINE=$(machine_state "$OUT_DIR")
note "training xgboost on $ROWS rows, nthread=$NTHREAD: $RUNS rounds (order alternating)"
cmd_churnd_train() {
    CMD=("$CHURND" train --force --root "$W" --config "$W/train.toml" --data "$DATA" --out "$1/model" --json)
}
cmd_python_train() {
    CMD=("$PY" "$BENCH_DIR/baseline_train_xgboost.py" "$DATA" --split "$W/split.csv" --nthread "$NTHREAD")
}
compare_runs - "churnd-train:cmd_churnd_train:model/model.json" "python-train:cmd_python_train:-"
CT_WALL=${C_WALL[churnd-train]} CT_RSS=${C_RSS[churnd-train]}
PT_WALL=${C_WALL[python-train]} PT_RSS=${C_RSS[python-train]}
cp "${C_DIR[churnd-train]}/stdout" "$W/churnd-train.json"
cp "${C_DIR[python-train]}/stdout" "$W/python-train.json"
cp "${C_DIR[churnd-train]}/model/model.json" "$W/churnd-train-model.json"
C_F1=$(json_get "$W/churnd-train.json" metrics.f1)
P_F1=$(json_get "$W/python-train.json" metrics.f1)
C_ROUNDS=$("$PY" -c "import json;print(json.load(open('$W/churnd-train-model.json'))['xgboost']['bestIteration'])")
P_ROUNDS=$(json_get "$W/python-train.json" best_iteration)

# ----------------------------------------------------------------------------------------------- scoring
MODEL_DATA="$OUT_DIR/labeled-$MODEL_ROWS-s11.csv"
SCORE_DATA="$OUT_DIR/unlabeled-$SCORE_ROWS-s12.csv"
gen_data "$MODEL_DATA" "$MODEL_ROWS" 11
gen_data "$SCORE_DATA" "$SCORE_ROWS" 12 --unlabeled
cat >"$W/score.toml" <<TOML
[training]
families = ["xgboost"]
[xgboost]
nthread = $NTHREAD
rounds = $TREES
early_stopping_rounds = 0   # keep every round: a model of exactly $TREES trees
TOML
if [[ ! -s "$W/score-model/model.json" || "${FRESH:-0}" == 1 ]]; then
    note "training the $TREES-tree scoring model on $MODEL_ROWS rows"
    "$CHURND" train --force --root "$W" --config "$W/score.toml" --data "$MODEL_DATA" --out "$W/score-model" >/dev/null
fi
KEPT=$("$PY" -c "import json;print(json.load(open('$W/score-model/model.json'))['xgboost']['bestIteration'] + 1)")
[[ "$KEPT" == "$TREES" ]] || die "scoring model has $KEPT rounds, expected $TREES"

note "scoring $SCORE_ROWS rows with $TREES trees: $RUNS rounds (order alternating)"
STEM=$(basename "$SCORE_DATA" .csv)
cmd_churnd_score() {
    CMD=("$CHURND" score "$SCORE_DATA" --root "$W" --config "$W/score.toml" --model "$W/score-model/model.json" -o "$1")
}
cmd_polars_score() {
    CMD=("$PY" "$BENCH_DIR/baseline_score_xgboost_polars.py" "$W/score-model/model.json" "$SCORE_DATA"
        "$1/$STEM.scored.csv" --nthread "$NTHREAD")
}
compare_runs "$SCORE_ROWS" "churnd-score:cmd_churnd_score:$STEM.scored.csv" \
    "polars-xgboost:cmd_polars_score:$STEM.scored.csv"
CS_WALL=${C_WALL[churnd-score]} CS_RSS=${C_RSS[churnd-score]}
PS_WALL=${C_WALL[polars-xgboost]} PS_RSS=${C_RSS[polars-xgboost]}
AGREE=$("$PY" - "${C_OUT[churnd-score]}" "${C_OUT[polars-xgboost]}" <<'PY'
import sys, polars as pl
a = pl.read_csv(sys.argv[1], schema_overrides={"customer_id": pl.Utf8})
b = pl.read_csv(sys.argv[2], schema_overrides={"customer_id": pl.Utf8})
assert a.height == b.height and (a["customer_id"] == b["customer_id"]).all()
d = (a["churn_probability"] - b["churn_probability"]).abs().max()
same = (a["churn_prediction"] == b["churn_prediction"]).mean()
print(f"{a.height} {d:.2e} {same:.6f}")
PY
)
read -r AGREE_ROWS MAX_DP SAME_PRED <<<"$AGREE"

# ------------------------------------------------------------------------------------------------ report
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
rps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
echo
echo "XGBoost: churnd vs Python xgboost $("$PY" -c 'import xgboost; print(xgboost.__version__)') (churnd links the system's libxgboost), nthread=$NTHREAD"
echo "$MACHINE"
load_after
echo "median of $RUNS rounds (each runs both tools, order alternating); run outputs: $RUNS_DIR"
printf '%-34s %10s %12s %12s\n' "run" "wall s" "rows/s" "peak MiB"
printf '%-34s %10.3f %12s %12s\n' "churnd train ($ROWS rows)" "$CT_WALL" "$(rps "$ROWS" "$CT_WALL")" "$(mib "$CT_RSS")"
printf '%-34s %10.3f %12s %12s\n' "python xgboost train ($ROWS rows)" "$PT_WALL" "$(rps "$ROWS" "$PT_WALL")" "$(mib "$PT_RSS")"
printf '%-34s %10.3f %12s %12s\n' "churnd score ($TREES trees)" "$CS_WALL" "$(rps "$SCORE_ROWS" "$CS_WALL")" "$(mib "$CS_RSS")"
printf '%-34s %10.3f %12s %12s\n' "polars + xgboost score" "$PS_WALL" "$(rps "$SCORE_ROWS" "$PS_WALL")" "$(mib "$PS_RSS")"
echo
echo "training:  test F1 churnd $(fmt %.4f "$C_F1") (best iteration $C_ROUNDS) · python $(fmt %.4f "$P_F1") (best iteration $P_ROUNDS)"
echo "scoring:   max |Δp| churnd vs polars+xgboost over $AGREE_ROWS rows: $MAX_DP · same prediction on $SAME_PRED of rows"
T_RATIO=$(calc "1 / ${C_RATIO[python-train]}")
M_RATIO=$(calc "$CT_RSS / $PT_RSS")
S_RATIO=${C_RATIO[polars-xgboost]}
echo
check "train time churnd/python <= 0.8" "$T_RATIO <= 0.8" "$(fmt %.3f "$T_RATIO")"
check "train peak RSS churnd/python <= 0.5" "$M_RATIO <= 0.5" "$(fmt %.3f "$M_RATIO")"
check "score speed churnd vs polars+xgboost >= 8x" "$S_RATIO >= 8" \
    "$(fmt %.2f "$S_RATIO")x (rounds $(fmt %.2f "${C_RATIO_MIN[polars-xgboost]}")-$(fmt %.2f "${C_RATIO_MAX[polars-xgboost]}")x)"
check "score agreement max |dp| <= 1e-6 (+ rounding)" "$MAX_DP <= 1.5e-6" "$MAX_DP"
finish
