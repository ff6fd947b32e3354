#!/usr/bin/env python3
"""Measurements for bench/latency.sh (standard library only).

Every command that drops files takes one or more LABEL=ROOT watchers (ROOT holds inbox/ and outbox/) and
alternates between them, so that the ratios come from the same minutes of the same machine.

  measure.py latency SAMPLE.csv N LABEL=ROOT...
        N drops per watcher, one file at a time, the watchers taking turns (the order rotating each
        drop): rename a copy of SAMPLE into ROOT/inbox, time until ROOT/outbox/<name>.scored.csv exists.
  measure.py burst SAMPLE.csv N ROUNDS LABEL=ROOT...
        ROUNDS rounds; in each, every watcher in turn gets N copies renamed into its inbox at once, timed
        until all N are scored.
  measure.py idle SECONDS LABEL=PID...
        CPU used by each PID over the same SECONDS, in percent of one core.
  measure.py fsync DIR N
        write + fsync of a new 40 KB file in DIR, N times: p50 / p99 (the disk's floor for a durable drop).

Names are unique per call and per drop (a run id made of the UTC time and the pid, then a counter). Before a
drop, neither the input nor its output may exist yet; after, the output must hold exactly the sample's data
rows (plus a header). Any breach stops the measurement with an error instead of a meaningless figure.
"""
import os
import statistics
import sys
import time

RUN_ID = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid()}"


