#!/usr/bin/env python3
"""Several machines on one MLflow, on this machine: scorer throughput with one vs two scorers on one shared
inbox, and the scorers' alias-follow latency (a move in MLflow -> the first file a scorer scores with it).

Run with the tests' Python (scripts/install-deps --test makes .venv-test/ with mlflow):

    .venv-test/bin/python bench/cluster.py [--churnd .build/release/churnd] [--files 1000] [--rows 200]
                                           [--rounds 3] [--moves 10] [--keep]

It starts its own `mlflow server` (SQLite store, --artifacts-destination), trains two versions with
`churnd train` on a trainer root, and starts scorers (`[cluster] role = "scorer"`, `shared_inbox = true`) on
their own roots sharing one inbox. Throughput: FILES files of ROWS rows are renamed into the inbox at once and
timed until every one is scored; rounds alternate one scorer (A) and two (A and B), so both see the same
machine load. Latency: the alias is moved MOVES times between the two versions while a file is dropped every
50 ms. The load average is printed beside the figures.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from mlflow import MlflowClient

from alias_follow import follow_latencies, free_port, loadavg, stop_server, summary


def scored(outboxes):
    return sum(1 for o in outboxes if os.path.isdir(o) for n in os.listdir(o) if n.endswith(".scored.csv"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--churnd", default=".build/release/churnd")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, registries) and print its path")
    args = parser.parse_args()
    churnd = os.path.abspath(args.churnd)
    bin_dir = os.path.dirname(sys.executable)
    work = tempfile.mkdtemp(prefix="churnd-cluster-bench-")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [f"{bin_dir}/mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{work}/mlflow.db", "--artifacts-destination", f"{work}/artifacts"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    scorers = {}
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"{uri}/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        trainer = f"{work}/trainer"
        os.makedirs(trainer)
        run = lambda *a: subprocess.run([churnd, *a], cwd=trainer, check=True, capture_output=True, text=True)
        run("init", ".")

        def configure(families):
            with open(f"{trainer}/churnd.toml", "w") as f:
                f.write(f'[training]\nfamilies = {families}\n[xgboost]\nnthread = 2\nrounds = 60\n'
                        f'[mlflow]\ntracking_uri = "{uri}"\n[registry]\nbackend = "mlflow"\n'
                        f'[cluster]\nrole = "trainer"\n')
        configure('["logistic_regression"]')
        run("gen-data", "--rows", "4000", "--seed", "3", "-o", "watch/data/a.csv")
        run("train")
        configure('["xgboost"]')
        run("gen-data", "--rows", "6000", "--seed", "4", "--interaction", "-o", "watch/data/b.csv")
        run("train")
        run("gen-data", "--rows", str(args.rows), "--seed", "1", "--unlabeled", "-o", "file.csv")
        run("gen-data", "--rows", "5", "--seed", "1", "--unlabeled", "-o", "five.csv")
        client = MlflowClient(uri)
        versions = {v.tags["churnd.model_version"]: v.version
                    for v in client.search_model_versions("name='churn_model'")}
        client.set_registered_model_alias("churn_model", "production", versions["1"])

        inbox = f"{work}/shared/inbox"
        os.makedirs(inbox)
        roots = {}
        for node in ["a", "b"]:
            root = f"{work}/scorer-{node}"
            os.makedirs(root)
            with open(f"{root}/churnd.toml", "w") as f:
                f.write(f'[paths]\ninbox = "{inbox}"\n[mlflow]\ntracking_uri = "{uri}"\n'
                        f'[registry]\nbackend = "mlflow"\n[cluster]\nrole = "scorer"\nnode = "{node}"\n'
                        f'shared_inbox = true\n[http]\nlisten = ""\n[drift]\nsample_rows_per_file = 0\n')
            roots[node] = root

        def start(node):
            log = f"{work}/scorer-{node}.log"
            process = subprocess.Popen([churnd, "run", "--root", roots[node]], stdout=subprocess.DEVNULL,
                                       stderr=open(log, "a"))
            deadline = time.time() + 120
            while time.time() < deadline:
                text = open(log).read()
                if " ready " in text and "followed MLflow" in text:
                    break
                time.sleep(0.2)
            scorers[node] = process

        def stop(node):
            process = scorers.pop(node)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)

        outboxes = [f"{roots[n]}/outbox" for n in roots]
        start("a")
        staging = f"{work}/shared/staging"
        os.makedirs(staging)
        results = {1: [], 2: []}
        for round_ in range(args.rounds):
            for count in [1, 2]:
                if count == 2:
                    start("b")
                for i in range(args.files):
                    shutil.copy(f"{trainer}/file.csv", f"{staging}/r{round_}-{count}-{i}.csv")
                before = scored(outboxes)
                t0 = time.time()
                for i in range(args.files):
                    os.rename(f"{staging}/r{round_}-{count}-{i}.csv", f"{inbox}/r{round_}-{count}-{i}.csv")
                while scored(outboxes) - before < args.files:
                    time.sleep(0.02)
                seconds = time.time() - t0
                results[count].append(args.files / seconds)
                print(f"round {round_ + 1}, {count} scorer(s): {args.files} files x {args.rows} rows in "
                      f"{seconds:.2f} s = {args.files / seconds:.0f} files/s  (load {loadavg()})", flush=True)
                if count == 2:
                    stop("b")

        one, two = statistics.median(results[1]), statistics.median(results[2])
        print(f"scorer throughput, median of {args.rounds} paired rounds: one scorer {one:.0f} files/s, "
              f"two scorers {two:.0f} files/s, ratio {two / one:.2f}")

        # Alias-follow latency of the scorers (both running).
        start("b")
        latencies, calls = follow_latencies(
            client, versions, ["2" if i % 2 == 0 else "1" for i in range(args.moves)], f"{trainer}/five.csv",
            staging, inbox, outboxes)
        print("each move, in order (s): " + " ".join(f"{x:.3f}" for x in latencies))
        print(f"scorer alias follow (MLflow move -> first file scored with the new version), {len(latencies)} moves "
              f"(the first includes fetching v2):")
        print(summary(latencies, calls))
        print(f"load average: {loadavg()}")
    finally:
        for node in list(scorers):
            stop(node)
        stop_server(server)
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
