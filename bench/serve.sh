#!/usr/bin/env bash
# HTTP serving benchmark: wrk (keep-alive) against churnd serve (release build) and the Python lab's FastAPI app
# (bench/baseline_fastapi_app.py: pre-loaded scikit-learn pipeline, one uvicorn worker), one after the other on
# the same machine with the same connection count, the load average printed before and after each run.
#   predict:     POST /predict, one customer per request: requests/s and p50/p99 latency of each, and the ratio
#   invocations: POST /invocations with ROWS rows as text/csv and as dataframe_split (churnd only): rows/s
# Targets: churnd ≥ 200× the baseline's requests/s; /invocations ≥ 1M rows/s (text/csv), ≥ 300k rows/s
# (dataframe_split).
# Env: CONNECTIONS (64), THREADS (2), DURATION (15 s), ROWS (10000), CHURND (default: release build),
#      WORK (bench/out/serve). Needs wrk (installed here with apt-get when missing: Debian's `wrk`).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-15}"
ROWS="${ROWS:-10000}"
WORK="${WORK:-$OUT_DIR/serve}"

if ! command -v wrk >/dev/null 2>&1; then
    note "installing wrk (Debian package)"
    sudo=""
    [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
    $sudo apt-get install -y -qq wrk >&2 || die "cannot install wrk"
fi
setup_venv
"$BENCH_DIR/.venv/bin/python" -c 'import fastapi, uvicorn' 2>/dev/null \
    || "$BENCH_DIR/.venv/bin/python" -m pip install --quiet fastapi uvicorn >&2
build_churnd

rm -rf "$WORK"
mkdir -p "$WORK/root"
ROOT="$WORK/root"
"$CHURND" init "$ROOT" >/dev/null
sed -i 's/^families = .*/families = ["logistic_regression"]/' "$ROOT/churnd.toml"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv" >/dev/null
"$CHURND" --root "$ROOT" train --data "$WORK/train.csv" >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # wait_http URL
    for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
    die "not answering: $1"
}

CHURND_PORT="$(free_port)"
"$CHURND" serve --root "$ROOT" --listen "127.0.0.1:$CHURND_PORT" 2>"$WORK/churnd.log" &
pids+=($!)
BASE_PORT="$(free_port)"
(cd "$BENCH_DIR" && TRAIN_CSV="$WORK/train.csv" LOG_FILE="$WORK/baseline-predictions.log" \
    "$BENCH_DIR/.venv/bin/python" -m uvicorn baseline_fastapi_app:app --host 127.0.0.1 --port "$BASE_PORT" \
    --workers 1 --log-level warning) 2>"$WORK/baseline.log" &
pids+=($!)
wait_http "http://127.0.0.1:$CHURND_PORT/ready"
wait_http "http://127.0.0.1:$BASE_PORT/health"

# wrk Lua scripts: one POST with a fixed body (read from a file) and content type.
lua() { # lua FILE BODYFILE CONTENT_TYPE
    cat >"$1" <<LUA
local f = io.open("$2", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "$3"
LUA
}
printf '%s' '{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}' \
    >"$WORK/customer.json"
lua "$WORK/predict.lua" "$WORK/customer.json" application/json

"$CHURND" gen-data --rows "$ROWS" --seed 2 --unlabeled -o "$WORK/rows.csv" >/dev/null
python3 - "$WORK/rows.csv" "$WORK/rows.json" <<'PY'
import csv, json, sys
with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))
def value(text, numeric):
    if text == "":
        return None
    return float(text) if numeric else text
columns = rows[0]
numeric = [name in ("tenure_months", "num_complaints", "avg_session_minutes") for name in columns]
data = [[value(v, n) for v, n in zip(row, numeric)] for row in rows[1:]]
json.dump({"dataframe_split": {"columns": columns, "data": data}}, open(sys.argv[2], "w"))
PY
lua "$WORK/csv.lua" "$WORK/rows.csv" text/csv
lua "$WORK/split.lua" "$WORK/rows.json" application/json

# run NAME URL SCRIPT CONNECTIONS: prints "requests/s p50 p99" from wrk's own summary.
run() {
    local name="$1" url="$2" script="$3" connections="$4"
    note "$name: wrk -t$THREADS -c$connections -d${DURATION}s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    wrk -t"$THREADS" -c"$connections" -d"${DURATION}s" --timeout 30s --latency -s "$script" "$url" >"$WORK/$name.wrk"
    local rps p50 p99 errors
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.wrk")"
    p50="$(awk '$1 == "50%" {print $2}' "$WORK/$name.wrk")"
    p99="$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")"
    errors="$(awk '/Non-2xx|Socket errors/' "$WORK/$name.wrk" | tr '\n' ' ')"
    [[ -z "$errors" ]] || note "$name: $errors"
    echo "$rps $p50 $p99"
}

echo "load before: $(cat /proc/loadavg)"
read -r c_rps c_p50 c_p99 < <(run churnd-predict "http://127.0.0.1:$CHURND_PORT/predict" "$WORK/predict.lua" "$CONNECTIONS")
read -r b_rps b_p50 b_p99 < <(run fastapi-predict "http://127.0.0.1:$BASE_PORT/predict" "$WORK/predict.lua" "$CONNECTIONS")
read -r csv_rps _ csv_p99 < <(run churnd-invocations-csv "http://127.0.0.1:$CHURND_PORT/invocations" "$WORK/csv.lua" 4)
read -r split_rps _ split_p99 < <(run churnd-invocations-split "http://127.0.0.1:$CHURND_PORT/invocations" "$WORK/split.lua" 4)
echo "load after:  $(cat /proc/loadavg)"

python3 - "$c_rps" "$b_rps" "$csv_rps" "$split_rps" "$ROWS" <<PY
import sys
c, b, csv_rps, split_rps, rows = (float(x) for x in sys.argv[1:])
print(f"POST /predict, {$CONNECTIONS} connections, keep-alive, {$DURATION} s each")
print(f"  churnd serve       {c:12,.0f} req/s   p50 $c_p50   p99 $c_p99")
print(f"  FastAPI + uvicorn  {b:12,.0f} req/s   p50 $b_p50   p99 $b_p99")
print(f"  ratio              {c / b:12,.1f}x")
print(f"POST /invocations, {rows:,.0f} rows per request, 4 connections")
print(f"  text/csv           {csv_rps * rows:12,.0f} rows/s   p99 $csv_p99")
print(f"  dataframe_split    {split_rps * rows:12,.0f} rows/s   p99 $split_p99")
PY
