#!/usr/bin/env bash
# Scoring benchmark: churnd score vs pandas+sklearn vs polars, whole process, in
# paired rounds (ratios from the same round); every run writes a new, checked
# output (bench/lib.sh: timed_run); load average and fsync latency printed.
#
#   bench/score.sh
#
# Environment overrides:
#   CHURND=/path   use this binary instead of `swift build -c release --product churnd`
#   ROWS           rows to score in the head-to-head      (default 1000000)
#   BIG_ROWS       rows for churnd's memory-scaling run   (default 5000000)
#   TRAIN_ROWS     labeled rows the models are trained on (default 200000)
#   RUNS           rounds; each runs every tool once, order rotating (default 3)
#   COMPARE_ROWS   rows checked for churnd/pandas agreement (default 10000)
#   BEFORE=/path   also time this churnd binary (e.g. a build of an older commit) in the same rounds
#   ONE_THREAD=1   also time churnd with [xgboost] nthread = 1 (one file on one core) in the same rounds
#   FRESH=1        regenerate the data files in bench/out/ instead of reusing them
#   STRICT=1       exit 1 if a target is missed
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS="${ROWS:-1000000}"
BIG_ROWS="${BIG_ROWS:-5000000}"
TRAIN_ROWS="${TRAIN_ROWS:-200000}"
COMPARE_ROWS="${COMPARE_ROWS:-10000}"

require_gnu_time
mkdir -p "$OUT_DIR"
setup_venv
build_churnd
lr_config

# --- data -------------------------------------------------------------------
TRAIN_CSV="$OUT_DIR/labeled-$TRAIN_ROWS-s1.csv"
SCORE_CSV="$OUT_DIR/unlabeled-$ROWS-s2.csv"
BIG_CSV="$OUT_DIR/unlabeled-$BIG_ROWS-s3.csv"
gen_data "$TRAIN_CSV" "$TRAIN_ROWS" 1
gen_data "$SCORE_CSV" "$ROWS" 2 --unlabeled
gen_data "$BIG_CSV" "$BIG_ROWS" 3 --unlabeled

# --- models: both trained on the same file and the same split --------------
MODEL_DIR="$OUT_DIR/score-model-churnd"
SPLIT_CSV="$OUT_DIR/score-split-$TRAIN_ROWS.csv"
SK_MODEL="$OUT_DIR/score-model-sklearn.pkl"
note "training churnd model on $(basename "$TRAIN_CSV")"
rm -rf "$MODEL_DIR"
mkdir -p "$MODEL_DIR"
"$CHURND" train --force --root "$OUT_DIR/root" --config "$LR_TOML" --data "$TRAIN_CSV" --out "$MODEL_DIR" --write-split "$SPLIT_CSV" --json \
    >"$OUT_DIR/score-train-churnd.json"
[[ -s "$MODEL_DIR/model.json" ]] || die "churnd train did not write $MODEL_DIR/model.json"
note "training sklearn pipeline on the same split"
# A tight lbfgs tolerance: sklearn's default (1e-4) stops before the optimum
# (one-hot weights off by ~0.03), which would blur the agreement check below.
"$PY" "$BENCH_DIR/baseline_train_sklearn.py" "$TRAIN_CSV" --split "$SPLIT_CSV" --tol 1e-8 \
    --model-out "$SK_MODEL" >"$OUT_DIR/score-train-sklearn.json"
# One-time export of the pipeline's parameters for the polars scorer, so its
# timed runs do not pay for importing sklearn (see baseline_score_polars.py).
"$PY" "$BENCH_DIR/baseline_score_polars.py" --export "$SK_MODEL"

# --- timed runs: paired rounds, unique checked outputs ----------------------
MACHINE=$(machine_state "$OUT_DIR")
stem() { local b; b="$(basename "$1")"; echo "${b%.csv}"; }
OUTNAME="$(stem "$SCORE_CSV").scored.csv"
BIG_OUTNAME="$(stem "$BIG_CSV").scored.csv"
cmd_churnd() { CMD=("$CHURND" score --root "$OUT_DIR/root" "$SCORE_CSV" --model "$MODEL_DIR/model.json" -o "$1"); }
cmd_churnd_big() { CMD=("$CHURND" score --root "$OUT_DIR/root" "$BIG_CSV" --model "$MODEL_DIR/model.json" -o "$1"); }
cmd_pandas() { CMD=("$PY" "$BENCH_DIR/baseline_score_pandas.py" "$SK_MODEL" "$SCORE_CSV" "$1/$OUTNAME"); }
cmd_polars() { CMD=("$PY" "$BENCH_DIR/baseline_score_polars.py" "$SK_MODEL" "$SCORE_CSV" "$1/$OUTNAME"); }

