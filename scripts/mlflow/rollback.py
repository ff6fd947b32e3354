#!/usr/bin/env python3
"""Points an alias of the registered model (default churn_model@production) back at the version before it.

What the Python lab's rollback.py does, with MLflow's own client: the highest version below the one the
alias points at now.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 scripts/mlflow/rollback.py [--model churn_model] [--alias production]
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
        sys.exit("rollback.py: set MLFLOW_TRACKING_URI or pass --tracking-uri")
    client = MlflowClient(tracking_uri=args.tracking_uri)
    current = client.get_model_version_by_alias(args.model, args.alias)
    earlier = [
        v for v in client.search_model_versions(f"name='{args.model}'") if int(v.version) < int(current.version)
    ]
    if not earlier:
        sys.exit(f"rollback.py: {args.model}@{args.alias} is at version {current.version}, the first one")
    previous = max(earlier, key=lambda v: int(v.version))
    client.set_registered_model_alias(args.model, args.alias, previous.version)
    churnd = previous.tags.get("churnd.model_version", "?")
    print(f"{args.model}@{args.alias} -> version {previous.version} (churnd v{churnd}), was {current.version}")


if __name__ == "__main__":
    main()
