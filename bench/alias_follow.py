"""Shared by bench/mlflow_alias_follow.py and bench/cluster.py: the MLflow move -> first-file-scored latency.

Files are dropped into an inbox every 50 ms while `production` is moved in MLflow between two versions; a move's
latency is the time from the move to the first file dropped after it whose scored copy names the new version
(the scored file's mtime, so the script's polling does not count). A move is timed from the start of MLflow's
set-alias call, which under load can itself take a second or more: the call's own time is reported beside the
latencies, so that what churnd adds can be told from what MLflow takes."""
import os
import signal
import statistics
import subprocess
import shutil
import socket
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().strip()


def quantile(ordered, p):
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def stop_server(server):
    """Stops an `mlflow server` started with start_new_session=True: its whole process group (its job runners
    outlive it otherwise), by force when it does not stop within 30 s."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def summary(latencies, calls):
    """Two lines: the latencies' quantiles, and the set-alias calls' own time."""
    ordered, calls = sorted(latencies), sorted(calls)
    q = lambda xs, p: quantile(xs, p)
    return (f"  p50 {statistics.median(ordered):.3f} s  p90 {q(ordered, 0.9):.3f} s  p99 {q(ordered, 0.99):.3f} s  "
            f"max {ordered[-1]:.3f} s\n"
            f"  MLflow's set-alias call itself (included above): p50 {statistics.median(calls):.3f} s  "
            f"max {calls[-1]:.3f} s")


def follow_latencies(client, versions, targets, csv, staging, inbox, outboxes, timeout=30):
    """Moves `production` to `versions[t]` for each t in `targets` (1.5 s apart) and returns, in order, each
    move's latency in seconds (inf when no file was scored with the new version within `timeout`) and the
    seconds MLflow took to answer the set-alias call."""
    stop = threading.Event()
    dropped = []  # (name, time dropped)

    def dropper():
        n = 0
        while not stop.is_set():
            name = f"f{n:06d}.csv"
            shutil.copy(csv, f"{staging}/{name}.part")
            os.rename(f"{staging}/{name}.part", f"{inbox}/{name}")
            dropped.append((name, time.time()))
            n += 1
            time.sleep(0.05)

    def first_scored_with(target, since):
        for name, at in list(dropped):
            if at < since:
                continue
            for outbox in outboxes:
                path = f"{outbox}/{name.replace('.csv', '.scored.csv')}"
                if os.path.exists(path):
                    with open(path) as f:
                        lines = f.read().splitlines()[1:]
                    if lines and lines[0].split(",")[-1] == target:
                        return os.stat(path).st_mtime - since
        return None

    thread = threading.Thread(target=dropper, daemon=True)
    thread.start()
    latencies, calls = [], []
    try:
        for target in targets:
            time.sleep(1.5)
            start = time.time()
            client.set_registered_model_alias("churn_model", "production", versions[target])
            calls.append(time.time() - start)
            found = None
            while found is None and time.time() < start + timeout:
                time.sleep(0.05)
                found = first_scored_with(target, start)
            latencies.append(found if found is not None else float("inf"))
    finally:
        stop.set()
        thread.join()
    return latencies, calls
