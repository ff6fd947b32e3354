"""Shared definitions for the Python baselines (column names, CSV reading).

The churn CSV header is
    customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region[,churn]

`region` contains the literal string "NA" (North America); it must not be read
as missing, so only the empty string counts as missing.
"""

ID_COL = "customer_id"
NUMERIC = ["tenure_months", "num_complaints", "avg_session_minutes"]
CATEGORICAL = ["plan_type", "region"]
LABEL = "churn"
OUTPUT_COLUMNS = ["customer_id", "churn_probability", "churn_prediction", "model_version"]
MODEL_VERSION = "sklearn-baseline"


def read_csv_pandas(path):
    """Read a churn CSV with pandas: "NA" stays a string, "" is missing.

    engine="pyarrow" (pandas' multithreaded reader) reads a 1M-row file about
    2-3x faster than the default C engine on the bench machine, same frame.
    pandas is imported here, not at the top: the polars baseline imports this
    module for the column names and must not pay pandas' import (~1.5 s).
    """
    import pandas as pd

    df = pd.read_csv(
        path,
        engine="pyarrow",
        dtype={ID_COL: str, **{c: "float64" for c in NUMERIC}, **{c: str for c in CATEGORICAL}},
        keep_default_na=False,
        na_values=[""],
    )
    # OneHotEncoder is happiest with plain object columns holding str / NaN,
    # whatever string dtype this pandas version picks by default.
    for col in CATEGORICAL:
        df[col] = df[col].astype(object)
    return df
