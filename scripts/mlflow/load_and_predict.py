#!/usr/bin/env python3
"""Loads a registered churnd model with mlflow.pyfunc and predicts a CSV file.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 scripts/mlflow/load_and_predict.py customers.csv \
        [--model-uri models:/churn_model@production] [--id customer_id] [-o predictions.csv]

Writes id,churn_probability,churn_prediction (probabilities with 17 significant digits; `churnd score`
prints 6 decimals of the same numbers). Fields are read as text, as churnd reads them.
"""
import argparse
import os
import sys

import mlflow
import pandas as pd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI"))
    parser.add_argument("--model-uri", default="models:/churn_model@production")
    parser.add_argument("--id", default="customer_id")
    parser.add_argument("-o", "--output")
    args = parser.parse_args()
    if args.tracking_uri:
        mlflow.set_tracking_uri(args.tracking_uri)
    model = mlflow.pyfunc.load_model(args.model_uri)
    frame = pd.read_csv(args.csv, dtype=str, keep_default_na=False)
    predictions = model.predict(frame)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    ids = frame[args.id].tolist() if args.id in frame.columns else range(len(frame))
    out.write(f"{args.id},churn_probability,churn_prediction\n")
    for identifier, probability, prediction in zip(
        ids, predictions["churn_probability"].tolist(), predictions["churn_prediction"].tolist()
    ):
        out.write(f"{identifier},{probability:.17g},{prediction}\n")
    if out is not sys.stdout:
        out.close()
    print(f"predicted {len(frame)} rows with {args.model_uri}", file=sys.stderr)


if __name__ == "__main__":
    main()