LR1_TOML="$OUT_DIR/logistic-1thread.toml"
printf '[training]\nfamilies = ["logistic_regression"]\n[xgboost]\nnthread = 1\n' >"$LR1_TOML"
cmd_one() { CMD=("$CHURND" score --root "$OUT_DIR/root" --config "$LR1_TOML" "$SCORE_CSV" --model "$MODEL_DIR/model.json" -o "$1"); }
cmd_one_big() { CMD=("$CHURND" score --root "$OUT_DIR/root" --config "$LR1_TOML" "$BIG_CSV" --model "$MODEL_DIR/model.json" -o "$1"); }
cmd_before() { CMD=("$BEFORE" score --root "$OUT_DIR/root" "$SCORE_CSV" --model "$MODEL_DIR/model.json" -o "$1"); }
cmd_before_big() { CMD=("$BEFORE" score --root "$OUT_DIR/root" "$BIG_CSV" --model "$MODEL_DIR/model.json" -o "$1"); }
EXTRA=() EXTRA_BIG=()
if [[ -n "${BEFORE:-}" ]]; then
    [[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
    EXTRA=("before:cmd_before:$OUTNAME")
    EXTRA_BIG=("before-big:cmd_before_big:$BIG_OUTNAME")
fi
if [[ -n "${ONE_THREAD:-}" ]]; then
    EXTRA+=("one-thread:cmd_one:$OUTNAME")
    EXTRA_BIG+=("one-thread-big:cmd_one_big:$BIG_OUTNAME")
fi

note "timing: $RUNS rounds of churnd, pandas+sklearn and polars on $ROWS rows (order rotating)"
compare_runs "$ROWS" "churnd:cmd_churnd:$OUTNAME" "pandas+sklearn:cmd_pandas:$OUTNAME" "polars:cmd_polars:$OUTNAME" \
    ${EXTRA[@]+"${EXTRA[@]}"}
note "timing: churnd on $BIG_ROWS rows ($RUNS runs)"
compare_runs "$BIG_ROWS" "churnd-big:cmd_churnd_big:$BIG_OUTNAME" ${EXTRA_BIG[@]+"${EXTRA_BIG[@]}"}
CH_WALL=${C_WALL[churnd]} CH_RSS=${C_RSS[churnd]}
PD_WALL=${C_WALL[pandas+sklearn]} PD_RSS=${C_RSS[pandas+sklearn]}
PL_WALL=${C_WALL[polars]} PL_RSS=${C_RSS[polars]}
CHB_WALL=${C_WALL[churnd-big]} CHB_RSS=${C_RSS[churnd-big]}

# --- agreement (every output's row count was checked after its run) ---------
AGREE=$("$PY" "$BENCH_DIR/compare_scores.py" "${C_OUT[churnd]}" "${C_OUT[pandas+sklearn]}" --rows "$COMPARE_ROWS")
AGREE_PL=$("$PY" "$BENCH_DIR/compare_scores.py" "${C_OUT[polars]}" "${C_OUT[pandas+sklearn]}" --rows "$COMPARE_ROWS")
AGREE_PL_CH=$("$PY" "$BENCH_DIR/compare_scores.py" "${C_OUT[polars]}" "${C_OUT[churnd]}" --rows "$ROWS")

# --- report -----------------------------------------------------------------
mib() { fmt '%.1f' "$(calc "$1 / 1024")"; }
row() { # tool rows wall rss_kb
    printf '%-16s %10s %9.3f %14s %10s\n' "$1" "$2" "$3" \
        "$(fmt '%.0f' "$(calc "$2 / $3")")" "$(mib "$4")"
}
ratio() { # label: median (min-max) of the per-round ratios label wall / churnd wall
    echo "$(fmt '%.2f' "${C_RATIO[$1]}")x (rounds $(fmt '%.2f' "${C_RATIO_MIN[$1]}")-$(fmt '%.2f' "${C_RATIO_MAX[$1]}")x)"
}
echo
echo "Scoring benchmark (whole process: start, read CSV, score, write CSV, exit)"
echo "$MACHINE"
load_after
echo "median of $RUNS rounds (each round runs every tool once, order rotating); models trained on $TRAIN_ROWS rows"
echo "run outputs: $RUNS_DIR"
echo
printf '%-16s %10s %9s %14s %10s\n' tool rows "wall s" "rows/s" "peak MiB"
printf '%-16s %10s %9s %14s %10s\n' ---- ---- ------ ------ --------
row churnd "$ROWS" "$CH_WALL" "$CH_RSS"
row pandas+sklearn "$ROWS" "$PD_WALL" "$PD_RSS"
row polars "$ROWS" "$PL_WALL" "$PL_RSS"
row churnd "$BIG_ROWS" "$CHB_WALL" "$CHB_RSS"
echo
VS_PD=${C_RATIO[pandas+sklearn]}
VS_PL=${C_RATIO[polars]}
RSS_GROWTH=$(calc "$CHB_RSS / $CH_RSS")
echo "speed ratio (baseline wall / churnd wall in the same round), $ROWS rows:"
echo "  churnd vs pandas+sklearn: $(ratio pandas+sklearn)   (peak RSS $(mib "$CH_RSS") vs $(mib "$PD_RSS") MiB)"
echo "  churnd vs polars:         $(ratio polars)   (peak RSS $(mib "$CH_RSS") vs $(mib "$PL_RSS") MiB)"
echo "churnd peak RSS $BIG_ROWS vs $ROWS rows: $(mib "$CHB_RSS") vs $(mib "$CH_RSS") MiB ($(fmt '%.2f' "$RSS_GROWTH")x)"
if [[ -n "${BEFORE:-}" ]]; then
    echo "  churnd vs before ($BEFORE): $(ratio before) on $ROWS rows, $(ratio before-big) on $BIG_ROWS rows"
    echo "  before: $(fmt '%.3f' "${C_WALL[before]}") s, peak RSS $(mib "${C_RSS[before]}") MiB ($ROWS rows); $(fmt '%.3f' "${C_WALL[before-big]}") s, $(mib "${C_RSS[before-big]}") MiB ($BIG_ROWS rows)"
fi
if [[ -n "${ONE_THREAD:-}" ]]; then
    echo "  churnd vs itself on one thread: $(ratio one-thread) on $ROWS rows, $(ratio one-thread-big) on $BIG_ROWS rows"
    echo "  one thread: $(fmt '%.3f' "${C_WALL[one-thread]}") s, peak RSS $(mib "${C_RSS[one-thread]}") MiB ($ROWS rows); $(fmt '%.3f' "${C_WALL[one-thread-big]}") s, $(mib "${C_RSS[one-thread-big]}") MiB ($BIG_ROWS rows)"
fi
echo
echo "agreement (models trained separately on the same split):"
echo "  churnd vs pandas+sklearn: $AGREE"
echo "  polars vs pandas+sklearn: $AGREE_PL"
echo "  polars vs churnd:         $AGREE_PL_CH"
echo
echo "targets:"
CH_RPS=$(calc "$ROWS / $CH_WALL")
check "churnd >= 3,000,000 rows/s ($ROWS rows)" "$CH_RPS >= 3000000" "$(fmt '%.0f' "$CH_RPS") rows/s"
check "churnd >= 15x pandas+sklearn" "$VS_PD >= 15" "$(fmt '%.1f' "$VS_PD")x"
check "churnd >= 8x polars" "$VS_PL >= 8" "$(fmt '%.1f' "$VS_PL")x"
check "churnd peak RSS <= 64 MiB ($BIG_ROWS rows)" "$CHB_RSS <= 64 * 1024" "$(mib "$CHB_RSS") MiB"
check "churnd peak RSS $BIG_ROWS same as $ROWS (<=1.10x)" "$RSS_GROWTH <= 1.10" "$(fmt '%.2f' "$RSS_GROWTH")x"
finish
