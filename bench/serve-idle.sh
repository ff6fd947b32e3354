#!/usr/bin/env bash
# Does an idle HTTP server cost the batch path anything? Two `churnd run` daemons (release build) side by side on
# the same model: one with `[http] listen = ""` (off), one with the HTTP server on a free loopback port, answering
# nothing. The drops alternate between them (bench/measure.py), so the figures come from the same minutes of the
# same machine:
#   latency: a SMALL_ROWS-row file renamed into inbox/, time until its scored file appears; DROPS drops each
#   large:   the same with a BIG_ROWS-row file, BIG_DROPS drops each (throughput of the batch path)
#   burst:   BURST files of 5 rows at once, BURST_ROUNDS rounds each
#   idle:    CPU of both daemons over the same IDLE_SECONDS
# Every drop has a name never used before and its output is checked for every row. Target: http-on/http-off
# within noise (ratios near 1.00x).
# Env: DROPS (100), SMALL_ROWS (1000), BIG_ROWS (200000), BIG_DROPS (10), BURST (500), BURST_ROUNDS (3),
#      IDLE_SECONDS (30), CHURND (default: release build), WORK (bench/out/serve-idle).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
DROPS="${DROPS:-100}"
SMALL_ROWS="${SMALL_ROWS:-1000}"
BIG_ROWS="${BIG_ROWS:-200000}"
BIG_DROPS="${BIG_DROPS:-10}"
BURST="${BURST:-500}"
BURST_ROUNDS="${BURST_ROUNDS:-3}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
WORK="${WORK:-$OUT_DIR/serve-idle}"

build_churnd
rm -rf "$WORK"
mkdir -p "$WORK"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv" >/dev/null
"$CHURND" gen-data --rows "$SMALL_ROWS" --seed 2 --unlabeled -o "$WORK/small.csv" >/dev/null
"$CHURND" gen-data --rows "$BIG_ROWS" --seed 3 --unlabeled -o "$WORK/big.csv" >/dev/null
"$CHURND" gen-data --rows 5 --seed 4 --unlabeled -o "$WORK/tiny.csv" >/dev/null
M=(python3 "$BENCH_DIR/measure.py")

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_log() { # wait_log FILE PATTERN
    for _ in $(seq 1 600); do grep -qs "$2" "$1" && return 0; sleep 0.1; done
    cat "$1" >&2
    die "not ready: $1"
}

# daemon NAME LISTEN: a root trained on the same data; sets DAEMON_PID.
daemon() {
    local root="$WORK/$1"
    mkdir -p "$root"
    "$CHURND" init "$root" >/dev/null
    sed -i "s/^families = .*/families = [\"logistic_regression\"]/; s/^listen = .*/listen = \"$2\"/" "$root/churnd.toml"
    grep -q "^listen = \"$2\"" "$root/churnd.toml" || die "cannot set [http] listen in $root/churnd.toml"
    "$CHURND" train --root "$root" --data "$WORK/train.csv" >/dev/null
    "$CHURND" run --root "$root" 2>"$root/daemon.log" &
    DAEMON_PID=$!
    pids+=("$DAEMON_PID")
    wait_log "$root/daemon.log" " ready "
}
daemon http-off ""
OFF_PID=$DAEMON_PID
daemon http-on "127.0.0.1:0"
ON_PID=$DAEMON_PID
wait_log "$WORK/http-on/daemon.log" "http listening"
PORT="$(sed -n 's/.*http listening.*address=[^ ]*:\([0-9]*\).*/\1/p' "$WORK/http-on/daemon.log" | head -1)"
curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null || die "the http-on daemon does not answer /ready on port $PORT"
! grep -q "http listening" "$WORK/http-off/daemon.log" || die "the http-off daemon listens"

echo "== churnd run with the HTTP server off vs on (idle), paired (drops alternate between the two)"
machine_state "$WORK"
echo "-- latency, $SMALL_ROWS-row file, $DROPS drops each"
"${M[@]}" latency "$WORK/small.csv" "$DROPS" "http-off=$WORK/http-off" "http-on=$WORK/http-on"
echo "-- latency, $BIG_ROWS-row file, $BIG_DROPS drops each"
"${M[@]}" latency "$WORK/big.csv" "$BIG_DROPS" "http-off=$WORK/http-off" "http-on=$WORK/http-on"
echo "-- burst, $BURST files of 5 rows at once, $BURST_ROUNDS rounds each"
"${M[@]}" burst "$WORK/tiny.csv" "$BURST" "$BURST_ROUNDS" "http-off=$WORK/http-off" "http-on=$WORK/http-on"
echo "-- idle CPU"
"${M[@]}" idle "$IDLE_SECONDS" "http-off=$OFF_PID" "http-on=$ON_PID"
curl -fs "http://127.0.0.1:$PORT/health" >/dev/null || die "the http-on daemon stopped answering"
load_after
