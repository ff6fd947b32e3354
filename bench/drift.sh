#!/usr/bin/env bash
# Drift rule on generated data: false alarms without drift, detection per shift, at last_n = 500.
# Usage: bench/drift.sh [WINDOWS_PER_SCENARIO]   (default 5000; the committed test uses 300)
set -euo pipefail
cd "$(dirname "$0")/.."
windows="${1:-5000}"
CHURND="${CHURND:-}"
if [ -z "$CHURND" ]; then
    swift build -c release --product churnd >/dev/null
    CHURND=.build/release/churnd
fi
for last_n in 500 200 1000; do  # the default, a small and a large window
    for seed in 2026 7 99; do "$CHURND" drift --simulate --windows "$windows" --last-n "$last_n" --seed "$seed"; done
    echo
done
