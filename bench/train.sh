#!/usr/bin/env bash
# Training benchmark: churnd train vs pandas+sklearn on the same file and split.
#
#   bench/train.sh
#
# Both tools are timed as whole processes (read CSV, preprocess, fit logistic
# regression, tune the threshold on validation, evaluate on test). churnd
# writes its train/validation/test split with --write-split and the sklearn
# baseline reuses exactly that split, so the test F1s are comparable.
#
# Environment overrides:
#   CHURND=/path   use this binary instead of `swift build -c release --product churnd`
#   ROWS           labeled rows (default 1000000)
#   RUNS           rounds; each runs both tools, order alternating (default 3)
#   SKLEARN_TOL    lbfgs tolerance for the baseline (default: sklearn's 1e-4)
#   FRESH=1        regenerate the data file in bench/out/ instead of reusing it
#   STRICT=1       exit 1 if a target is missed
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS="${ROWS:-1000000}"

require_gnu_time
mkdir -p "$OUT_DIR"
setup_venv
build_churnd
lr_config

DATA="$OUT_DIR/labeled-$ROWS-s11.csv"
SPLIT="$OUT_DIR/train-split-$ROWS.csv"
MODEL_DIR="$OUT_DIR/train-model-churnd"
gen_data "$DATA" "$ROWS" 11

# The split is written once, untimed; the timed churnd runs write theirs into
# their own run directory (same work as before), checked identical below.
note "writing the split once (untimed) so both tools train on the same rows"
rm -rf "$MODEL_DIR"
"$CHURND" train --force --root "$OUT_DIR/root" --config "$LR_TOML" --data "$DATA" --out "$MODEL_DIR" --write-split "$SPLIT" >/dev/null
[[ -s "$SPLIT" ]] || die "churnd train did not write the split file $SPLIT"

SK_ARGS=()
[[ -n "${SKLEARN_TOL:-}" ]] && SK_ARGS=(--tol "$SKLEARN_TOL")
cmd_churnd() {
    CMD=("$CHURND" train --force --root "$OUT_DIR/root" --config "$LR_TOML" --data "$DATA" --out "$1/model" --write-split "$1/split.csv" --json)
}
cmd_sklearn() { CMD=("$PY" "$BENCH_DIR/baseline_train_sklearn.py" "$DATA" --split "$SPLIT" "${SK_ARGS[@]}"); }
MACHINE=$(machine_state "$OUT_DIR")
note "timing: $RUNS rounds of churnd train and sklearn (order alternating)"
compare_runs - "churnd:cmd_churnd:model/model.json" "sklearn:cmd_sklearn:-"
cmp -s "$SPLIT" "${C_DIR[churnd]}/split.csv" || die "churnd's timed run wrote a different split than $SPLIT"
CH_JSON="${C_DIR[churnd]}/stdout" SK_JSON="${C_DIR[sklearn]}/stdout"
CH_WALL=${C_WALL[churnd]} CH_RSS=${C_RSS[churnd]}
SK_WALL=${C_WALL[sklearn]} SK_RSS=${C_RSS[sklearn]}

# --- report -----------------------------------------------------------------
metric() { json_get "$1" "$2"; }
mib() { fmt '%.1f' "$(calc "$1 / 1024")"; }
echo
echo "Training benchmark: L2 logistic regression (C=1), $ROWS labeled rows, same 60/20/20 split"
echo "$MACHINE"
load_after
echo "whole process, median of $RUNS rounds (each runs both tools, order alternating)"
echo
printf '%-10s %9s %10s %9s %10s %9s %9s %10s\n' tool "wall s" "peak MiB" "test F1" precision recall "ROC AUC" threshold
printf '%-10s %9s %10s %9s %10s %9s %9s %10s\n' ---- ------ -------- ------- --------- ------ ------- ---------
for t in churnd sklearn; do
    if [[ $t == churnd ]]; then j=$CH_JSON w=$CH_WALL r=$CH_RSS; else j=$SK_JSON w=$SK_WALL r=$SK_RSS; fi
    printf '%-10s %9.3f %10s %9.5f %10.5f %9.5f %9.5f %10.5f\n' "$t" "$w" "$(mib "$r")" \
        "$(metric "$j" metrics.f1)" "$(metric "$j" metrics.precision)" \
        "$(metric "$j" metrics.recall)" "$(metric "$j" "metrics.roc_auc|metrics.rocAUC")" "$(metric "$j" threshold)"
done
CH_F1=$(metric "$CH_JSON" metrics.f1)
SK_F1=$(metric "$SK_JSON" metrics.f1)
DF1=$(calc "$CH_F1 - $SK_F1")
ABS_DF1=$(calc "($DF1 < 0) ? -($DF1) : $DF1")
RATIO=${C_RATIO[sklearn]}
echo
echo "test F1: churnd $(fmt '%.5f' "$CH_F1"), sklearn $(fmt '%.5f' "$SK_F1"), difference $(fmt '%+.5f' "$DF1")"
echo "time ratio (sklearn wall / churnd wall in the same round): $(fmt '%.1f' "$RATIO")x" \
    "(rounds $(fmt '%.1f' "${C_RATIO_MIN[sklearn]}")-$(fmt '%.1f' "${C_RATIO_MAX[sklearn]}")x)"
echo "sklearn lbfgs: $(metric "$SK_JSON" n_iter) iterations, tol $(metric "$SK_JSON" tol)"
echo "sklearn in-process split (last run): read CSV $(metric "$SK_JSON" seconds.read) s," \
    "fit $(metric "$SK_JSON" seconds.fit) s, total $(metric "$SK_JSON" seconds.total_in_process) s"
echo
echo "targets:"
check "churnd trains $ROWS rows in <= 1.5 s" "$CH_WALL <= 1.5" "$(fmt '%.3f' "$CH_WALL") s"
check "test F1 within 0.002 of sklearn (same split)" "$ABS_DF1 <= 0.002" "|dF1| = $(fmt '%.5f' "$ABS_DF1")"
finish
