#!/usr/bin/env python3
"""Baseline for bench/latency.sh: what a careful team writes without churnd. A Python `watchdog` observer on
ROOT/inbox with a scikit-learn LogisticRegression fitted at start (pre-loaded), scoring each complete CSV
(closed after writing or renamed in) into ROOT/outbox/<stem>.scored.csv atomically, then moving the input to
ROOT/archive.

  baseline_watcher.py ROOT TRAINING.csv
"""
import csv
import os
import sys
import threading

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

NUMERIC = ["tenure_months", "num_complaints", "avg_session_minutes"]
CATEGORIES = {"plan_type": ["basic", "premium"], "region": ["NA", "EU", "AF", "AS"]}


def features(rows):
    x = np.array([[float(r[c]) for c in NUMERIC] for r in rows], dtype=float)
    onehot = [[1.0 if r[c] == level else 0.0 for c, levels in CATEGORIES.items() for level in levels] for r in rows]
    return x, np.array(onehot, dtype=float)


class Scorer(FileSystemEventHandler):
    def __init__(self, root, training):
        with open(training, newline="") as f:
            rows = list(csv.DictReader(f))
        numeric, onehot = features(rows)
        self.scaler = StandardScaler().fit(numeric)
        self.model = LogisticRegression(C=1.0, max_iter=1000)
        self.model.fit(np.hstack([self.scaler.transform(numeric), onehot]), [int(r["churn"]) for r in rows])
        self.root = root
        self.lock = threading.Lock()

    # watchdog reports a file renamed in from an unwatched folder as "created"; the baseline takes it as
    # complete (the bench only renames files in), which a real deployment could not.
    def on_created(self, event):
        if not event.is_directory:
            self.score(event.src_path)

    def on_closed(self, event):
        if not event.is_directory:
            self.score(event.src_path)

    def on_moved(self, event):
        if not event.is_directory:
            self.score(event.dest_path)

    def score(self, path):
        name = os.path.basename(path)
        if os.path.dirname(path) != os.path.join(self.root, "inbox") or name.startswith(".") or name.endswith((".tmp", ".part")):
            return
        with self.lock:
            try:
                with open(path, newline="") as f:
                    rows = list(csv.DictReader(f))
            except FileNotFoundError:
                return
            numeric, onehot = features(rows)
            p = self.model.predict_proba(np.hstack([self.scaler.transform(numeric), onehot]))[:, 1]
            stem = name[:-4] if name.lower().endswith(".csv") else name
            tmp = os.path.join(self.root, "outbox", f".{stem}.tmp")
            with open(tmp, "w") as out:
                out.write("customer_id,churn_probability,churn_prediction\n")
                for r, prob in zip(rows, p):
                    out.write(f"{r['customer_id']},{prob:.6f},{int(prob >= 0.5)}\n")
                out.flush()
                os.fsync(out.fileno())
            os.rename(tmp, os.path.join(self.root, "outbox", f"{stem}.scored.csv"))
            os.rename(path, os.path.join(self.root, "archive", name))


if __name__ == "__main__":
    root, training = sys.argv[1], sys.argv[2]
    for folder in ("inbox", "outbox", "archive"):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    handler = Scorer(root, training)
    observer = Observer()
    observer.schedule(handler, os.path.join(root, "inbox"), recursive=False)
    observer.start()
    print("ready", flush=True)
    try:
        observer.join()
    except KeyboardInterrupt:
        observer.stop()
