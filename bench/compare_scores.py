#!/usr/bin/env python3
"""Compare two scored CSVs (customer_id,churn_probability,churn_prediction,model_version).

    compare_scores.py A.csv B.csv [--rows N]

Checks both have the expected header, that the first N rows name the same
customers in the same order, and prints the max absolute probability
difference and the number of differing predictions over those rows.
Exits 1 if the files cannot be compared (header/row mismatch).
"""

import argparse
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import OUTPUT_COLUMNS  # noqa: E402


def read(path, rows):
    df = pd.read_csv(path, nrows=rows, dtype={"customer_id": str, "model_version": str},
                     keep_default_na=False, na_values=[""])
    if list(df.columns) != OUTPUT_COLUMNS:
        sys.exit(f"error: {path}: header {list(df.columns)} != {OUTPUT_COLUMNS}")
    return df


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rows", type=int, default=10_000)
    args = ap.parse_args()

    a, b = read(args.a, args.rows), read(args.b, args.rows)
    if len(a) != len(b):
        sys.exit(f"error: row counts differ in the first {args.rows}: {len(a)} vs {len(b)}")
    if not (a["customer_id"].to_numpy() == b["customer_id"].to_numpy()).all():
        sys.exit("error: customer_id order differs between the two files")
    diff = (a["churn_probability"] - b["churn_probability"]).abs()
    mismatched = int((a["churn_prediction"] != b["churn_prediction"]).sum())
    print(f"rows compared: {len(a)}; max |p_a - p_b| = {diff.max():.6f} "
          f"(mean {diff.mean():.2e}); predictions differing: {mismatched}")


if __name__ == "__main__":
    main()
