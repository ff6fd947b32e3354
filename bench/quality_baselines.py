"""The Python pipelines churnd is compared with in bench/quality.sh, on one data set written by quality_data.py.

A careful data scientist's notebook, on the same 80 % (train.csv) and judged on the same 20 % (test.csv):
the same preprocessing as churnd (numerics: median imputation and standardisation; categoricals: one-hot
with missing as its own level, unknown levels as all zeros), fitted inside every fold, and

- lr:        scikit-learn LogisticRegression (C = 1), threshold = best F1 of 5-fold out-of-fold predictions;
- xgb:       XGBoost (hist, depth 6, eta 0.1) with the rounds chosen by xgboost.cv (5 folds, early stopping
             20 on log loss), threshold tuned the same way;
- xgb_grid:  XGBoost after a grid search (GridSearchCV, 5 folds, log loss) over max_depth (3, 6),
             min_child_weight (1, 5), subsample (0.8, 1) and learning rate × rounds (0.1 × 100, 0.03 × 300):
             16 settings, threshold tuned the same way.

Each pipeline is refit on all of train.csv. Prints one JSON object: per pipeline the held-out F1, the
threshold and the seconds it took.

Usage: python quality_baselines.py DIR [--seed 0]
"""

import json
import os
import sys
import time
import tomllib
import warnings

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore")
NTHREAD = int(os.environ.get("NTHREAD", "2"))


def best_threshold(probabilities, labels):
    """The threshold among the scores with the best F1 (positive when score ≥ threshold)."""
    order = np.argsort(-probabilities, kind="stable")
    p = probabilities[order]
    y = labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    positives = y.sum()
    last = np.r_[p[1:] != p[:-1], True]  # the last row of each run of equal scores
    f1 = 2 * tp / (2 * tp + fp + (positives - tp))
    f1 = np.where(last, f1, -1)
    best = int(np.argmax(f1))
    return float(p[best]), float(f1[best])


def preprocessing(numeric, categorical):
    return ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
            (
                "cat",
                Pipeline(
                    [
                        ("fill", SimpleImputer(strategy="constant", fill_value="<missing>")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical,
            ),
        ]
    )


def main():
    directory = sys.argv[1]
    seed = 0
    with open(os.path.join(directory, "churnd.toml"), "rb") as f:
        schema = tomllib.load(f)["schema"]
    numeric, categorical = schema["numeric"], schema["categorical"]
    label, positive = schema["label"], schema["positive"][0]
    types = {c: str for c in categorical}
    train = pd.read_csv(os.path.join(directory, "train.csv"), dtype=types, keep_default_na=False, na_values=[""])
    test = pd.read_csv(os.path.join(directory, "test.csv"), dtype=types, keep_default_na=False, na_values=[""])
    for frame in (train, test):
        for c in categorical:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), np.nan)
    features = numeric + categorical
    x, y = train[features], (train[label].astype(str) == positive).astype(int).to_numpy()
    xt, yt = test[features], (test[label].astype(str) == positive).astype(int).to_numpy()
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    results = {}

    def finish(name, model, started):
        oof = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
        threshold, oof_f1 = best_threshold(oof, y)
        model.fit(x, y)
        probabilities = model.predict_proba(xt)[:, 1]
        results[name] = {
            "f1": float(f1_score(yt, (probabilities >= threshold).astype(int))),
            "threshold": threshold,
            "oof_f1": oof_f1,
            "seconds": time.perf_counter() - started,
        }

    started = time.perf_counter()
    lr = Pipeline([("prep", preprocessing(numeric, categorical)), ("model", LogisticRegression(C=1.0, max_iter=5000))])
    finish("lr", lr, started)

    started = time.perf_counter()
    # Rounds by xgboost.cv on the encoded rows (encoding fitted on all of train: only for counting rounds).
    encoded = preprocessing(numeric, categorical).fit_transform(x)
    params = {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.1,
        "seed": seed,
        "nthread": NTHREAD,
    }
    history = xgb.cv(
        params,
        xgb.DMatrix(encoded, label=y),
        num_boost_round=300,
        nfold=5,
        stratified=True,
        early_stopping_rounds=20,
        seed=seed,
    )
    rounds = len(history)
    model = Pipeline(
        [
            ("prep", preprocessing(numeric, categorical)),
            (
                "model",
                xgb.XGBClassifier(
                    n_estimators=rounds,
                    max_depth=6,
                    learning_rate=0.1,
                    tree_method="hist",
                    random_state=seed,
                    n_jobs=NTHREAD,
                ),
            ),
        ]
    )
    finish("xgb", model, started)
    results["xgb"]["rounds"] = rounds

    started = time.perf_counter()
    common = {"model__max_depth": [3, 6], "model__min_child_weight": [1, 5], "model__subsample": [0.8, 1.0]}
    grid = [
        {**common, "model__learning_rate": [0.1], "model__n_estimators": [100]},
        {**common, "model__learning_rate": [0.03], "model__n_estimators": [300]},
    ]
    search = GridSearchCV(
        Pipeline(
            [
                ("prep", preprocessing(numeric, categorical)),
                ("model", xgb.XGBClassifier(tree_method="hist", random_state=seed, n_jobs=NTHREAD)),
            ]
        ),
        grid,
        scoring="neg_log_loss",
        cv=folds,
        n_jobs=1,
    )
    search.fit(x, y)
    best = search.best_estimator_
    finish("xgb_grid", best, started)
    results["xgb_grid"]["params"] = {k.replace("model__", ""): v for k, v in search.best_params_.items()}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
