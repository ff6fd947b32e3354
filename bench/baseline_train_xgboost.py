#!/usr/bin/env python3
"""Python baseline for churnd's xgboost family: the same recipe, the same split, the same parameters.

Usage: baseline_train_xgboost.py DATA.csv --split SPLIT.csv [--nthread 2] [--rounds 300] [--early 20]

pandas read_csv; numerics median-imputed and standardised, categoricals one-hot (levels sorted), all fitted on
the train rows; xgboost.train (hist, depth 6, eta 0.1, early stopping on validation log loss); threshold with
the best F1 on validation; metrics on test. Prints one JSON object.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import xgboost as xgb

NUMERIC = ["tenure_months", "num_complaints", "avg_session_minutes"]
CATEGORICAL = ["plan_type", "region"]


def best_f1_threshold(p, y):
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    last = np.r_[ps[1:] != ps[:-1], True]  # end of each group of tied scores
    f1 = 2 * tp / (2 * tp + fp + (ys.sum() - tp))
    f1 = np.where(last, f1, -1)
    i = int(np.argmax(f1))
    return float(ps[i]), float(f1[i])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--split", required=True)
    ap.add_argument("--nthread", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--early", type=int, default=20)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    t0 = time.time()
    df = pd.read_csv(args.data, keep_default_na=False, na_values=[""],
                     dtype={"customer_id": str, "plan_type": str, "region": str})
    split = pd.read_csv(args.split)["split"].to_numpy()
    train, val, test = (split == "train"), (split == "validation"), (split == "test")
    cols = []
    for c in NUMERIC:
        x = df[c].to_numpy(dtype=float)
        med = np.median(x[train & ~np.isnan(x)])
        x = np.where(np.isnan(x), med, x)
        mu, sd = x[train].mean(), x[train].std()
        cols.append((x - mu) * (1 / (sd if sd > 1e-12 else 1.0)))
    for c in CATEGORICAL:
        v = df[c].to_numpy(dtype=object)
        for level in sorted(set(v[train])):
            cols.append((v == level).astype(float))
    X = np.column_stack(cols)
    y = (df["churn"].astype(str) == "1").to_numpy().astype(np.float32)
    del df
    params = {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist", "max_depth": 6,
              "eta": 0.1, "min_child_weight": 1.0, "subsample": 1.0, "colsample_bytree": 1.0, "lambda": 1.0,
              "max_bin": 256, "seed": args.seed, "nthread": args.nthread, "base_score": 0.5}
    dtrain = xgb.DMatrix(X[train], label=y[train], nthread=args.nthread)
    dval = xgb.DMatrix(X[val], label=y[val], nthread=args.nthread)
    booster = xgb.train(params, dtrain, args.rounds, evals=[(dval, "validation")],
                        early_stopping_rounds=args.early, verbose_eval=False)
    rng = (0, booster.best_iteration + 1)
    pv = booster.predict(dval, iteration_range=rng).astype(float)
    threshold, vf1 = best_f1_threshold(pv, y[val])
    pt = booster.predict(xgb.DMatrix(X[test], nthread=args.nthread), iteration_range=rng).astype(float)
    yt = y[test]
    pred = pt >= threshold
    tp = int(np.sum(pred & (yt == 1)))
    fp = int(np.sum(pred & (yt == 0)))
    fn = int(np.sum(~pred & (yt == 1)))
    print(json.dumps({
        "xgboost": xgb.__version__, "best_iteration": booster.best_iteration, "threshold": threshold,
        "validation_f1": vf1, "metrics": {"f1": 2 * tp / (2 * tp + fp + fn)}, "seconds": time.time() - t0,
    }))


if __name__ == "__main__":
    main()
