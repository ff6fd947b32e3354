#!/usr/bin/env bash
# HTTP serving benchmark: wrk (keep-alive) against `churnd serve` (release build) and the Python lab's FastAPI app
# (bench/baseline_fastapi_app.py: pre-loaded scikit-learn pipeline, one uvicorn worker), in paired rounds on the
# same machine with the same connection count. Every run gets a freshly started server; every response wrk
# receives is checked by its Lua script (status 200 and a probability in [0, 1]; for /invocations, one
# prediction per row sent), and a run with a bad answer, a non-2xx status or a socket error fails the benchmark.
#
#   peak:        POST /predict, one customer per request, CONNECTIONS connections, ROUNDS rounds; each round runs
#                every server, the order rotating from round to round (churnd first in the first round).
#                Requests/s of each and the ratio within each round (median and range over the rounds).
#   half peak:   POST /predict paced at half of churnd's median peak rate (BEFORE at half of its own): wrk has no
#                fixed-rate mode (wrk2 is not in Debian), so each connection pauses before each request (wrk's
#                Lua `delay()`) for a time drawn from 0 … 2 × PACE_MS ms, PACE_MS on average (a fixed pause keeps
#                the connections in step: they send in waves), and the connection count is chosen for half the
#                peak rate (connections = rate × PACE_MS / 1000), corrected once from a short calibration run.
#                The achieved rate is printed beside p50/p99.
#   invocations: POST /invocations with ROWS rows as text/csv and as dataframe_split (churnd, and BEFORE when
#                given; not FastAPI), rows/s.
# Targets: churnd ≥ 200× the baseline's requests/s; p99 ≤ 2 ms at half of churnd's peak rate;
# /invocations ≥ 1M rows/s (text/csv) and ≥ 300k rows/s (dataframe_split).
# Env: ROUNDS (3), CONNECTIONS (64), THREADS (2), DURATION (10 s per run), ROWS (10000), INV_CONNECTIONS (2),
#      PACE_MS (5), CHURND (default: release build), WORK (bench/out/serve), STRICT=1 (exit 1 on a missed target),
#      BEFORE=/path: also run this churnd binary (e.g. a build of an older commit) in the same rounds, the order
#      rotating with churnd and FastAPI; its figures and churnd's ratio to it are printed beside (the targets are
#      checked for CHURND only).
# Needs wrk (installed here with apt-get when missing: Debian's `wrk`).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-10}"
ROWS="${ROWS:-10000}"
INV_CONNECTIONS="${INV_CONNECTIONS:-2}"
PACE_MS="${PACE_MS:-5}"
WORK="${WORK:-$OUT_DIR/serve}"

