#!/usr/bin/env python3
"""polars + Python xgboost scorer for a churnd xgboost artifact: the fast Python baseline.

Usage: baseline_score_xgboost_polars.py MODEL.json IN.csv OUT.csv [--nthread 2]

Reads churnd's model.json (preprocessing, threshold) and the booster next to it (model.xgb.json), reads IN.csv
with polars, encodes the rows as the artifact's preprocessing says (polars expressions), predicts with
Booster.inplace_predict and writes customer_id, churn_probability, churn_prediction, model_version.

Written to be as fast as polars and xgboost allow (see bench/README.md): every column is read as text
(infer_schema=False) and the numerics are cast inside the one select that builds the float32 feature matrix;
the booster predicts in place on that matrix with NTHREAD threads; the output is written with polars' default
float printing (no rounding pass, no fixed-decimal formatting).
"""
import argparse
import json
import os

import numpy as np
import polars as pl
import xgboost as xgb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--nthread", type=int, default=2)
    args = ap.parse_args()
    with open(args.model) as f:
        artifact = json.load(f)
    pre = artifact["preprocessing"]
    booster = xgb.Booster(model_file=os.path.join(os.path.dirname(args.model), "model.xgb.json"))
    booster.set_param({"nthread": args.nthread})
    df = pl.read_csv(args.input, infer_schema=False, null_values=[""])
    exprs = []
    for n in pre["numeric"]:
        exprs.append(((pl.col(n["name"]).cast(pl.Float64).fill_null(n["median"]) - n["mean"]) * (1.0 / n["std"]))
                     .cast(pl.Float32).alias(n["name"]))
    for c in pre["categorical"]:
        for level in c["levels"]:
            exprs.append((pl.col(c["name"]) == level).fill_null(False).cast(pl.Float32).alias(f"{c['name']}={level}"))
        if c["hasMissingLevel"]:
            exprs.append(pl.col(c["name"]).is_null().cast(pl.Float32).alias(f"{c['name']}=<missing>"))
    X = df.select(exprs).to_numpy()
    p = booster.inplace_predict(np.ascontiguousarray(X, dtype=np.float32)).astype(np.float64)
    out = pl.DataFrame({
        "customer_id": df["customer_id"],
        "churn_probability": p,
        "churn_prediction": (p >= artifact["threshold"]).astype(np.int8),
    }).with_columns(pl.lit("unregistered").alias("model_version"))
    out.write_csv(args.output)


if __name__ == "__main__":
    main()
