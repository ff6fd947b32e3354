#!/usr/bin/env bash
# Event-driven loops, measured: two builds of churnd run side by side on their own roots (each with its HTTP
# server on a free port, as `churnd run` starts by default), e.g. this branch against the commit before it:
#   idle:    CPU of both daemons over the same IDLE_SECONDS with nothing to do (utime + stime from /proc/PID/stat)
#   latency: rename a 1,000-row file into inbox/, time until its scored file appears; drops alternate between the
#            two daemons (bench/measure.py), DROPS each (p50, p99)
#   idle again, right after the drops
# The load average (before and after) is printed with the figures. Target: idle CPU <= 0.1 %.
# Env: CHURND (this build; default: release build), BASELINE (required: the churnd binary to compare with),
#      IDLE_SECONDS (60), DROPS (100), WORK (bench/out/events).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
DROPS="${DROPS:-100}"
WORK="${WORK:-$OUT_DIR/events}"
[[ -n "${BASELINE:-}" && -x "${BASELINE:-}" ]] || die "set BASELINE=/path/to/the churnd binary to compare with"

build_churnd
rm -rf "$WORK"
mkdir -p "$WORK"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv" >/dev/null
"$CHURND" gen-data --rows 1000 --seed 2 --unlabeled -o "$WORK/sample-1000.csv" >/dev/null
M=(python3 "$BENCH_DIR/measure.py")

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_ready() { # wait_ready FILE PATTERN
    for _ in $(seq 1 600); do grep -qs "$2" "$1" && return 0; sleep 0.1; done
    echo "not ready: $1" >&2
    cat "$1" >&2
    exit 1
}

# start_daemon LABEL BINARY: a fresh root with one trained model, HTTP on a free port; sets PID_<LABEL>.
start_daemon() {
    local root="$WORK/$1"
    mkdir -p "$root"
    "$2" init "$root" >/dev/null
    sed -i 's/^listen = "127.0.0.1:8080"/listen = "127.0.0.1:0"/' "$root/churnd.toml"
    "$2" train --root "$root" --data "$WORK/train.csv" >/dev/null
    "$2" run --root "$root" 2>"$root/daemon.log" &
    pids+=($!)
    printf -v "PID_$1" '%s' "$!"
    wait_ready "$root/daemon.log" " ready "
    wait_ready "$root/daemon.log" "http listening"
}

start_daemon before "$BASELINE"
start_daemon after "$CHURND"
sleep 5 # start-up work (first drift read, MLflow off, first scan) settles

echo "== churnd ($CHURND) vs baseline ($BASELINE), paired"
machine_state "$WORK"
echo "-- idle CPU, both running, nothing to do"
"${M[@]}" idle "$IDLE_SECONDS" "before=$PID_before" "after=$PID_after"
echo "-- latency, 1,000-row file, $DROPS drops each (alternating)"
"${M[@]}" latency "$WORK/sample-1000.csv" "$DROPS" "before=$WORK/before" "after=$WORK/after"
echo "-- idle CPU, right after the drops"
"${M[@]}" idle "$IDLE_SECONDS" "before=$PID_before" "after=$PID_after"
load_after