if ! command -v wrk >/dev/null 2>&1; then
    note "installing wrk (Debian package)"
    sudo=""
    [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
    $sudo apt-get install -y -qq wrk >&2 || die "cannot install wrk"
fi
setup_venv
"$PY" -c 'import fastapi, uvicorn' 2>/dev/null || "$PY" -m pip install --quiet fastapi uvicorn >&2
build_churnd
if [[ -n "${BEFORE:-}" ]]; then
    [[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
    note "also running BEFORE=$BEFORE"
fi

rm -rf "$WORK"
mkdir -p "$WORK/root"
ROOT="$WORK/root"
"$CHURND" init "$ROOT" >/dev/null
sed -i 's/^families = .*/families = ["logistic_regression"]/' "$ROOT/churnd.toml"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv" >/dev/null
"$CHURND" --root "$ROOT" train --data "$WORK/train.csv" >/dev/null

SERVER_PID=""
cleanup() { [[ -z "$SERVER_PID" ]] || kill -TERM "$SERVER_PID" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # wait_http URL
    for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
    die "not answering: $1"
}

# start_server churnd|before|fastapi: a fresh server on a free port; sets SERVER_PID and PORT.
SERVES=0
start_server() {
    PORT="$(free_port)"
    SERVES=$((SERVES + 1))
    case "$1" in
        churnd | before)
            local binary="$CHURND"
            [[ "$1" == before ]] && binary="$BEFORE"
            "$binary" serve --root "$ROOT" --listen "127.0.0.1:$PORT" 2>"$WORK/$1-$SERVES.log" &
            SERVER_PID=$!
            wait_http "http://127.0.0.1:$PORT/ready"
            ;;
        fastapi)
            (cd "$BENCH_DIR" && exec env TRAIN_CSV="$WORK/train.csv" LOG_FILE="$WORK/baseline-predictions.log" \
                "$PY" -m uvicorn baseline_fastapi_app:app --host 127.0.0.1 --port "$PORT" --workers 1 \
                --log-level warning) 2>"$WORK/fastapi-$SERVES.log" &
            SERVER_PID=$!
            wait_http "http://127.0.0.1:$PORT/health"
            ;;
    esac
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# --- request bodies and wrk scripts ---------------------------------------------------------------------------
printf '%s' '{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}' \
    >"$WORK/customer.json"
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

# lua FILE BODYFILE CONTENT_TYPE KIND [DELAY_MS]: one POST with a fixed body; every response is checked
# (KIND predict: 200 and "probability" in [0, 1]; KIND rows: 200 and exactly $ROWS "churn_probability" values,
# the first in [0, 1]); done() prints "checked: OK ok BAD bad" and the first bad answer.
lua() {
    cat >"$1" <<LUA
local f = io.open("$2", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "$3"
local kind, rows, pace = "$4", $ROWS, ${5:-0}
local threads = {}
function setup(thread) table.insert(threads, thread); thread:set("seed", #threads) end
function init(args) ok = 0; bad = 0; first_bad = ""; math.randomseed(os.time() * 1000 + (seed or 0)) end
-- Each pause is drawn from 0 … 2 × pace ms (mean pace): with one fixed pause the connections, which start
-- together, stay in step and send their requests in waves.
if pace > 0 then function delay() return math.random(0, 2 * pace) end end
local function count(text, needle)
    local n, at = 0, 1
    while true do
        local s, e = string.find(text, needle, at, true)
        if not s then return n end
        n = n + 1; at = e + 1
    end
end
function response(status, headers, text)
    local good = false
    if status == 200 then
        if kind == "predict" then
            local p = tonumber(string.match(text, '"probability":%s*([-+%d.eE]+)'))
            good = p ~= nil and p >= 0 and p <= 1
        else
            local p = tonumber(string.match(text, '"churn_probability":%s*([-+%d.eE]+)'))
            good = p ~= nil and p >= 0 and p <= 1 and count(text, '"churn_probability":') == rows
        end
    end
    if good then ok = ok + 1 else
        bad = bad + 1
        if first_bad == "" then first_bad = status .. " " .. string.sub(text, 1, 300) end
    end
end
function done(summary, latency, requests)
    local o, b, first = 0, 0, ""
    for _, t in ipairs(threads) do
        o = o + t:get("ok"); b = b + t:get("bad")
        if first == "" then first = t:get("first_bad") end
    end
    io.write(string.format("checked: %d ok %d bad\n", o, b))
    if b > 0 then io.write("first bad answer: " .. first .. "\n") end
end
LUA
}
lua "$WORK/predict.lua" "$WORK/customer.json" application/json predict
lua "$WORK/csv.lua" "$WORK/rows.csv" text/csv rows
lua "$WORK/split.lua" "$WORK/rows.json" application/json rows
lua "$WORK/paced.lua" "$WORK/customer.json" application/json predict "$PACE_MS"

# wrk_run NAME PATH SCRIPT CONNECTIONS DURATION: wrk against the running server; prints "requests/s p50_ms p99_ms".
# Dies when a response was not a good answer, on a non-2xx status and on a socket error.
wrk_run() {
    local name="$1" path="$2" script="$3" connections="$4" duration="$5"
    local out="$WORK/$name.wrk"
    [[ ! -e "$out" ]] || die "$out exists before its run"
    note "$name: wrk -t$THREADS -c$connections -d${duration}s $path (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    wrk -t"$THREADS" -c"$connections" -d"${duration}s" --timeout 30s --latency -s "$script" \
        "http://127.0.0.1:$PORT$path" >"$out" || die "wrk failed: $out"
    local checked
    checked="$(grep '^checked:' "$out" || true)"
    [[ "$checked" =~ ^checked:\ ([0-9]+)\ ok\ 0\ bad$ && "${BASH_REMATCH[1]}" -gt 0 ]] \
        || die "$name: bad answers ($checked): $(grep '^first bad answer' "$out" || true) (see $out)"
    ! grep -q 'Non-2xx\|Socket errors' "$out" || die "$name: $(grep 'Non-2xx\|Socket errors' "$out") (see $out)"
    awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        END { printf "%s %.3f %.3f\n", rps, p50, p99 }' "$out"
}

MACHINE="machine: $(nproc) cores, $(uname -sr)"
LOAD_BEFORE="$(cut -d' ' -f1-4 /proc/loadavg)"
echo "== churnd serve vs FastAPI + uvicorn (one worker), paired rounds; load average before: $LOAD_BEFORE"

# --- peak: paired rounds ----------------------------------------------------------------------------------------
# Each round runs every server once, the order rotating from round to round.
declare -a C_RPS B_RPS RATIOS C_P99 B_P99 C_P50 B_P50 O_RPS O_P50 O_P99 O_RATIOS
SERVERS=(churnd fastapi)
[[ -n "${BEFORE:-}" ]] && SERVERS=(churnd before fastapi)
for ((r = 1; r <= ROUNDS; r++)); do
    order=()
    for ((k = 0; k < ${#SERVERS[@]}; k++)); do order+=("${SERVERS[(k + r - 1) % ${#SERVERS[@]}]}"); done
    for server in "${order[@]}"; do
        start_server "$server"
        read -r rps p50 p99 < <(wrk_run "$server-predict-r$r" /predict "$WORK/predict.lua" "$CONNECTIONS" "$DURATION")
        stop_server
        case "$server" in
            churnd) C_RPS+=("$rps") C_P50+=("$p50") C_P99+=("$p99") ;;
            before) O_RPS+=("$rps") O_P50+=("$p50") O_P99+=("$p99") ;;
            *) B_RPS+=("$rps") B_P50+=("$p50") B_P99+=("$p99") ;;
        esac
        printf '   round %d/%d  %-8s %12.0f req/s  p50 %8.3f ms  p99 %9.3f ms\n' "$r" "$ROUNDS" "$server" "$rps" \
            "$p50" "$p99" >&2
    done
    RATIOS+=("$(calc "${C_RPS[r - 1]} / ${B_RPS[r - 1]}")")
    [[ -n "${BEFORE:-}" ]] && O_RATIOS+=("$(calc "${C_RPS[r - 1]} / ${O_RPS[r - 1]}")")
done
PEAK="$(median "${C_RPS[@]}")"

# --- half peak: paced connections -------------------------------------------------------------------------------
paced_connections() { # paced_connections RATE: connections for RATE requests/s at PACE_MS ms between requests
    awk -v rate="$1" -v pace="$PACE_MS" -v t="$THREADS" 'BEGIN { c = int(rate * pace / 1000 + 0.5); if (c < t) c = t; print c }'
}
# paced SERVER PEAK: paced at half of PEAK; sets PACED to "connections requests/s p50_ms p99_ms".
paced() {
    local server="$1" half connections cal_rps rps p50 p99
    half="$(calc "$2 / 2")"
    start_server "$server"
    connections="$(paced_connections "$half")"
    read -r cal_rps _ _ < <(wrk_run "$server-paced-calibration" /predict "$WORK/paced.lua" "$connections" 5)
    # Correct once for the time each request takes beside the pause.
    connections="$(awk -v c="$connections" -v half="$half" -v got="$cal_rps" -v t="$THREADS" \
        'BEGIN { n = int(c * half / got + 0.5); if (n < t) n = t; print n }')"
    read -r rps p50 p99 < <(wrk_run "$server-paced" /predict "$WORK/paced.lua" "$connections" "$DURATION")
    stop_server
    PACED="$connections $rps $p50 $p99"
}
HALF="$(calc "$PEAK / 2")"
paced churnd "$PEAK"
read -r PACED_C paced_rps paced_p50 paced_p99 <<<"$PACED"
if [[ -n "${BEFORE:-}" ]]; then
    paced before "$(median "${O_RPS[@]}")"
    read -r O_PACED_C o_paced_rps o_paced_p50 o_paced_p99 <<<"$PACED"
fi

# --- /invocations: churnd (and BEFORE), a fresh server per round ----------------------------------------------
declare -a CSV_ROWS_S SPLIT_ROWS_S CSV_P99 SPLIT_P99 O_CSV_ROWS_S O_SPLIT_ROWS_S O_CSV_P99 O_SPLIT_P99
BUILDS=(churnd)
[[ -n "${BEFORE:-}" ]] && BUILDS=(churnd before)
for ((r = 1; r <= ROUNDS; r++)); do
    builds=("${BUILDS[@]}")
    ((r % 2 == 0)) && [[ ${#BUILDS[@]} -eq 2 ]] && builds=(before churnd)
    for build in "${builds[@]}"; do
        start_server "$build"
        order=(csv split)
        ((r % 2 == 0)) && order=(split csv)
        for kind in "${order[@]}"; do
            read -r rps _ p99 < <(wrk_run "$build-invocations-$kind-r$r" /invocations "$WORK/$kind.lua" \
                "$INV_CONNECTIONS" "$DURATION")
            case "$build-$kind" in
                churnd-csv) CSV_ROWS_S+=("$(calc "$rps * $ROWS")") CSV_P99+=("$p99") ;;
                churnd-split) SPLIT_ROWS_S+=("$(calc "$rps * $ROWS")") SPLIT_P99+=("$p99") ;;
                before-csv) O_CSV_ROWS_S+=("$(calc "$rps * $ROWS")") O_CSV_P99+=("$p99") ;;
                before-split) O_SPLIT_ROWS_S+=("$(calc "$rps * $ROWS")") O_SPLIT_P99+=("$p99") ;;
            esac
            printf '   round %d/%d  %-8s %-14s %12.0f rows/s  p99 %9.3f ms\n' "$r" "$ROUNDS" "$build" "$kind" \
                "$(calc "$rps * $ROWS")" "$p99" >&2
        done
        stop_server
    done
done
LOAD_AFTER="$(cut -d' ' -f1-4 /proc/loadavg)"

# --- table --------------------------------------------------------------------------------------------------------
ranged() { # ranged FORMAT VALUES...: "median (min–max)"
    local format="$1"
    shift
    echo "$(fmt "$format" "$(median "$@")") ($(fmt "$format" "$(printf '%s\n' "$@" | sort -g | head -1)")–$(fmt "$format" "$(printf '%s\n' "$@" | sort -g | tail -1)"))"
}
RATIO_MED="$(median "${RATIOS[@]}")"
CSV_ROWS="$(median "${CSV_ROWS_S[@]}")"
SPLIT_ROWS="$(median "${SPLIT_ROWS_S[@]}")"
echo
echo "$MACHINE"
echo "load average before: $LOAD_BEFORE"
echo "POST /predict, $CONNECTIONS connections, keep-alive, wrk -t$THREADS, ${DURATION} s per run, $ROUNDS paired rounds (medians, range)"
echo "  churnd serve        $(ranged '%.0f' "${C_RPS[@]}") req/s   p50 $(median "${C_P50[@]}") ms   p99 $(median "${C_P99[@]}") ms"
echo "  FastAPI + uvicorn   $(ranged '%.1f' "${B_RPS[@]}") req/s   p50 $(median "${B_P50[@]}") ms   p99 $(median "${B_P99[@]}") ms"
echo "  ratio per round     $(ranged '%.0f' "${RATIOS[@]}")x"
if [[ -n "${BEFORE:-}" ]]; then
    echo "  BEFORE ($BEFORE)"
    echo "                      $(ranged '%.0f' "${O_RPS[@]}") req/s   p50 $(median "${O_P50[@]}") ms   p99 $(median "${O_P99[@]}") ms"
    echo "  churnd / BEFORE     $(ranged '%.2f' "${O_RATIOS[@]}")x per round"
fi
echo "POST /predict paced at half of churnd's peak ($(fmt '%.0f' "$HALF") req/s): $PACED_C connections, each pausing ${PACE_MS} ms on average"
echo "  achieved            $(fmt '%.0f' "$paced_rps") req/s ($(fmt '%.2f' "$(calc "$paced_rps / $PEAK")") of peak)   p50 $paced_p50 ms   p99 $paced_p99 ms"
if [[ -n "${BEFORE:-}" ]]; then
    echo "  BEFORE at half of its peak: $O_PACED_C connections, $(fmt '%.0f' "$o_paced_rps") req/s   p50 $o_paced_p50 ms   p99 $o_paced_p99 ms"
fi
echo "POST /invocations, $ROWS rows per request, $INV_CONNECTIONS connections, $ROUNDS rounds (medians, range)"
echo "  text/csv            $(ranged '%.0f' "${CSV_ROWS_S[@]}") rows/s   p99 $(median "${CSV_P99[@]}") ms"
echo "  dataframe_split     $(ranged '%.0f' "${SPLIT_ROWS_S[@]}") rows/s   p99 $(median "${SPLIT_P99[@]}") ms"
if [[ -n "${BEFORE:-}" ]]; then
    echo "  BEFORE text/csv     $(ranged '%.0f' "${O_CSV_ROWS_S[@]}") rows/s   p99 $(median "${O_CSV_P99[@]}") ms"
    echo "  BEFORE split        $(ranged '%.0f' "${O_SPLIT_ROWS_S[@]}") rows/s   p99 $(median "${O_SPLIT_P99[@]}") ms"
fi
echo "load average after:  $LOAD_AFTER"
echo "targets:"
check "/predict ≥ 200x FastAPI's requests/s" "$RATIO_MED >= 200" "$(fmt '%.0f' "$RATIO_MED")x (median of $ROUNDS rounds)"
check "/predict p99 ≤ 2 ms at half peak" "$paced_p99 <= 2" "$paced_p99 ms at $(fmt '%.0f' "$paced_rps") req/s"
check "/invocations text/csv ≥ 1M rows/s" "$CSV_ROWS >= 1000000" "$(fmt '%.0f' "$CSV_ROWS") rows/s"
check "/invocations dataframe_split ≥ 300k rows/s" "$SPLIT_ROWS >= 300000" "$(fmt '%.0f' "$SPLIT_ROWS") rows/s"
finish
