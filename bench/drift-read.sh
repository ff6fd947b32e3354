#!/usr/bin/env bash
# Reading prediction logs for drift: `churnd drift` over a log of LINES lines in churnd's own format (half
# inbox-file samples as `churnd score` logs them, half rewritten as served requests' lines), whole process,
# paired rounds. The daemon's drift monitor reads the lines of every drop and request through the same code.
#
#   CHURND=/path   binary to time (default: a fresh release build)
#   BEFORE=/path   also time this binary (e.g. a build of main) in the same rounds; ratio BEFORE / CHURND
#   LINES          lines in the log (default 500000)
#   RUNS           rounds (default 3)
# Every run writes its HTML report to a new path that must not exist before; both binaries must report the
# same line counts (read, used, skipped).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
LINES="${LINES:-500000}"
require_gnu_time
build_churnd
if [[ -n "${BEFORE:-}" ]]; then
    [[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
fi

WORK="$OUT_DIR/drift-read"
ROOT="$WORK/root"
rm -rf "$WORK"
mkdir -p "$WORK"
"$CHURND" init "$ROOT" >/dev/null
sed -i 's/^families = .*/families = ["logistic_regression"]/' "$ROOT/churnd.toml"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv" >/dev/null
"$CHURND" --root "$ROOT" train --data "$WORK/train.csv" >/dev/null
# The lines come from scoring generated customers (another seed of the training data's generator, so the
# check finds no drift and exits 0) with every row logged; every other line is then rewritten as a served
# request's line.
sed -i -e "s/^sample_rows_per_file = [0-9]*/sample_rows_per_file = $LINES/" \
    -e 's/^log_max_bytes = [0-9]*/log_max_bytes = 1099511627776/' "$ROOT/churnd.toml"
note "writing $LINES log lines"
"$CHURND" gen-data --rows "$LINES" --seed 2 --unlabeled -o "$WORK/customers.csv" >/dev/null
"$CHURND" --root "$ROOT" score "$WORK/customers.csv" -o "$WORK/scored" >/dev/null
log="$ROOT/watch/logs/churnd-predictions.jsonl"
[[ "$(wc -l <"$log")" -eq "$LINES" ]] || die "$log does not have $LINES lines"
python3 - "$log" <<'PY'
import json, random, sys, uuid
path = sys.argv[1]
rng = random.Random(7)
lines = open(path).read().splitlines()
with open(path, "w") as out:
    for k, text in enumerate(lines):
        if k % 2:
            line = json.loads(text)
            served = {"request_id": str(uuid.UUID(int=rng.getrandbits(128)))}
            served.update((key, value) for key, value in line.items() if key not in ("request_id", "file"))
            served["latency_ms"] = round(rng.uniform(0.005, 0.05), 3)
            text = json.dumps(served, separators=(",", ":"))
        out.write(text + "\n")
PY

machine_state "$WORK"
drift_new() { CMD=("$CHURND" drift --root "$ROOT" --html "$1/report.html"); }
drift_before() { CMD=("$BEFORE" drift --root "$ROOT" --html "$1/report.html"); }
specs=("churnd:drift_new:report.html")
[[ -n "${BEFORE:-}" ]] && specs+=("before:drift_before:report.html")
compare_runs - "${specs[@]}"
load_after

counts() { grep -E 'log lines? read' "$1/stdout" || die "no line counts in $1/stdout"; }
echo "churnd: $(counts "${C_DIR[churnd]}")"
printf 'churnd  %7.3f s  %6.1f MiB  %.2f µs per line (whole process)\n' "${C_WALL[churnd]}" \
    "$(calc "${C_RSS[churnd]} / 1024")" "$(calc "${C_WALL[churnd]} * 1e6 / $LINES")"
if [[ -n "${BEFORE:-}" ]]; then
    [[ "$(counts "${C_DIR[churnd]}")" == "$(counts "${C_DIR[before]}")" ]] ||
        die "the two binaries counted the lines differently: $(counts "${C_DIR[before]}")"
    printf 'before  %7.3f s  %6.1f MiB  %.2f µs per line; before / churnd: %s (rounds %s–%s)\n' \
        "${C_WALL[before]}" "$(calc "${C_RSS[before]} / 1024")" "$(calc "${C_WALL[before]} * 1e6 / $LINES")" \
        "$(fmt %.2f "${C_RATIO[before]}")" "$(fmt %.2f "${C_RATIO_MIN[before]}")" "$(fmt %.2f "${C_RATIO_MAX[before]}")"
fi
