#!/usr/bin/env python3
"""Generate the scikit-learn golden fixtures used by the ChurnCore Swift tests.

This script is NOT run by CI. It was run once and its outputs are committed:

    Tests/ChurnCoreTests/Fixtures/sklearn_lr_train.csv       (training data, 1,500 rows)
    Tests/ChurnCoreTests/Fixtures/sklearn_lr_expected.json   (preprocessing stats, model, probs, metrics)
    Tests/ChurnCoreTests/Fixtures/sklearn_metrics_ties.json  (ROC AUC / F1 edge cases with tied scores)

How to re-run (from the repository root, with a throwaway venv outside the repo):

    python3 -m venv /tmp/fixture-venv
    /tmp/fixture-venv/bin/pip install numpy scikit-learn pandas
    /tmp/fixture-venv/bin/python Tests/ChurnCoreTests/Fixtures/make_sklearn_fixture.py

Output is deterministic for a given numpy version (numpy.random.default_rng(20261123));
the fitted numbers can differ in the last few digits between scikit-learn versions.
The committed files were produced with the versions recorded in sklearn_lr_expected.json.

Preprocessing spec (mirrored by the Swift implementation):
  * Numeric columns, in order: tenure_months, num_complaints, avg_session_minutes.
    Empty field -> median of the column's non-missing values (numpy.median: mean of the
    two middle values for an even count). Then standardise with the mean and the
    POPULATION std (ddof=0) of the imputed column; if std == 0 use 1.
  * Categorical columns, in order: plan_type, region. One-hot, levels sorted by Unicode
    code point (Python sorted()), no dropped level, no scaling.
    plan_type -> basic, premium ; region -> AF, AS, EU, NA  ("NA" = North America, not missing).
  * Feature order: 3 standardised numerics, plan_type=basic, plan_type=premium,
    region=AF, region=AS, region=EU, region=NA.
Model: LogisticRegression(C=1.0, L2, fit_intercept=True); objective
  sum_i logloss_i + 0.5*||w||^2, intercept not penalised; fitted with newton-cg tol=1e-12,
  cross-checked against newton-cholesky and a plain numpy Newton solve (agree to 1e-10).
  (lbfgs is only checked to 1e-5: sklearn's fixed ftol=64*eps stops it early, ~2e-7 off.)
"""

import csv
import io
import json
import os
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, f1_score, log_loss, precision_score,
                             recall_score, roc_auc_score)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
CSV_PATH = os.path.join(HERE, "sklearn_lr_train.csv")
EXPECTED_PATH = os.path.join(HERE, "sklearn_lr_expected.json")
TIES_PATH = os.path.join(HERE, "sklearn_metrics_ties.json")

