#!/usr/bin/env bash
# Training time with the shipped defaults: this churnd against a baseline churnd binary, paired rounds.
#
#   BASE=/path/to/older/churnd bench/train-cv.sh
#
# Both binaries run `churnd train --force --json` on the same generated file, each in a root made once by
# its own `churnd init` (the shipped churnd.toml: both families; cross-validation and the settings search
# up to training.cv_max_rows rows where the binary has them). Each run writes its model into a new run
# directory (--out), checked after the run. Rounds alternate the order; the ratio is taken within a round.
#
# Environment overrides:
#   BASE=/path     the baseline binary (required), e.g. a release build of the previous version
#   CHURND=/path   this churnd instead of `swift build -c release --product churnd`
#   ROWS_LIST      labeled-row counts, one comparison each (default "5000 1000000")
#   RUNS           rounds per row count (default 3)
#   FRESH=1        regenerate the data files in bench/out/
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS_LIST="${ROWS_LIST:-5000 1000000}"
[[ -n "${BASE:-}" && -x "${BASE:-}" ]] || die "set BASE=/path/to/the/baseline/churnd (an executable)"

require_gnu_time
mkdir -p "$OUT_DIR"
setup_venv
build_churnd

# One root per binary (a newer registry schema is not for an older binary), made by its own `init`.
ROOTS="$RUNS_DIR/roots"
mkdir -p "$ROOTS"
"$BASE" init "$ROOTS/base" >/dev/null
"$CHURND" init "$ROOTS/this" >/dev/null

cmd_base() { CMD=("$BASE" train --force --root "$ROOTS/base" --data "$DATA" --out "$1/model" --json); }
cmd_this() { CMD=("$CHURND" train --force --root "$ROOTS/this" --data "$DATA" --out "$1/model" --json); }

REPORT=()
for ROWS in $ROWS_LIST; do
    DATA="$OUT_DIR/labeled-$ROWS-s11.csv"
    gen_data "$DATA" "$ROWS" 11
    MACHINE=$(machine_state "$OUT_DIR")
    note "timing: $RUNS rounds of both binaries' churnd train on $ROWS rows (order alternating)"
    compare_runs - "base:cmd_base:model/model.json" "this:cmd_this:model/model.json"
    line() {
        local tool="$1" j="${C_DIR[$1]}/stdout" cv
        cv=$(json_get "$j" crossValidation.folds 2>/dev/null || echo no)
        [[ "$cv" == nan ]] && cv=no
        [[ "$cv" == no ]] || cv="$cv folds"
        printf '  %-5s %9.3f s  %8.1f MiB  family %-20s test F1 %.5f  cross-validated %s\n' "$tool" \
            "${C_WALL[$tool]}" "$(calc "${C_RSS[$tool]} / 1024")" "$(json_get "$j" family)" \
            "$(json_get "$j" metrics.f1)" "$cv"
    }
    REPORT+=("" "$ROWS labeled rows, median of $RUNS rounds (whole process):" "$MACHINE" "$(load_after)"
        "$(line base)" "$(line this)"
        "  this / base wall, same round: median $(fmt '%.2f' "${C_RATIO[this]}")x (rounds $(fmt '%.2f' "${C_RATIO_MIN[this]}")-$(fmt '%.2f' "${C_RATIO_MAX[this]}")x)")
done

echo
echo "churnd train with the shipped defaults: this ($CHURND) vs base ($BASE)"
printf '%s\n' "${REPORT[@]}"
