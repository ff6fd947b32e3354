import ChurnCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the daemon is doing, for systemd's STATUS= line. Written by the services, read once a second.
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

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}

/// Proof that a loop is still turning: it beats each round; the watchdog pings systemd only while every
/// loop has beaten recently.
final class Heartbeat: Sendable {
    let name: String
    private let last = Atomic<Int64>(0)

    init(name: String) {
        self.name = name
        beat()
    }

    func beat() {
        last.store(Int64(monotonicSeconds() * 1000), ordering: .relaxed)
    }

    /// Seconds since the last beat.
    var age: Double { monotonicSeconds() - Double(last.load(ordering: .relaxed)) / 1000 }
}

/// Local wall-clock time as "HH:MM", for status lines: now, or `seconds` since 1970.
func clockTime(at seconds: Double? = nil) -> String {
    var now = seconds.map { time_t($0) } ?? time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    return CalendarTime(parts).hourMinute
}
