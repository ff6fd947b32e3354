"""How well the settings search's estimated work matches the time it takes (bench/search-cost.sh).

For every size, draws that many rows (with replacement above the set's own size, each a new row_id) from a
data set that bench/quality_data.py wrote, trains churnd on them once per configuration, and prints one line:
rows, configuration, the search's estimated seconds (`crossValidation.searchSeconds` summed over the
families), the whole run's wall and CPU seconds, and the settings tried.

Usage: python search_cost.py CHURND DATA_DIR OUT_DIR SET SIZE...
"""

import json
import os
import resource
import subprocess
import sys
import time

import pandas as pd

CONFIGS = {
    # The defaults: both families, the default budget.
    "default": "",
    # Only the configured settings: the cost every cross-validated run pays whatever the budget.
    "budget0": "search_budget_seconds = 0\n",
    # One family each, with the default budget.
    "xgboost": 'families = ["xgboost"]\n',
    "logistic": 'families = ["logistic_regression"]\n',
}


def main():
    churnd, data_dir, out_dir, name = sys.argv[1:5]
    sizes = [int(s) for s in sys.argv[5:]]
    configs = os.environ.get("CONFIGS", "default,budget0").split(",")
    source = pd.read_csv(os.path.join(data_dir, name, "train.csv"), dtype=str, keep_default_na=False)
    toml = open(os.path.join(data_dir, name, "churnd.toml")).read()
    assert toml.rstrip().endswith("[training]"), "churnd.toml must end with its [training] table"
    print(f"{'set':<12} {'rows':>7} {'config':<9} {'estimate s':>10} {'wall s':>7} {'cpu s':>7}  tried")
    for size in sizes:
        sample = source.sample(n=size, replace=size > len(source), random_state=size)
        sample = sample.assign(row_id=[f"r{i}" for i in range(size)])
        csv = os.path.join(out_dir, f"{name}-{size}.csv")
        sample.to_csv(csv, index=False)
        for config in configs:
            root = os.path.join(out_dir, f"{name}-{size}-{config}")
            os.makedirs(root, exist_ok=True)
            with open(os.path.join(root, "churnd.toml"), "w") as f:
                f.write(toml.rstrip() + "\n" + CONFIGS[config])
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.monotonic()
            result = subprocess.run(
                [churnd, "train", "--force", "--root", root, "--data", csv, "--out", os.path.join(root, "model"),
                 "--json"], capture_output=True, text=True)
            wall = time.monotonic() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode != 0:
                sys.exit(f"churnd train failed on {csv} ({config}): {result.stderr}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            doc = json.loads(result.stdout)
            reports = [doc.get("crossValidation")] + [a.get("crossValidation") for a in doc.get("alternatives", [])]
            reports = [r for r in reports if r]
            estimate = sum(r["searchSeconds"] for r in reports)
            tried = ", ".join(f"{len(r['tried'])} {r['chosen']['family']}" for r in reports)
            print(f"{name:<12} {size:>7} {config:<9} {estimate:>10.2f} {wall:>7.2f} {cpu:>7.2f}  {tried}", flush=True)


if __name__ == "__main__":
    main()
