# Shared helpers for bench/score.sh and bench/train.sh (source it, don't run it).
# shellcheck shell=bash

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
OUT_DIR="$BENCH_DIR/out"
PY="$BENCH_DIR/.venv/bin/python"
RUNS="${RUNS:-3}"

die() { echo "error: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

# GNU time is what reports peak RSS ("Maximum resident set size").
require_gnu_time() {
    if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -v true >/dev/null 2>&1; then
        die "GNU time with -v is required at /usr/bin/time (Debian: apt-get install -y time)"
    fi
}

setup_venv() {
    "$BENCH_DIR/setup-venv.sh" >&2
}

# Sets CHURND to the binary: $CHURND if given, else a fresh release build.
build_churnd() {
    if [[ -n "${CHURND:-}" ]]; then
        [[ -x "$CHURND" ]] || die "CHURND=$CHURND is not an executable"
        note "using CHURND=$CHURND"
    else
        command -v swift >/dev/null 2>&1 || die "swift not found (or set CHURND=/path/to/churnd)"
        note "building churnd (swift build -c release --product churnd)"
        (cd "$REPO_DIR" && swift build -c release --product churnd) >&2
        CHURND="$REPO_DIR/.build/release/churnd"
        [[ -x "$CHURND" ]] || die "build finished but $CHURND is missing"
    fi
    export CHURND
}

# gen_data FILE ROWS SEED [--unlabeled]: churnd gen-data, reused if FILE exists
# (FRESH=1 regenerates). Writes to a temporary name first so an interrupted
# run never leaves a truncated file behind to be reused.
gen_data() {
    local file="$1" rows="$2" seed="$3"
    shift 3
    if [[ -s "$file" && "${FRESH:-0}" != 1 ]]; then
        note "reusing $(basename "$file")"
        return
    fi
    note "generating $(basename "$file") ($rows rows, seed $seed${1:+, $1})"
    local tmp="${file%.csv}.partial.csv"
    rm -f "$tmp"
    "$CHURND" gen-data --rows "$rows" --seed "$seed" "$@" -o "$tmp" >&2
    [[ -s "$tmp" ]] || die "churnd gen-data did not write $tmp"
    mv "$tmp" "$file"
}

# lr_config: writes $OUT_DIR/logistic.toml and sets LR_TOML to it. churnd trains
# every family in [training] families by default (logistic regression and
# xgboost); the logistic-regression benchmarks compare one family with one.
lr_config() {
    LR_TOML="$OUT_DIR/logistic.toml"
    printf '[training]\nfamilies = ["logistic_regression"]\n' >"$LR_TOML"
}

# Median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- unique outputs, checked ---------------------------------------------------
# Every timed run writes into its own new directory under $RUNS_DIR (run id =
# UTC time + pid, then a counter), so no run can find an earlier run's output
# and report it as its own. Before a run its expected output must not exist;
# after it, the output must be there with the expected number of data rows.
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$$"
RUNS_DIR="$OUT_DIR/runs/$RUN_ID"
RUN_SEQ=0

# timed_run LABEL CMDFN OUTNAME ROWS
#   CMDFN DIR sets the array CMD to the command to time, writing DIR/OUTNAME
#   (OUTNAME "-": the command writes no checked file). Runs CMD once under
#   /usr/bin/time -v in a new directory DIR; stdout goes to DIR/stdout.
#   Dies if DIR/OUTNAME exists before the run, if CMD fails, or if afterwards
#   DIR/OUTNAME does not hold exactly ROWS data lines (plus a header; ROWS "-":
#   only that it is there and not empty).
#   Sets T_DIR, T_OUT, T_WALL (s; shell nanosecond clock: time -v's elapsed
#   field has only 10 ms resolution) and T_RSS_KB ("Maximum resident set size").
timed_run() {
    local label="$1" fn="$2" outname="$3" rows="$4"
    RUN_SEQ=$((RUN_SEQ + 1))
    T_DIR="$RUNS_DIR/$(printf '%03d' "$RUN_SEQ")-${label//[^A-Za-z0-9_.+-]/_}"
    [[ ! -e "$T_DIR" ]] || die "$T_DIR exists before its run (run id reused?)"
    mkdir -p "$T_DIR"
    T_OUT="-"
    [[ "$outname" != "-" ]] && T_OUT="$T_DIR/$outname"
    CMD=()
    "$fn" "$T_DIR"
    ((${#CMD[@]} > 0)) || die "$fn set no CMD"
    [[ "$T_OUT" == "-" || ! -e "$T_OUT" ]] || die "$label: output $T_OUT exists before the run"
    local t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -v -o "$T_DIR/time-v.txt" "${CMD[@]}" >"$T_DIR/stdout" 2>"$T_DIR/stderr"; then
        cat "$T_DIR/stderr" >&2
        die "$label failed: ${CMD[*]}"
    fi
    t1=$(date +%s%N)
    T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    T_RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T_DIR/time-v.txt")
    [[ -n "$T_RSS_KB" ]] || die "no 'Maximum resident set size' in /usr/bin/time -v output"
    if [[ "$T_OUT" != "-" ]]; then
        [[ -s "$T_OUT" ]] || die "$label: the run succeeded but wrote no $T_OUT (or an empty one)"
        if [[ "$rows" != "-" ]]; then
            local got
            got=$(($(wc -l <"$T_OUT") - 1))
            ((got == rows)) || die "$label: $T_OUT has $got data rows, expected $rows"
        fi
    fi
}

# compare_runs ROWS LABEL:CMDFN:OUTNAME...
#   $RUNS rounds; every round runs each tool once (see timed_run), the order
#   rotating and reversing from round to round (A B C, C B A, B C A, …) so
#   that no tool always runs first or right after the same neighbour. Ratios
#   are taken within a round: tool's wall / the first tool's wall, i.e. how
#   many times faster the first tool was in that round. Outputs of older
#   rounds are deleted once checked; the last round's are kept.
#   Sets, per label: C_WALL[label] (median s), C_RSS[label] (median KiB),
#   C_RATIO[label], C_RATIO_MIN[label], C_RATIO_MAX[label] (vs the first
#   tool), C_OUT[label] and C_DIR[label] (last run's output file and dir).
declare -A C_WALL C_RSS C_RATIO C_RATIO_MIN C_RATIO_MAX C_OUT C_DIR
compare_runs() {
    local rows="$1"
    shift
    local specs=("$@") n=$#
    local -A walls rsss ratios
    local r k idx spec label fn outname first_wall
    for ((r = 0; r < RUNS; r++)); do
        local order=() wall_this=()
        for ((k = 0; k < n; k++)); do order+=($(((k + r / 2) % n))); done
        if ((r % 2 == 1)); then # reverse on odd rounds
            local rev=()
            for ((k = n - 1; k >= 0; k--)); do rev+=("${order[k]}"); done
            order=("${rev[@]}")
        fi
        for idx in "${order[@]}"; do
            spec="${specs[idx]}"
            IFS=: read -r label fn outname <<<"$spec"
            local previous="${C_DIR[$label]:-}"
            timed_run "$label" "$fn" "$outname" "$rows"
            [[ -n "$previous" && "$r" -gt 0 ]] && rm -rf "$previous"
            C_DIR[$label]=$T_DIR
            C_OUT[$label]=$T_OUT
            walls[$label]+="$T_WALL "
            rsss[$label]+="$T_RSS_KB "
            wall_this[idx]=$T_WALL
            printf '   round %d/%d  %-24s %7.3f s  %8.1f MiB\n' "$((r + 1))" "$RUNS" "$label" "$T_WALL" \
                "$(awk -v k="$T_RSS_KB" 'BEGIN { print k / 1024 }')" >&2
        done
        first_wall="${wall_this[0]}"
        for ((k = 0; k < n; k++)); do
            IFS=: read -r label fn outname <<<"${specs[k]}"
            ratios[$label]+="$(calc "${wall_this[k]} / $first_wall") "
        done
    done
    for spec in "${specs[@]}"; do
        IFS=: read -r label fn outname <<<"$spec"
        # shellcheck disable=SC2086  # word splitting of the space-separated lists is intended
        C_WALL[$label]=$(median ${walls[$label]})
        # shellcheck disable=SC2086
        C_RSS[$label]=$(median ${rsss[$label]})
        # shellcheck disable=SC2086
        C_RATIO[$label]=$(median ${ratios[$label]})
        # shellcheck disable=SC2086
        C_RATIO_MIN[$label]=$(printf '%s\n' ${ratios[$label]} | sort -g | head -1)
        # shellcheck disable=SC2086
        C_RATIO_MAX[$label]=$(printf '%s\n' ${ratios[$label]} | sort -g | tail -1)
    done
}

# --- the machine's state, printed beside the figures ----------------------------
# machine_state DIR: cores, kernel, load average now, and the fsync latency of
# DIR's disk (write + fsync of a 40 KB file, FSYNC_SAMPLES times: p50/p99).
machine_state() {
    echo "machine: $(nproc) cores, $(uname -sr)"
    echo "load average before: $(cut -d' ' -f1-4 /proc/loadavg)"
    echo "disk: $(python3 "$BENCH_DIR/measure.py" fsync "$1" "${FSYNC_SAMPLES:-200}")"
}
load_after() { echo "load average after:  $(cut -d' ' -f1-4 /proc/loadavg)"; }

# json_get FILE PATH[|PATH...]: print one value from a JSON document on stdout.
# PATH is dot-separated (metrics.f1); alternatives separated by "|" are tried
# in order (metrics.roc_auc|metrics.rocAUC). null prints as "nan". Tolerates
# log lines before/after the JSON object.
json_get() {
    "$PY" - "$1" "$2" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text[text.index("{"): text.rindex("}") + 1])
for path in sys.argv[2].split("|"):
    value = doc
    try:
        for key in path.split("."):
            value = value[key]
    except (KeyError, TypeError):
        continue
    print("nan" if value is None else value)
    break
else:
    sys.exit(f"json_get: none of {sys.argv[2]} in {sys.argv[1]}")
EOF
}

# Arithmetic helpers (awk, so floats work).
calc() { awk "BEGIN { printf \"%s\", $1 }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }

# check LABEL OK_EXPR DETAIL: print a target line; counts misses in MISSES.
MISSES=0
check() {
    local label="$1" ok="$2" detail="$3"
    if [[ "$(calc "($ok) ? 1 : 0")" == 1 ]]; then
        printf '  [ok]   %-52s %s\n' "$label" "$detail"
    else
        printf '  [MISS] %-52s %s\n' "$label" "$detail"
        MISSES=$((MISSES + 1))
    fi
}

finish() {
    if ((MISSES > 0)); then
        echo "$MISSES target(s) missed."
        [[ "${STRICT:-0}" == 1 ]] && exit 1
    else
        echo "all targets met."
    fi
    return 0
}
