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

# Median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure NAME CLEAN_PATH CMD...
#   Runs CMD $RUNS times under /usr/bin/time -v. Before each run CLEAN_PATH
#   (an output file or directory; "-" for none) is removed. Wall time is taken
#   with the shell's nanosecond clock around the run (time -v's own elapsed
#   field has only 10 ms resolution); peak RSS is time -v's "Maximum resident
#   set size". Sets M_WALL (median seconds) and M_RSS_KB (median KiB).
#   CMD's stdout of the last run goes to $MEASURE_STDOUT (default /dev/null);
#   its stderr is shown only if it fails.
measure() {
    local name="$1" clean="$2"
    shift 2
    local tv="$OUT_DIR/.time-v.txt" err="$OUT_DIR/.stderr.txt"
    local walls=() rsss=() i t0 t1 wall rss
    for ((i = 1; i <= RUNS; i++)); do
        [[ "$clean" != "-" ]] && rm -rf "$clean"
        t0=$(date +%s%N)
        if ! /usr/bin/time -v -o "$tv" "$@" >"${MEASURE_STDOUT:-/dev/null}" 2>"$err"; then
            cat "$err" >&2
            die "$name failed: $*"
        fi
        t1=$(date +%s%N)
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
        [[ -n "$rss" ]] || die "no 'Maximum resident set size' in /usr/bin/time -v output"
        walls+=("$wall")
        rsss+=("$rss")
        printf '   %-22s run %d/%d: %7.3f s  %8.1f MiB\n' "$name" "$i" "$RUNS" "$wall" \
            "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" >&2
    done
    # shellcheck disable=SC2034  # results are read by the calling script
    M_WALL=$(median "${walls[@]}")
    # shellcheck disable=SC2034
    M_RSS_KB=$(median "${rsss[@]}")
}

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
        printf '  [ok]   %-48s %s\n' "$label" "$detail"
    else
        printf '  [MISS] %-48s %s\n' "$label" "$detail"
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
