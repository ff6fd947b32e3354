#!/usr/bin/env bash
# churnd daemon benchmark, paired with a Python watchdog + pre-loaded scikit-learn watcher (bench/baseline_watcher.py).
# Both watchers run side by side and the drops alternate between them (bench/measure.py), so the ratios come from
# the same minutes of the same machine:
#   latency: rename a 1,000-row file into inbox/, time until its scored file appears; DROPS drops each (p50, p99)
#   idle:    CPU of both processes over the same IDLE_SECONDS with nothing to do, before any drop and right after
#            the latency drops (churnd may still be finishing work then: the two figures differ)
#   burst:   BURST small files renamed in at once, time until all are scored; BURST_ROUNDS rounds each
# Every drop has a name never used before and is checked (no output before, a complete one after). The load
# average (before and after) and the disk's fsync latency are printed with the figures.
# Targets (printed as check lines): p50 ≤ 2 ms, p99 ≤ 8 ms, idle CPU ≤ 0.1 %, 1,000 files in ≤ 1 s.
# Env: DROPS (200), IDLE_SECONDS (60), BURST (1000), BURST_ROUNDS (3), CHURND (default: release build),
#      WORK (bench/out/latency), FSYNC_SAMPLES (200),
#      BEFORE=/path: also run that churnd binary's daemon (e.g. a build of an older commit) on its own root, its
#      drops alternating with the others' (label "before").
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
DROPS="${DROPS:-200}"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
BURST="${BURST:-1000}"
BURST_ROUNDS="${BURST_ROUNDS:-3}"
WORK="${WORK:-$OUT_DIR/latency}"

setup_venv
build_churnd
# Each run gets fresh watcher roots: no state from an earlier run.
rm -rf "$WORK"
mkdir -p "$WORK"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv" >/dev/null
"$CHURND" gen-data --rows 1000 --seed 2 --unlabeled -o "$WORK/sample-1000.csv" >/dev/null
"$CHURND" gen-data --rows 5 --seed 3 --unlabeled -o "$WORK/sample-5.csv" >/dev/null
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

D="$WORK/churnd"
mkdir -p "$D"
"$CHURND" init "$D" >/dev/null
"$CHURND" train --root "$D" --data "$WORK/train.csv" >/dev/null
"$CHURND" run --root "$D" 2>"$D/daemon.log" &
pids+=($!)
churnd_pid=$!
P="$WORK/python"
mkdir -p "$P"
"$PY" "$BENCH_DIR/baseline_watcher.py" "$P" "$WORK/train.csv" >"$P/watcher.log" 2>&1 &
pids+=($!)
python_pid=$!
wait_ready "$D/daemon.log" " ready "
wait_ready "$P/watcher.log" "ready"
BEFORE_WATCHERS=() BEFORE_PIDS=()
if [[ -n "${BEFORE:-}" ]]; then
    [[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
    B="$WORK/before"
    mkdir -p "$B"
    "$BEFORE" init "$B" >/dev/null
    "$BEFORE" train --root "$B" --data "$WORK/train.csv" >/dev/null
    "$BEFORE" run --root "$B" 2>"$B/daemon.log" &
    pids+=($!)
    BEFORE_PIDS=("before=$!")
    wait_ready "$B/daemon.log" " ready "
    BEFORE_WATCHERS=("before=$B")
fi

echo "== churnd run vs Python watchdog + scikit-learn, paired (drops alternate between the two)"
machine_state "$WORK"
echo "-- idle CPU, before any drop"
IDLE=$("${M[@]}" idle "$IDLE_SECONDS" "churnd=$churnd_pid" "python=$python_pid" ${BEFORE_PIDS[@]+"${BEFORE_PIDS[@]}"})
echo "$IDLE"
echo "-- latency, 1,000-row file, $DROPS drops each"
LAT=$("${M[@]}" latency "$WORK/sample-1000.csv" "$DROPS" "churnd=$D" "python=$P" ${BEFORE_WATCHERS[@]+"${BEFORE_WATCHERS[@]}"})
echo "$LAT"
echo "-- idle CPU, right after the drops"
"${M[@]}" idle "$IDLE_SECONDS" "churnd=$churnd_pid" "python=$python_pid" ${BEFORE_PIDS[@]+"${BEFORE_PIDS[@]}"}
echo "-- burst, $BURST files of 5 rows at once, $BURST_ROUNDS rounds each"
BURSTS=$("${M[@]}" burst "$WORK/sample-5.csv" "$BURST" "$BURST_ROUNDS" "churnd=$D" "python=$P" ${BEFORE_WATCHERS[@]+"${BEFORE_WATCHERS[@]}"})
echo "$BURSTS"
load_after
echo
echo "targets:"
P50=$(awk '$1 == "churnd" { print $3 }' <<<"$LAT")
P99=$(awk '$1 == "churnd" { print $6 }' <<<"$LAT")
IDLE_CPU=$(awk '$1 == "churnd" { print $2 }' <<<"$IDLE")
BURST_S=$(awk '$1 == "churnd" { print $6 }' <<<"$BURSTS")
check "drop -> output p50 <= 2 ms (1,000 rows)" "$P50 <= 2" "$P50 ms"
check "drop -> output p99 <= 8 ms (1,000 rows)" "$P99 <= 8" "$P99 ms"
check "idle CPU <= 0.1 %" "$IDLE_CPU <= 0.1" "$IDLE_CPU %"
check "$BURST small files at once <= 1 s (median)" "$BURST_S <= 1" "$BURST_S s"
finish
