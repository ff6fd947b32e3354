#!/usr/bin/env bash
# Instructions per scored row, counted by valgrind's callgrind tool: a count of
# executed instructions, repeatable on a busy machine where wall times are not.
#
#   bench/callgrind.sh                  logistic regression
#   FAMILY=xgboost bench/callgrind.sh   a TREES-tree XGBoost model (default 200)
#
# churnd score runs under callgrind on a fixed file of ROWS rows and on one of
# SMALL_ROWS rows (same generator seed); instructions per row is the
# difference of the two totals divided by the difference of the row counts,
# so start-up, model loading and the output's fsync cancel out. Both files are
# below the parallel path's size (8 MiB), so this counts one thread's work per
# row. Every thread's instructions are counted.
#
# Environment overrides:
#   CHURND=/path   binary to count (default: a fresh release build)
#   BEFORE=/path   also count this binary (e.g. a build of main) and print the ratio
#   ROWS           rows of the large file (default 100000)
#   SMALL_ROWS     rows of the small file (default 1000)
#   FAMILY         logistic_regression (default) or xgboost
#   TREES          trees of the xgboost model (default 200; every round kept, depth 6)
#   TARGET_RATIO   with BEFORE: the target BEFORE/CHURND ratio (default 2: halve it)
#   FRESH=1        regenerate the data files in bench/out/
#   STRICT=1       exit 1 if a target is missed
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS="${ROWS:-100000}"
SMALL_ROWS="${SMALL_ROWS:-1000}"
TRAIN_ROWS="${TRAIN_ROWS:-20000}"
TARGET_RATIO="${TARGET_RATIO:-2}"
FAMILY="${FAMILY:-logistic_regression}"
TREES="${TREES:-200}"

command -v valgrind >/dev/null 2>&1 || die "valgrind is required (Debian: apt-get install -y valgrind)"
mkdir -p "$OUT_DIR"
build_churnd
case "$FAMILY" in
logistic_regression)
    lr_config
    MODEL_TOML="$LR_TOML"
    MODEL_DIR="$OUT_DIR/callgrind-model"
    SCORE_CONFIG=()  # scored with the default configuration, as before this script counted trees
    ;;
xgboost)
    # One scoring thread (the count does not depend on it, but one thread is what is counted per row), every
    # round kept: a model of exactly $TREES trees.
    MODEL_TOML="$OUT_DIR/callgrind-xgboost-$TREES.toml"
    printf '[training]\nfamilies = ["xgboost"]\n[xgboost]\nnthread = 1\nrounds = %s\nearly_stopping_rounds = 0\n' \
        "$TREES" >"$MODEL_TOML"
    MODEL_DIR="$OUT_DIR/callgrind-model-xgboost-$TREES"
    SCORE_CONFIG=(--config "$MODEL_TOML")
    ;;
*) die "FAMILY must be logistic_regression or xgboost, not $FAMILY" ;;
esac

TRAIN_CSV="$OUT_DIR/labeled-$TRAIN_ROWS-s1.csv"
BIG_CSV="$OUT_DIR/unlabeled-$ROWS-s5.csv"
SMALL_CSV="$OUT_DIR/unlabeled-$SMALL_ROWS-s5.csv"
gen_data "$TRAIN_CSV" "$TRAIN_ROWS" 1
gen_data "$BIG_CSV" "$ROWS" 5 --unlabeled
gen_data "$SMALL_CSV" "$SMALL_ROWS" 5 --unlabeled

if [[ ! -s "$MODEL_DIR/model.json" || "${FRESH:-0}" == 1 ]]; then
    note "training the $FAMILY model on $(basename "$TRAIN_CSV")"
    rm -rf "$MODEL_DIR"
    mkdir -p "$MODEL_DIR"
    "$CHURND" train --force --root "$OUT_DIR/root" --config "$MODEL_TOML" --data "$TRAIN_CSV" --out "$MODEL_DIR" \
        >/dev/null
fi
[[ -s "$MODEL_DIR/model.json" ]] || die "churnd train did not write $MODEL_DIR/model.json"

# Valgrind cannot read the DWARF of Swift release builds ("possibly corrupted debuginfo"): it runs a copy
# without debug sections (symbols kept, code unchanged).
nodebug() {
    local copy
    copy="$OUT_DIR/callgrind-bin/$(echo "$1" | tr '/' '_')"
    mkdir -p "$OUT_DIR/callgrind-bin"
    strip --strip-debug -o "$copy" "$1"
    echo "$copy"
}

# instructions BINARY CSV: total instructions of one `churnd score` run (all threads).
instructions() {
    local bin="$1" csv="$2" dir
    # Called in a subshell (RUN_SEQ would not advance): the nanosecond clock makes the directory unique.
    dir="$RUNS_DIR/callgrind-$(basename "$csv" .csv)-$(date +%s%N)"
    [[ ! -e "$dir" ]] || die "$dir exists before its run"
    mkdir -p "$dir"
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
        "$bin" score --no-log --root "$OUT_DIR/root" ${SCORE_CONFIG[@]+"${SCORE_CONFIG[@]}"} "$csv" \
        --model "$MODEL_DIR/model.json" -o "$dir" \
        >"$dir/stdout" 2>"$dir/stderr" || { cat "$dir/stderr" >&2; die "$bin score failed under callgrind"; }
    local scored
    scored="$dir/$(basename "${csv%.csv}").scored.csv"
    [[ -s "$scored" ]] || die "no $scored after the run"
    awk '/^summary:/ { print $2 }' "$dir/callgrind.out"
}

# per_row BINARY: sets PER_ROW (instructions per row) and TOTAL_BIG.
per_row() {
    local small
    TOTAL_BIG=$(instructions "$1" "$BIG_CSV")
    small=$(instructions "$1" "$SMALL_CSV")
    [[ -n "$TOTAL_BIG" && -n "$small" ]] || die "no instruction count in callgrind's output"
    PER_ROW=$(calc "($TOTAL_BIG - $small) / ($ROWS - $SMALL_ROWS)")
}

if [[ "$FAMILY" == xgboost ]]; then
    echo "Instructions per scored row (callgrind), xgboost, $TREES trees, $ROWS vs $SMALL_ROWS rows"
else
    echo "Instructions per scored row (callgrind), logistic regression, $ROWS vs $SMALL_ROWS rows"
fi
echo "machine: $(nproc) cores, $(uname -sr); load average: $(cut -d' ' -f1-4 /proc/loadavg) (instruction counts do not depend on it)"
per_row "$(nodebug "$CHURND")"
AFTER=$PER_ROW
printf '  %-8s %10.0f instructions/row   (%s instructions for %s rows)   %s\n' churnd "$AFTER" "$TOTAL_BIG" "$ROWS" "$CHURND"
if [[ -n "${BEFORE:-}" ]]; then
    [[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
    per_row "$(nodebug "$BEFORE")"
    PRIOR=$PER_ROW
    printf '  %-8s %10.0f instructions/row   (%s instructions for %s rows)   %s\n' before "$PRIOR" "$TOTAL_BIG" "$ROWS" "$BEFORE"
    RATIO=$(calc "$PRIOR / $AFTER")
    echo
    echo "targets:"
    check "instructions per row >= ${TARGET_RATIO}x fewer than before" "$RATIO >= $TARGET_RATIO" "$(fmt '%.2f' "$RATIO")x fewer"
    finish
fi
