/// Which registered version carries the `challenger` alias ("the best candidate that is not serving").
/// Pure: version summaries in, a choice out.
///
/// The rule: among registered versions that are eligible under the current gate (test F1 ≥ `gateF1`), were
/// trained on the champion's feature columns (so both can score the same rows), are not the champion, and were
/// not rolled back from production (a version taken out of service should not come back through the side
/// door), the one with the highest test F1; on a tie the newest. With no champion, any schema qualifies.
package struct ChallengerRule: Sendable, Equatable {
    package var gateF1: Double

    package init(gateF1: Double) {
        self.gateF1 = gateF1
    }

    /// What the rule needs to know about one registered version.
    package struct Candidate: Sendable, Equatable {
        package var version: Int
        package var testF1: Double
        /// Identifies the feature columns, e.g. from `FeatureStatistics.schemaKey`.
        package var schemaKey: String

        package init(version: Int, testF1: Double, schemaKey: String) {
            self.version = version
            self.testF1 = testF1
            self.schemaKey = schemaKey
        }
    }

    /// The challenger among `versions`, or nil when none qualifies.
    /// - Parameters:
    ///   - champion: the version at `production`, if any.
    ///   - excluded: versions that must not be the challenger (rolled back from production).
    package func pick(_ versions: [Candidate], champion: Int?, excluded: Set<Int> = []) -> Candidate? {
        let schema = champion.flatMap { number in versions.first { $0.version == number }?.schemaKey }
        var best: Candidate?
        for candidate in versions
        where candidate.version != champion && !excluded.contains(candidate.version) && candidate.testF1 >= gateF1
            && (schema == nil || candidate.schemaKey == schema)
        {
            guard let current = best else {
                best = candidate
                continue
            }
            if candidate.testF1 > current.testF1
                || (candidate.testF1 == current.testF1 && candidate.version > current.version)
            {
                best = candidate
            }
        }
        return best
    }

    /// The audit reason for moving the alias to `candidate` (or removing it when nil).
    package static func reason(for candidate: Candidate?) -> String {
        guard let candidate else { return "no eligible version besides production: challenger removed" }
        return "best eligible version not serving: test F1 \(NumberFormat.fixed(candidate.testF1, 4))"
    }
}

extension Array where Element == FeatureStatistics {
    /// The feature columns these statistics describe, as one comparable string ("numeric:a,categorical:b").
    package var schemaKey: String {
        filter { $0.kind != .probability }.map { "\($0.kind.rawValue):\($0.name)" }.joined(separator: ",")
    }
}
