/// When to retrain. Pure: times are passed in (monotonic seconds), so the rules are testable with a fake clock.
///
/// - A new labeled file starts a quiet period; each further file restarts it, but training starts no later
///   than `maxWait` after the first file of the burst: a burst makes one run.
/// - One training at a time. Files arriving during a run make exactly one more run after it, once their own
///   quiet period is over.
package struct RetrainSchedule: Equatable, Sendable {
    package enum State: Equatable, Sendable {
        case idle
        case waiting(first: Double, last: Double)
        case training(next: Burst?)
    }

    package struct Burst: Equatable, Sendable {
        package var first: Double
        package var last: Double
    }

    package var quiet: Double
    package var maxWait: Double
    package private(set) var state: State = .idle

    package init(quiet: Double, maxWait: Double) {
        self.quiet = quiet
        self.maxWait = max(quiet, maxWait)
    }

    /// A new, valid labeled file arrived at `now`.
    package mutating func fileArrived(at now: Double) {
        switch state {
        case .idle:
            state = .waiting(first: now, last: now)
        case .waiting(let first, _):
            state = .waiting(first: first, last: now)
        case .training(let next):
            state = .training(next: Burst(first: next?.first ?? now, last: now))
        }
    }

    /// Asks for a run as soon as possible (e.g. at start-up with no serving model).
    package mutating func requestNow(at now: Double) {
        switch state {
        case .idle, .waiting:
            state = .waiting(first: now - maxWait, last: now - quiet)
        case .training:
            state = .training(next: Burst(first: now - maxWait, last: now - quiet))
        }
    }

    /// When the pending run is due, or nil when none is pending (or a run is going on).
    package var deadline: Double? {
        guard case .waiting(let first, let last) = state else { return nil }
        return min(last + quiet, first + maxWait)
    }

    /// Starts a run if one is due at `now`. Returns true when the caller must start training.
    package mutating func startIfDue(at now: Double) -> Bool {
        guard let deadline, now >= deadline else { return false }
        state = .training(next: nil)
        return true
    }

    /// The run finished (whatever its outcome).
    package mutating func trainingFinished() {
        guard case .training(let next) = state else { return }
        state = next.map { .waiting(first: $0.first, last: $0.last) } ?? .idle
    }

    package var isTraining: Bool {
        if case .training = state { return true }
        return false
    }
}
