#!/usr/bin/env bash
# churnd daemon benchmark (public tools only: bash, python3 standard library; the baseline in bench/.venv).
#   latency: rename a 1,000-row file into inbox/, time until its scored file appears; 200 drops (p50, p99)
#   idle:    daemon CPU over 60 s with nothing to do
#   burst:   1,000 small files renamed in at once, time until all are scored
# Side by side with a Python watchdog + pre-loaded scikit-learn watcher (bench/requirements.txt).
# Targets: p50 ≤ 5 ms, p99 ≤ 20 ms, idle CPU ≤ 0.1 %, 1,000 files in ≤ 2 s.
# Env: DROPS (200), IDLE_SECONDS (60), BURST (1000), CHURND (default .build/release/churnd), WORK (bench/out).
set -euo pipefail
cd "$(dirname "$0")/.."
CHURND="${CHURND:-$PWD/.build/release/churnd}"
DROPS="${DROPS:-200}"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
BURST="${BURST:-1000}"
WORK="${WORK:-$PWD/bench/out}"
[ -x "$CHURND" ] || swift build -c release --product churnd

if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install -q -r bench/requirements.txt
fi

rm -rf "$WORK"
mkdir -p "$WORK"
"$CHURND" gen-data --rows 20000 --seed 1 -o "$WORK/train.csv"
"$CHURND" gen-data --rows 1000 --seed 2 --unlabeled -o "$WORK/sample-1000.csv"
"$CHURND" gen-data --rows 5 --seed 3 --unlabeled -o "$WORK/sample-5.csv"
M="python3 bench/measure.py"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done; wait 2> /dev/null || true; }
trap cleanup EXIT

wait_ready() { # wait_ready FILE PATTERN
    for _ in $(seq 1 600); do grep -qs "$2" "$1" && return 0; sleep 0.1; done
    echo "not ready: $1" >&2; cat "$1" >&2; exit 1
}

echo "== churnd run ($(nproc) cores)"
D="$WORK/churnd"
mkdir -p "$D"
"$CHURND" init "$D" > /dev/null
"$CHURND" train --root "$D" --data "$WORK/train.csv" > /dev/null
"$CHURND" run --root "$D" 2> "$D/daemon.log" &
pids+=($!)
churnd_pid=$!
wait_ready "$D/daemon.log" " ready "
echo -n "latency:  "; $M latency "$D" "$WORK/sample-1000.csv" "$DROPS"
echo -n "idle:     "; $M idle "$churnd_pid" "$IDLE_SECONDS"
echo -n "burst:    "; $M burst "$D" "$WORK/sample-5.csv" "$BURST"

echo "== baseline: Python watchdog + scikit-learn (pre-loaded)"
P="$WORK/python"
mkdir -p "$P"
bench/.venv/bin/python bench/baseline_watcher.py "$P" "$WORK/train.csv" > "$P/watcher.log" 2>&1 &
pids+=($!)
python_pid=$!
wait_ready "$P/watcher.log" "ready"
echo -n "latency:  "; $M latency "$P" "$WORK/sample-1000.csv" "$DROPS"
echo -n "idle:     "; $M idle "$python_pid" "$IDLE_SECONDS"
echo -n "burst:    "; $M burst "$P" "$WORK/sample-5.csv" "$BURST"