SEED = 20261123
N_ROWS = 1500
MISSING_RATE = 0.02
NUMERIC = ["tenure_months", "num_complaints", "avg_session_minutes"]
CATEGORICAL = ["plan_type", "region"]
HEADER = ["customer_id"] + NUMERIC + CATEGORICAL + ["churn"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------- data
def generate_csv():
    rng = np.random.default_rng(SEED)
    n = N_ROWS
    tenure = rng.integers(1, 60, size=n)                       # uniform 1..59
    complaints = rng.poisson(1.2, size=n)
    session = np.round(np.clip(rng.normal(35.0, 12.0, size=n), 1.0, 120.0), 2)
    plan = rng.choice(["basic", "premium"], size=n, p=[0.72, 0.28])
    region = rng.choice(["NA", "EU", "AF", "AS"], size=n, p=[0.25, 0.30, 0.25, 0.20])
    logit = (1.2 + 0.55 * complaints - 0.03 * tenure - 0.02 * session
             - 0.35 * (plan == "premium") - 0.05 * (region == "EU") + 0.08 * (region == "AF"))
    churn = (rng.random(n) < sigmoid(logit)).astype(int)
    # ~2% of each numeric column blanked out (independent masks, seeded).
    missing = {c: rng.random(n) < MISSING_RATE for c in NUMERIC}

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for i in range(n):
        t = "" if missing["tenure_months"][i] else str(int(tenure[i]))
        c = "" if missing["num_complaints"][i] else str(int(complaints[i]))
        s = "" if missing["avg_session_minutes"][i] else "%.2f" % session[i]
        w.writerow([f"C{i + 1:06d}", t, c, s, plan[i], region[i], int(churn[i])])
    with open(CSV_PATH, "w", newline="", encoding="utf-8") as f:
        f.write(buf.getvalue())


def read_csv():
    df = pd.read_csv(CSV_PATH, keep_default_na=False, na_values=[""],
                     dtype={"customer_id": str, "plan_type": str, "region": str})
    assert list(df.columns) == HEADER
    assert len(df) == N_ROWS
    for c in CATEGORICAL:
        assert df[c].notna().all(), c
    assert set(df["region"]) == {"NA", "EU", "AF", "AS"}, set(df["region"])
    assert set(df["plan_type"]) == {"basic", "premium"}
    assert df["churn"].notna().all()
    return df


# ------------------------------------------------------------------ preprocessing
def preprocess_numpy(df):
    """Reference implementation of the spec in plain numpy."""
    cols, names = [], []
    medians, means, stds = {}, {}, {}
    for c in NUMERIC:
        x = df[c].to_numpy(dtype=float)
        med = float(np.median(x[~np.isnan(x)]))
        xi = np.where(np.isnan(x), med, x)
        mu = float(np.mean(xi))
        sd = float(np.std(xi, ddof=0))
        if sd == 0.0:
            sd = 1.0
        medians[c], means[c], stds[c] = med, mu, sd
        cols.append((xi - mu) / sd)
        names.append(c)
    for c in CATEGORICAL:
        v = df[c].to_numpy(dtype=object)
        for level in sorted(set(v)):
            cols.append((v == level).astype(float))
            names.append(f"{c}={level}")
    return np.column_stack(cols), names, medians, means, stds


def preprocess_sklearn(df):
    ct = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
        ("cat", OneHotEncoder(categories=[sorted(set(df[c])) for c in CATEGORICAL],
                              sparse_output=False), CATEGORICAL),
    ])
    return ct.fit_transform(df), ct


# ------------------------------------------------------------------------ model
def make_lr(solver):
    kw = dict(C=1.0, fit_intercept=True, solver=solver, tol=1e-12, max_iter=100000)
    major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        kw["l1_ratio"] = 0.0          # 'penalty' deprecated in 1.8; l1_ratio=0 == pure L2
    else:
        kw["penalty"] = "l2"
    return LogisticRegression(**kw)


def newton_reference(X, y, iters=100):
    """Minimise sum logloss + 0.5*||w||^2 (intercept unpenalised) with plain Newton."""
    Xa = np.column_stack([X, np.ones(len(X))])
    beta = np.zeros(Xa.shape[1])
    reg = np.ones(Xa.shape[1])
    reg[-1] = 0.0
    for _ in range(iters):
        p = sigmoid(Xa @ beta)
        g = Xa.T @ (p - y) + reg * beta
        H = (Xa * (p * (1 - p))[:, None]).T @ Xa + np.diag(reg)
        step = np.linalg.solve(H, g)
        beta -= step
        if np.max(np.abs(step)) < 1e-15:
            break
    return beta[:-1], beta[-1]


def gradient_norm(X, y, coef, intercept):
    p = sigmoid(X @ coef + intercept)
    g = np.concatenate([X.T @ (p - y) + coef, [np.sum(p - y)]])
    return float(np.max(np.abs(g)))


# ---------------------------------------------------------------- metrics fixture
def best_f1(labels, scores):
    """Max F1 over thresholds t in distinct scores, predict 1 iff score >= t.
    Ties in F1 (compared exactly as fractions) -> prefer the LARGER threshold."""
    best_t, best_frac = None, None
    for t in sorted(set(scores.tolist())):           # ascending, so '>=' keeps the larger t
        pred = scores >= t
        tp = int(np.sum(pred & (labels == 1)))
        fp = int(np.sum(pred & (labels == 0)))
        fn = int(np.sum(~pred & (labels == 1)))
        frac = Fraction(2 * tp, 2 * tp + fp + fn) if (2 * tp + fp + fn) else Fraction(0)
        sk = f1_score(labels, pred.astype(int), zero_division=0)
        assert abs(sk - float(frac)) < 1e-15
        if best_frac is None or frac >= best_frac:
            best_t, best_frac = t, frac
    return best_t, best_frac


def f1_tie_count(labels, scores):
    """Number of distinct thresholds achieving the maximum F1 (exact)."""
    fr = []
    for t in sorted(set(scores.tolist())):
        pred = scores >= t
        tp = int(np.sum(pred & (labels == 1)))
        fp = int(np.sum(pred & (labels == 0)))
        fn = int(np.sum(~pred & (labels == 1)))
        fr.append(Fraction(2 * tp, 2 * tp + fp + fn))
    return sum(1 for f in fr if f == max(fr))


