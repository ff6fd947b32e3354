#!/usr/bin/env python3
"""Baseline scorer: pandas + the pickled scikit-learn pipeline.

    baseline_score_pandas.py MODEL.pkl IN.csv OUT.csv

Reads IN.csv with pandas ("NA" is a region, only "" is missing), runs
pipeline.predict_proba, and writes
    customer_id,churn_probability,churn_prediction,model_version
with pandas to_csv (probability with 6 decimals).
"""

import os
import pickle
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import CATEGORICAL, ID_COL, NUMERIC, read_csv_pandas  # noqa: E402


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: baseline_score_pandas.py MODEL.pkl IN.csv OUT.csv")
    model_path, in_path, out_path = sys.argv[1:]
    with open(model_path, "rb") as f:
        model = pickle.load(f)

    df = read_csv_pandas(in_path)
    proba = model["pipeline"].predict_proba(df[NUMERIC + CATEGORICAL])[:, 1]
    out = pd.DataFrame(
        {
            "customer_id": df[ID_COL],
            "churn_probability": proba,
            "churn_prediction": (proba >= model["threshold"]).astype(np.int64),
            "model_version": model["model_version"],
        }
    )
    out.to_csv(out_path, index=False, float_format="%.6f")


if __name__ == "__main__":
    main()
