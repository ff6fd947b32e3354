#!/usr/bin/env python3
"""Baseline trainer: pandas + scikit-learn, same recipe as `churnd train`.

    baseline_train_sklearn.py DATA.csv [--split SPLIT.csv] [--model-out FILE.pkl]

Pipeline: ColumnTransformer(
    numerics     -> SimpleImputer(median) + StandardScaler,
    categoricals -> OneHotEncoder(handle_unknown="ignore"))
  -> LogisticRegression(C=1.0)   (default lbfgs solver, L2)

Split: with --split, the exact train/validation/test rows listed in a
`row,split` CSV (as written by `churnd train --write-split`); otherwise a
stratified 60/20/20 split with a fixed seed. The decision threshold is tuned
for max F1 on validation; metrics are reported on test, as JSON on stdout.
With --model-out, the fitted pipeline and threshold are pickled for the
scoring baselines.
"""

import argparse
import json
import os
import pickle
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import CATEGORICAL, LABEL, MODEL_VERSION, NUMERIC, read_csv_pandas  # noqa: E402

SEED = 42
# lbfgs' default max_iter=100 can stop short of the optimum; churnd solves the
# same objective to convergence, so give lbfgs room to get there too.
MAX_ITER = 1000


def build_pipeline(tol=None):
    numeric = Pipeline(
        [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
    )
    categorical = OneHotEncoder(handle_unknown="ignore")
    pre = ColumnTransformer(
        [("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)]
    )
    clf = LogisticRegression(C=1.0, max_iter=MAX_ITER)
    if tol is not None:
        clf.set_params(tol=tol)
    return Pipeline([("pre", pre), ("clf", clf)])


def split_indices(y, split_path):
    """Return (train, validation, test) row-index arrays."""
    n = len(y)
    if split_path:
        s = pd.read_csv(split_path, dtype={"row": np.int64, "split": str})
        if s["row"].min() < 0 or s["row"].max() >= n:
            sys.exit(f"error: {split_path}: row index out of range for {n} data rows")
        if s["row"].duplicated().any():
            sys.exit(f"error: {split_path}: duplicate row indices")
        unknown = set(s["split"]) - {"train", "validation", "test"}
        if unknown:
            sys.exit(f"error: {split_path}: unknown split names {sorted(unknown)}")
        parts = {
            name: np.sort(s.loc[s["split"] == name, "row"].to_numpy())
            for name in ("train", "validation", "test")
        }
        return parts["train"], parts["validation"], parts["test"]
    idx = np.arange(n)
    train, rest = train_test_split(idx, test_size=0.4, stratify=y, random_state=SEED)
    val, test = train_test_split(rest, test_size=0.5, stratify=y[rest], random_state=SEED)
    return np.sort(train), np.sort(val), np.sort(test)


def tune_threshold(y_true, proba):
    """Threshold maximising F1 on (y_true, proba); predict positive if p >= t."""
    precision, recall, thresholds = precision_recall_curve(y_true, proba)
    precision, recall = precision[:-1], recall[:-1]
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(denom), where=denom > 0)
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(f1[best])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("data", help="labeled churn CSV")
    ap.add_argument("--split", help="row,split CSV from `churnd train --write-split`")
    ap.add_argument("--model-out", help="pickle the fitted pipeline + threshold here")
    ap.add_argument("--tol", type=float, default=None,
                    help="lbfgs stopping tolerance (default: sklearn's, 1e-4); "
                         "1e-8 solves the objective to ~1e-6 in the coefficients")
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = read_csv_pandas(args.data)
    y = df[LABEL].to_numpy().astype(np.int64)
    X = df[NUMERIC + CATEGORICAL]
    t_read = time.perf_counter()

    tr, va, te = split_indices(y, args.split)
    pipe = build_pipeline(args.tol)
    pipe.fit(X.iloc[tr], y[tr])
    t_fit = time.perf_counter()

    threshold, val_f1 = tune_threshold(y[va], pipe.predict_proba(X.iloc[va])[:, 1])
    p_test = pipe.predict_proba(X.iloc[te])[:, 1]
    pred = (p_test >= threshold).astype(np.int64)
    y_test = y[te]
    t_end = time.perf_counter()

    clf = pipe.named_steps["clf"]
    summary = {
        "tool": "sklearn",
        "rows": {"total": int(len(y)), "train": int(len(tr)),
                 "validation": int(len(va)), "test": int(len(te))},
        "split": "file" if args.split else f"stratified-60/20/20-seed{SEED}",
        "threshold": threshold,
        "validation_f1": val_f1,
        "metrics": {
            "f1": float(f1_score(y_test, pred, zero_division=0)),
            "precision": float(precision_score(y_test, pred, zero_division=0)),
            "recall": float(recall_score(y_test, pred, zero_division=0)),
            "accuracy": float(accuracy_score(y_test, pred)),
            "roc_auc": float(roc_auc_score(y_test, p_test)),
            "log_loss": float(log_loss(y_test, p_test, labels=[0, 1])),
        },
        "n_iter": int(np.max(clf.n_iter_)),
        "tol": clf.tol,
        "seconds": {"read": round(t_read - t0, 4), "fit": round(t_fit - t_read, 4),
                    "total_in_process": round(t_end - t0, 4)},
    }

    if args.model_out:
        with open(args.model_out, "wb") as f:
            pickle.dump(
                {"pipeline": pipe, "threshold": threshold, "model_version": MODEL_VERSION,
                 "numeric": NUMERIC, "categorical": CATEGORICAL},
                f,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        summary["model_out"] = args.model_out

    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