def metrics_case(name, description, labels, scores):
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    assert 0 < labels.sum() < len(labels)
    pred = (scores >= 0.5).astype(int)
    bt, bf = best_f1(labels, scores)
    return {
        "name": name,
        "description": description,
        "labels": [int(v) for v in labels],
        "scores": [float(v) for v in scores],
        "roc_auc": float(roc_auc_score(labels, scores)),
        "threshold": 0.5,
        "f1": float(f1_score(labels, pred, zero_division=0)),
        "precision": float(precision_score(labels, pred, zero_division=0)),
        "recall": float(recall_score(labels, pred, zero_division=0)),
        "accuracy": float(accuracy_score(labels, pred)),
        "best_f1_threshold": float(bt),
        "best_f1": float(bf),
        "best_f1_num_tied_thresholds": f1_tie_count(labels, scores),
    }


def make_ties_fixture():
    rng = np.random.default_rng(SEED + 1)
    cases = []

    # 1. Noisy scores rounded to one decimal: many ties, some spanning both classes.
    y = rng.integers(0, 2, size=40)
    s = np.round(np.clip(0.5 + 0.25 * (y - 0.5) + rng.normal(0, 0.2, size=40), 0, 1), 1)
    cases.append(metrics_case("rounded_noisy", "scores rounded to 1 decimal, ties across classes", y, s))

    # 2. Only three distinct score values; 0.5 itself is a score (tests '>=').
    y = rng.integers(0, 2, size=40)
    s = np.where(y == 1, rng.choice([0.2, 0.5, 0.8], size=40, p=[0.2, 0.3, 0.5]),
                 rng.choice([0.2, 0.5, 0.8], size=40, p=[0.5, 0.3, 0.2]))
    cases.append(metrics_case("three_levels", "only 3 distinct scores {0.2,0.5,0.8}; score == 0.5 predicts 1", y, s))

    # 3. Constructed so that the maximum F1 is reached at two thresholds (exact tie):
    #    must report the larger threshold.
    for _ in range(100000):
        y = rng.integers(0, 2, size=40)
        s = np.round(np.clip(0.45 + 0.2 * (y - 0.5) + rng.normal(0, 0.25, size=40), 0, 1), 1)
        if 0 < y.sum() < 40 and f1_tie_count(y, s) >= 2:
            break
    else:
        raise RuntimeError("no F1-tie case found")
    cases.append(metrics_case("best_f1_tie", "max F1 achieved at >=2 thresholds; larger threshold wins", y, s))

    # 4. All scores below 0.5: no predicted positives at the fixed threshold
    #    (precision = 0 and f1 = 0 by sklearn zero_division=0 convention).
    y = rng.integers(0, 2, size=40)
    s = np.round(np.clip(0.25 + 0.1 * (y - 0.5) + rng.normal(0, 0.08, size=40), 0.0, 0.4), 1)
    cases.append(metrics_case("no_positive_predictions",
                              "all scores < 0.5; precision/f1 use zero_division=0", y, s))

    out = {
        "sklearn_version": sklearn.__version__,
        "rules": {
            "fixed_threshold": "predict 1 iff score >= 0.5",
            "zero_division": "precision (and f1) = 0 when there are no predicted positives",
            "best_f1": "max F1 over t in distinct score values, predict 1 iff score >= t; "
                       "on equal F1 (exact) prefer the larger t",
            "roc_auc": "sklearn.metrics.roc_auc_score (ties count 1/2)",
        },
        "cases": cases,
    }
    with open(TIES_PATH, "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    return out


# ------------------------------------------------------------------------- main
def main():
    generate_csv()
    df = read_csv()
    y = df["churn"].to_numpy(dtype=int)

    X, names, medians, means, stds = preprocess_numpy(df)
    expected_names = NUMERIC + ["plan_type=basic", "plan_type=premium",
                                "region=AF", "region=AS", "region=EU", "region=NA"]
    assert names == expected_names, names
    Xs, ct = preprocess_sklearn(df)
    assert Xs.shape == X.shape
    assert np.max(np.abs(Xs - X)) < 1e-12, np.max(np.abs(Xs - X))
    imp = ct.named_transformers_["num"].named_steps["simpleimputer"]
    sc = ct.named_transformers_["num"].named_steps["standardscaler"]
    assert np.allclose(imp.statistics_, [medians[c] for c in NUMERIC], rtol=0, atol=0)
    assert np.allclose(sc.mean_, [means[c] for c in NUMERIC], rtol=1e-14, atol=0)
    assert np.allclose(sc.scale_, [stds[c] for c in NUMERIC], rtol=1e-14, atol=0)

    # Reference fit: newton-cg, tol=1e-12. Cross-checked against newton-cholesky and a
    # plain numpy Newton solve (must agree to 1e-10). lbfgs is reported but NOT used:
    # sklearn passes ftol=64*eps to scipy's L-BFGS-B, which stops it (here after ~23
    # iterations) at |grad| ~1e-5 of the unscaled objective, i.e. coefficients only good
    # to ~2e-7, regardless of tol.
    lr = make_lr("newton-cg").fit(X, y)
    lr_c = make_lr("newton-cholesky").fit(X, y)
    lr_l = make_lr("lbfgs").fit(X, y)
    coef_ref, b_ref = newton_reference(X, y)

    def diff(c, b):
        return max(float(np.max(np.abs(lr.coef_[0] - c))), abs(float(lr.intercept_[0] - b)))

    d_chol = diff(lr_c.coef_[0], lr_c.intercept_[0])
    d_ref = diff(coef_ref, b_ref)
    d_lbfgs = diff(lr_l.coef_[0], lr_l.intercept_[0])
    print(f"max|newton-cg - newton-cholesky| = {d_chol:.3e}   max|newton-cg - numpy Newton| = {d_ref:.3e}   "
          f"max|newton-cg - lbfgs| = {d_lbfgs:.3e} (lbfgs n_iter={lr_l.n_iter_[0]})")
    print(f"grad max-abs (unscaled objective): newton-cg {gradient_norm(X, y, lr.coef_[0], lr.intercept_[0]):.3e}  "
          f"lbfgs {gradient_norm(X, y, lr_l.coef_[0], lr_l.intercept_[0]):.3e}")
    assert d_chol < 1e-10 and d_ref < 1e-10
    assert d_lbfgs < 1e-5

    proba = lr.predict_proba(X)[:, 1]
    assert np.max(np.abs(proba - sigmoid(X @ lr.coef_[0] + lr.intercept_[0]))) < 1e-14

    out = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "seed": SEED,
        "rows": int(len(df)),
        "positives": int(y.sum()),
        "missing_counts": {c: int(df[c].isna().sum()) for c in NUMERIC},
        "feature_names": names,
        "medians": medians,
        "means": means,
        "stds": stds,
        "model": "LogisticRegression(C=1.0, L2 (l1_ratio=0), fit_intercept=True, solver='newton-cg', tol=1e-12, max_iter=100000)",
        "objective": "sum_i logloss_i + 0.5*||w||^2, intercept not penalised",
        "solver_agreement": {"newton_cholesky": d_chol, "numpy_newton": d_ref, "lbfgs": d_lbfgs},
        "intercept": float(lr.intercept_[0]),
        "coef": {n: float(v) for n, v in zip(names, lr.coef_[0])},
        "probabilities": [float(p) for p in proba],
        "roc_auc": float(roc_auc_score(y, proba)),
        "log_loss": float(log_loss(y, proba)),
    }
    with open(EXPECTED_PATH, "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, indent=1)   # json uses repr(float): shortest round-trip form
        f.write("\n")

    ties = make_ties_fixture()

    print(f"sklearn {sklearn.__version__}  numpy {np.__version__}  pandas {pd.__version__}")
    print(f"rows {len(df)}  positives {y.sum()} ({y.mean():.3f})  missing {out['missing_counts']}")
    print("medians", medians)
    print("means", means)
    print("stds", stds)
    print("intercept", out["intercept"])
    for k, v in out["coef"].items():
        print(f"  {k:22s} {v!r}")
    print("roc_auc", out["roc_auc"], "log_loss", out["log_loss"])
    for c in ties["cases"]:
        print(c["name"], {k: c[k] for k in ("roc_auc", "f1", "precision", "recall", "accuracy",
                                             "best_f1_threshold", "best_f1", "best_f1_num_tied_thresholds")})
    print("csv bytes", os.path.getsize(CSV_PATH))


if __name__ == "__main__":
    sys.exit(main())
