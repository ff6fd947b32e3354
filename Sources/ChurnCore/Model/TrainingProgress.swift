/// Where a training run is, reported as it goes so a terminal can show a progress line and the daemon can log
/// long runs. The core only calls the callback it is given; showing or logging is the caller's.
package struct TrainingProgress: Equatable, Sendable {
    /// Labeled rows read so far (while reading), or the rows the run trains on (after).
    package var rows: Int
    /// The family being fitted; nil while the files are read.
    package var family: String?
    /// Boosting rounds (tree families) or solver passes over the data (logistic regression) finished so far.
    package var round: Int?
    /// The most rounds a tree family may train (early stopping can end it sooner); nil for solver passes.
    package var maxRounds: Int?

    package init(rows: Int, family: String? = nil, round: Int? = nil, maxRounds: Int? = nil) {
        self.rows = rows
        self.family = family
        self.round = round
        self.maxRounds = maxRounds
    }

    /// "read 320,000 rows", "560,000 rows · logistic_regression pass 3", "560,000 rows · xgboost round 37 of at
    /// most 300".
    package var description: String {
        guard let family else { return "read \(NumberFormat.grouped(rows)) rows" }
        var text = "\(NumberFormat.grouped(rows)) rows · \(family)"
        if let round {
            text += maxRounds.map { " round \(round) of at most \($0)" } ?? " pass \(round)"
        }
        return text
    }
}

/// Lets progress through at most once per `interval` seconds; time is passed in.
package struct ProgressThrottle: Sendable {
    package let interval: Double
    private var last: Double?

    /// - Parameter startingAt: when given, the first report is due `interval` after it (the daemon logs only
    ///   runs that last); otherwise the first report is due at once.
    package init(interval: Double, startingAt start: Double? = nil) {
        self.interval = interval
        self.last = start
    }

    /// True when a report is due at `now`; it then counts as made.
    package mutating func isDue(at now: Double) -> Bool {
        if let last, now - last < interval { return false }
        last = now
        return true
    }
}
