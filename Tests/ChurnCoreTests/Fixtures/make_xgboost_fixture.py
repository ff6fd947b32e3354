#!/usr/bin/env python3
"""Generate the Python-XGBoost golden fixture used by XGBoostTests.swift.

This script is NOT run by CI. It was run once and its output is committed:

    Tests/ChurnCoreTests/Fixtures/xgboost_expected.json

What it proves: a booster that churnd trained, taken out of churnd's artifact, loads in Python with
`xgboost.Booster(model_file=...)` and predicts the same probabilities as churnd on the same encoded rows.

Steps:
  1. `churnd train` on sklearn_lr_train.csv (the scikit-learn fixture's 1,500 rows, with missing values)
     with only the xgboost family and nthread = 2 (see CONFIG below). churnd writes model.json (the
     artifact) and model.xgb.json (the booster in XGBoost's JSON model format).
  2. Python encodes every CSV row from the artifact's "preprocessing" with numpy alone (median imputation,
     (x - mean) * (1 / std), one-hot in the artifact's level order), loads model.xgb.json with
     xgboost.Booster(model_file=...), and predicts.
  3. Writes the booster JSON, the encoded matrix, the labels, the preprocessing and Python's probabilities.

The Swift test loads the committed booster through churnd's wrapper and compares probabilities on the
committed matrix (1e-6), checks that churnd's own encoding of the CSV gives the committed matrix, that the
Scorer reproduces Python's probabilities from the CSV, and that retraining with the same config reproduces
the booster's predictions.

How to re-run (from the repository root, after `swift build`):

    python3 -m venv /tmp/fixture-venv
    /tmp/fixture-venv/bin/pip install numpy pandas "xgboost-cpu==2.1.1"
    /tmp/fixture-venv/bin/python Tests/ChurnCoreTests/Fixtures/make_xgboost_fixture.py [path/to/churnd]

(`xgboost-cpu`, not `xgboost`, which pulls a multi-GB CUDA build; 2.1.1 is the oldest xgboost-cpu on PyPI.
churnd links the system's XGBoost 1.7; newer Pythons read 1.7 JSON models.)
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
import xgboost

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CSV_PATH = os.path.join(HERE, "sklearn_lr_train.csv")
EXPECTED_PATH = os.path.join(HERE, "xgboost_expected.json")

# Kept in sync with XGBoostTests.fixtureConfig.
CONFIG = """\
[training]
seed = 7
families = ["xgboost"]

[xgboost]
nthread = 2
max_depth = 4
rounds = 60
"""


def encode(df, preprocessing):
    """The artifact's preprocessing, in numpy, independent of churnd's Swift code."""
    cols = []
    for feature in preprocessing["numeric"]:
        x = df[feature["name"]].to_numpy(dtype=float)
        x = np.where(np.isnan(x), feature["median"], x)
        cols.append((x - feature["mean"]) * (1.0 / feature["std"]))
    for feature in preprocessing["categorical"]:
        v = df[feature["name"]].to_numpy(dtype=object)
        for level in feature["levels"]:
            cols.append((v == level).astype(float))
        if feature["hasMissingLevel"]:
            cols.append(pd.isna(df[feature["name"]]).to_numpy().astype(float))
    return np.column_stack(cols)


def main():
    churnd = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "churnd")
    with tempfile.TemporaryDirectory() as tmp:
        config_path = os.path.join(tmp, "churnd.toml")
        with open(config_path, "w") as f:
            f.write(CONFIG)
        out = os.path.join(tmp, "model")
        subprocess.run([churnd, "train", "--root", tmp, "--config", config_path, "--data", CSV_PATH, "--out", out],
                       check=True, stdout=sys.stderr)
        with open(os.path.join(out, "model.json")) as f:
            artifact = json.load(f)
        booster_path = os.path.join(out, "model.xgb.json")
        with open(booster_path) as f:
            booster_json = f.read()
        assert artifact["family"] == "xgboost"
        assert artifact["xgboost"]["booster"] == booster_json

        df = pd.read_csv(CSV_PATH, keep_default_na=False, na_values=[""],
                         dtype={"customer_id": str, "plan_type": str, "region": str})
        x = encode(df, artifact["preprocessing"])
        booster = xgboost.Booster(model_file=booster_path)
        names = booster.feature_names
        assert names is not None and len(names) == x.shape[1], names
        probabilities = booster.predict(xgboost.DMatrix(x, feature_names=names))
        inplace = booster.inplace_predict(x)
        assert np.max(np.abs(probabilities - inplace)) == 0.0

    out = {
        "xgboost_version": xgboost.__version__,
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "churnd_config": CONFIG,
        "churnd_xgboost_library": artifact["xgboost"]["libraryVersion"],
        "best_iteration": artifact["xgboost"]["bestIteration"],
        "threshold": artifact["threshold"],
        "feature_names": names,
        "preprocessing": artifact["preprocessing"],
        "booster": booster_json,
        "labels": [int(v) for v in df["churn"]],
        "encoded": [[float(v) for v in row] for row in x],
        "probabilities": [float(p) for p in probabilities],
    }
    with open(EXPECTED_PATH, "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"xgboost {xgboost.__version__}  churnd's library {out['churnd_xgboost_library']}  "
          f"best iteration {out['best_iteration']}  rows {x.shape[0]}  width {x.shape[1]}  "
          f"mean p {float(np.mean(probabilities)):.6f}  bytes {os.path.getsize(EXPECTED_PATH)}")


if __name__ == "__main__":
    sys.exit(main())
