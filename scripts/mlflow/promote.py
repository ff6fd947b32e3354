#!/usr/bin/env python3
"""Points an alias of the registered model (default churn_model@production) at its newest version.

What the Python lab's promote.py does, with MLflow's own client. With [registry] backend = "mlflow",
churnd follows the move; without it, churnd's own registry is not changed.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 scripts/mlflow/promote.py [--model churn_model] [--alias production]
"""
import argparse
import os
import sys

from mlflow import MlflowClient


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI"))
    parser.add_argument("--model", default="churn_model")
    parser.add_argument("--alias", default="production")
    args = parser.parse_args()
    if not args.tracking_uri:
        sys.exit("promote.py: set MLFLOW_TRACKING_URI or pass --tracking-uri")
    client = MlflowClient(tracking_uri=args.tracking_uri)
    versions = client.search_model_versions(f"name='{args.model}'")
    if not versions:
        sys.exit(f"promote.py: {args.model} has no versions")
    newest = max(versions, key=lambda v: int(v.version))
    client.set_registered_model_alias(args.model, args.alias, newest.version)
    churnd = newest.tags.get("churnd.model_version", "?")
    print(f"{args.model}@{args.alias} -> version {newest.version} (churnd v{churnd})")


if __name__ == "__main__":
    main()
