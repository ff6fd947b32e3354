#!/usr/bin/env python3
"""Alias-follow latency of `[registry] backend = "mlflow"`: from a move of churn_model@production in MLflow
(MlflowClient.set_registered_model_alias) to the first inbox file that churnd scores with the new version.

Run with the tests' Python (scripts/install-deps makes .venv-test/ with mlflow):

    .venv-test/bin/python bench/mlflow_alias_follow.py [--churnd .build/debug/churnd] [--moves 20] [--keep]

It starts its own `mlflow server` (SQLite store, --artifacts-destination) and `churnd run` on a temporary
root with two versions, drops a 5-row file into inbox/ every 50 ms, moves the alias MOVES times between the
two versions and prints p50/p90/p99/max of the latency, with the machine's load.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from mlflow import MlflowClient

from alias_follow import follow_latencies, free_port, loadavg, stop_server, summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--churnd", default=".build/debug/churnd")
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, registries) and print its path")
    args = parser.parse_args()
    churnd = os.path.abspath(args.churnd)
    bin_dir = os.path.dirname(sys.executable)
    work = tempfile.mkdtemp(prefix="churnd-alias-bench-")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [f"{bin_dir}/mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{work}/mlflow.db", "--artifacts-destination", f"{work}/artifacts"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    daemon = None
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"{uri}/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        root = f"{work}/root"
        os.makedirs(root)
        run = lambda *a: subprocess.run([churnd, *a], cwd=root, check=True, capture_output=True, text=True)
        run("init", ".")
        def configure(families):
            with open(f"{root}/churnd.toml", "w") as f:
                f.write(f'[training]\nfamilies = {families}\n[xgboost]\nnthread = 2\nrounds = 60\n'
                        f'[mlflow]\ntracking_uri = "{uri}"\n[registry]\nbackend = "mlflow"\n')
        configure('["logistic_regression"]')
        run("gen-data", "--rows", "4000", "--seed", "3", "-o", "watch/data/a.csv")
        run("train")
        configure('["xgboost"]')
        run("gen-data", "--rows", "6000", "--seed", "4", "--interaction", "-o", "watch/data/b.csv")
        run("train")
        run("gen-data", "--rows", "5", "--seed", "1", "-o", "five.csv")
        client = MlflowClient(uri)
        versions = {v.tags["churnd.model_version"]: v.version for v in client.search_model_versions("name='churn_model'")}
        daemon = subprocess.Popen([churnd, "run", "--root", root], stdout=subprocess.DEVNULL,
                                  stderr=open(f"{work}/daemon.log", "w"))
        time.sleep(5)
        latencies, calls = follow_latencies(
            client, versions, ["1" if i % 2 == 0 else "2" for i in range(args.moves)], f"{root}/five.csv", root,
            f"{root}/inbox", [f"{root}/outbox"])
        print(f"alias follow (MLflow move -> first file scored with the new version), {len(latencies)} moves:")
        print(summary(latencies, calls))
        print(f"  load average: {loadavg()}")
    finally:
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        stop_server(server)
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
