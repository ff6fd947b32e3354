"""Shared by bench/mlflow_alias_follow.py and bench/cluster.py: the MLflow move -> first-file-scored latency.

Files are dropped into an inbox every 50 ms while `production` is moved in MLflow between two versions; a move's
latency is the time from the move to the first file dropped after it whose scored copy names the new version
(the scored file's mtime, so the script's polling does not count)."""
import os
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


def follow_latencies(client, versions, targets, csv, staging, inbox, outboxes, timeout=30):
    """Moves `production` to `versions[t]` for each t in `targets` (1.5 s apart) and returns each move's latency
    in seconds (inf when no file was scored with the new version within `timeout`), in order."""
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
    latencies = []
    try:
        for target in targets:
            time.sleep(1.5)
            start = time.time()
            client.set_registered_model_alias("churn_model", "production", versions[target])
            found = None
            while found is None and time.time() < start + timeout:
                time.sleep(0.05)
                found = first_scored_with(target, start)
            latencies.append(found if found is not None else float("inf"))
    finally:
        stop.set()
        thread.join()
    return latencies
