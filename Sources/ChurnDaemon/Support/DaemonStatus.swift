import ChurnCore
import ChurnStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the daemon is doing, for systemd's STATUS= line. Written by the services, read when it changes.
final class DaemonStatus: Sendable {
    struct Snapshot: Equatable, Sendable {
        var serving: Int?
        var inProgress = 0
        var waiting = 0
        var training = false
        /// The last training run (from the registry, so runs made by `churnd train` count too).
        var lastTraining: TrainingNote?
        var waitingForSpace = false

        /// "serving v3 · 2 files in progress · last training 12:03 promoted v4".
        var line: String { line(clock: clockTime(at:)) }

        /// The line with times shown by `clock` (seconds since 1970 → "HH:MM").
        func line(clock: (Double) -> String) -> String {
            var parts = [serving.map { "serving v\($0)" } ?? "no production model yet"]
            parts.append("\(inProgress) file\(inProgress == 1 ? "" : "s") in progress")
            if waiting > 0 { parts.append("\(waiting) waiting") }
            if waitingForSpace { parts.append("outbox full, retrying") }
            if training {
                parts.append("training")
            } else if let lastTraining {
                parts.append("last training \(clock(lastTraining.finishedAt)) \(lastTraining.summary)")
            }
            return parts.joined(separator: " · ")
        }
    }

    private let state = Mutex(Snapshot())
    /// Bumped whenever the snapshot changes: the supervisor waits on it to update systemd's STATUS=.
    let changes = ChangeSignal()

    func update(_ change: (inout Snapshot) -> Void) {
        let changed = state.withLock { snapshot in
            let before = snapshot
            change(&snapshot)
            return snapshot != before
        }
        if changed { changes.notify() }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}

/// Proof that a loop is still turning: it beats each round; the watchdog pings systemd only while every
/// loop has beaten recently.
///
/// A loop that waits for its events calls `idle(_:)` around the wait: a loop that has nothing to do is not
/// stalled, so it need not wake up to beat.
final class Heartbeat: Sendable {
    let name: String
    private let last = Atomic<Int64>(0)
    private let waiting = Atomic<Bool>(false)

    init(name: String) {
        self.name = name
        beat()
    }

    func beat() {
        last.store(Int64(monotonicSeconds() * 1000), ordering: .relaxed)
    }

    /// Runs `wait` as idle time (never stalled), and beats when it returns.
    func idle<T>(_ wait: () async -> T) async -> T {
        setWaiting(true)
        defer { setWaiting(false) }
        return await wait()
    }

    /// Marks the start (true) or the end (false, with a beat) of a wait for work, for a loop on a thread.
    func setWaiting(_ flag: Bool) {
        if !flag { beat() }
        waiting.store(flag, ordering: .relaxed)
    }

    /// Seconds since the last beat; 0 while the loop waits for work.
    var age: Double {
        waiting.load(ordering: .relaxed) ? 0 : monotonicSeconds() - Double(last.load(ordering: .relaxed)) / 1000
    }
}

/// Local wall-clock time as "HH:MM", for status lines: now, or `seconds` since 1970.
func clockTime(at seconds: Double? = nil) -> String {
    var now = seconds.map { time_t($0) } ?? time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    return CalendarTime(parts).hourMinute
}
