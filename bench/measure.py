#!/usr/bin/env python3
"""Measurements for bench/latency.sh (standard library only).

  measure.py latency ROOT SAMPLE.csv N   drop N copies one at a time (rename into ROOT/inbox), time each
                                         until ROOT/outbox/<name>.scored.csv exists
  measure.py burst ROOT SAMPLE.csv N     rename N copies into the inbox at once, time until all are scored
  measure.py idle PID SECONDS            CPU used by PID over SECONDS, in percent of one core
"""
import os
import sys
import time


def wait_for(path, timeout=30.0):
    deadline = time.perf_counter() + timeout
    while not os.path.exists(path):
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.0001)


def latency(root, sample, count):
    data = open(sample, "rb").read()
    staging = os.path.join(root, "staging")
    os.makedirs(staging, exist_ok=True)
    samples = []
    for i in range(count):
        name = f"lat{i}"
        source = os.path.join(staging, name + ".csv")
        with open(source, "wb") as f:
            f.write(data)
        target = os.path.join(root, "outbox", name + ".scored.csv")
        start = time.perf_counter()
        os.rename(source, os.path.join(root, "inbox", name + ".csv"))
        wait_for(target)
        samples.append((time.perf_counter() - start) * 1000)
        time.sleep(0.02)
    samples.sort()
    p50 = samples[len(samples) // 2]
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {samples[-1]:.2f} ms  ({count} drops)")


def burst(root, sample, count):
    data = open(sample, "rb").read()
    staging = os.path.join(root, "staging")
    os.makedirs(staging, exist_ok=True)
    for i in range(count):
        with open(os.path.join(staging, f"burst{i}.csv"), "wb") as f:
            f.write(data)
    outbox = os.path.join(root, "outbox")
    before = sum(1 for n in os.listdir(outbox) if n.startswith("burst") and n.endswith(".scored.csv"))
    start = time.perf_counter()
    for i in range(count):
        os.rename(os.path.join(staging, f"burst{i}.csv"), os.path.join(root, "inbox", f"burst{i}.csv"))
    deadline = start + 120
    while True:
        done = sum(1 for n in os.listdir(outbox) if n.startswith("burst") and n.endswith(".scored.csv")) - before
        if done >= count:
            break
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out: {done} of {count} scored")
        time.sleep(0.005)
    print(f"{count} files in {time.perf_counter() - start:.2f} s")


def idle(pid, seconds):
    def ticks():
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    hz = os.sysconf("SC_CLK_TCK")
    before = ticks()
    time.sleep(seconds)
    used = (ticks() - before) / hz
    print(f"{100 * used / seconds:.3f} % CPU over {seconds:.0f} s idle")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "latency":
        latency(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "burst":
        burst(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "idle":
        idle(int(sys.argv[2]), float(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