def fail(message):
    raise SystemExit(f"measure.py: error: {message}")


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def data_rows(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


class Watcher:
    def __init__(self, spec, sample):
        label, sep, root = spec.partition("=")
        if not sep or not label or not root:
            fail(f"expected LABEL=ROOT, got {spec!r}")
        self.label, self.root = label, root
        self.inbox, self.outbox = os.path.join(root, "inbox"), os.path.join(root, "outbox")
        self.staging = os.path.join(root, "staging")
        for folder in (self.inbox, self.outbox):
            if not os.path.isdir(folder):
                fail(f"{folder} is not a directory")
        os.makedirs(self.staging, exist_ok=True)
        with open(sample, "rb") as f:
            self.data = f.read()
        self.rows = self.data.count(b"\n") - 1 + (0 if self.data.endswith(b"\n") else 1)
        self.counter = 0

    def stage(self, kind):
        """A copy of the sample under a name never used before; returns (staged path, inbox path, output)."""
        self.counter += 1
        name = f"{kind}-{RUN_ID}-{self.counter:05d}"
        staged = os.path.join(self.staging, name + ".csv")
        dropped = os.path.join(self.inbox, name + ".csv")
        output = os.path.join(self.outbox, name + ".scored.csv")
        for path in (staged, dropped, output):
            if os.path.lexists(path):
                fail(f"{path} exists before the drop: refusing to time an old output")
        with open(staged, "wb") as f:
            f.write(self.data)
        return staged, dropped, output

    def check(self, output):
        got = data_rows(output)
        if got != self.rows:
            fail(f"{output} has {got} data rows, expected {self.rows}")


def wait_for(path, timeout=60.0):
    deadline = time.perf_counter() + timeout
    while not os.path.exists(path):
        if time.perf_counter() > deadline:
            fail(f"timed out after {timeout:.0f} s waiting for {path}")
        time.sleep(0.0001)


def rotations(count, n):
    """Orders for `count` turns over n items: 0 1 2, 1 2 0, 2 0 1, … (every item first equally often)."""
    for turn in range(count):
        yield [(turn + k) % n for k in range(n)]


def ratio_line(label, value, reference_label, reference):
    return f"{label}/{reference_label} {value / reference:.2f}x" if reference > 0 else f"{label}: -"


def latency(sample, count, specs):
    watchers = [Watcher(spec, sample) for spec in specs]
    samples = {w.label: [] for w in watchers}
    for order in rotations(count, len(watchers)):
        for index in order:
            w = watchers[index]
            staged, dropped, output = w.stage("lat")
            start = time.perf_counter()
            os.rename(staged, dropped)
            wait_for(output)
            samples[w.label].append((time.perf_counter() - start) * 1000)
            w.check(output)
            time.sleep(0.02)
    first = watchers[0].label
    for w in watchers:
        s = samples[w.label]
        p50, p99 = percentile(s, 0.50), percentile(s, 0.99)
        line = f"{w.label:8s} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  max {max(s):8.2f} ms  ({len(s)} drops)"
        if w.label != first:
            f = samples[first]
            line += (f"   p50 {ratio_line(w.label, p50, first, percentile(f, 0.50))},"
                     f" p99 {ratio_line(w.label, p99, first, percentile(f, 0.99))}")
        print(line, flush=True)


def burst(sample, count, rounds, specs):
    watchers = [Watcher(spec, sample) for spec in specs]
    times = {w.label: [] for w in watchers}
    for order in rotations(rounds, len(watchers)):
        for index in order:
            w = watchers[index]
            files = [w.stage("burst") for _ in range(count)]
            start = time.perf_counter()
            for staged, dropped, _ in files:
                os.rename(staged, dropped)
            pending = [output for _, _, output in files]
            deadline = start + 180
            while pending:
                pending = [output for output in pending if not os.path.exists(output)]
                if pending and time.perf_counter() > deadline:
                    fail(f"{w.label}: timed out, {count - len(pending)} of {count} scored")
                if pending:
                    time.sleep(0.002)
            times[w.label].append(time.perf_counter() - start)
            for _, _, output in files:
                w.check(output)
            time.sleep(0.5)
    first = watchers[0].label
    for w in watchers:
        t = times[w.label]
        line = (f"{w.label:8s} {count} files in median {statistics.median(t):.2f} s"
                f"  (rounds: {' '.join(f'{x:.2f}' for x in t)})")
        if w.label != first:
            ratios = [x / y for x, y in zip(t, times[first])]
            line += f"   {w.label}/{first} per round: {' '.join(f'{r:.2f}x' for r in ratios)}"
        print(line, flush=True)


def idle(seconds, specs):
    pids = []
    for spec in specs:
        label, sep, pid = spec.partition("=")
        if not sep:
            fail(f"expected LABEL=PID, got {spec!r}")
        pids.append((label, int(pid)))

    def ticks(pid):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    hz = os.sysconf("SC_CLK_TCK")
    before = {label: ticks(pid) for label, pid in pids}
    time.sleep(seconds)
    for label, pid in pids:
        used = (ticks(pid) - before[label]) / hz
        print(f"{label:8s} {100 * used / seconds:.3f} % CPU over the same {seconds:.0f} s idle", flush=True)


def fsync_latency(folder, count):
    block = os.urandom(40 * 1024)
    samples = []
    for i in range(count):
        path = os.path.join(folder, f".fsync-probe-{RUN_ID}-{i}")
        start = time.perf_counter()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, block)
            os.fsync(fd)
        finally:
            os.close(fd)
        samples.append((time.perf_counter() - start) * 1000)
        os.unlink(path)
    print(f"write+fsync of a 40 KB file in {folder}: p50 {percentile(samples, 0.5):.2f} ms,"
          f" p99 {percentile(samples, 0.99):.2f} ms ({count} samples)")


def main(argv):
    try:
        command = argv[1]
        if command == "latency" and len(argv) >= 5:
            latency(argv[2], int(argv[3]), argv[4:])
        elif command == "burst" and len(argv) >= 6:
            burst(argv[2], int(argv[3]), int(argv[4]), argv[5:])
        elif command == "idle" and len(argv) >= 4:
            idle(float(argv[2]), argv[3:])
        elif command == "fsync" and len(argv) == 4:
            fsync_latency(argv[2], int(argv[3]))
        else:
            raise SystemExit(__doc__)
    except (IndexError, ValueError):
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
