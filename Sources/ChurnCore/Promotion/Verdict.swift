/// What the promotion policy decided about a candidate, with the numbers behind it.
package struct Verdict: Codable, Equatable, Sendable {
    package enum Decision: String, Codable, Sendable {
        /// Eligible and now serving.
        case promoted
        /// Eligible and registered, but the champion keeps serving.
        case kept
        /// Not eligible (below the gate or no better than a constant predictor), or trained on the data of a
        /// version rolled back after a drift alert: not registered.
        case refused
    }

    package enum Reason: String, Codable, Sendable {
        case firstEligible = "first_eligible"
        case beatsChampion = "beats_champion"
        case belowGate = "below_gate"
        case gainTooSmall = "gain_too_small"
        case notConfident = "not_confident"
        case championIncomparable = "champion_incomparable"
        /// Test F1 not above the best constant predictor's by `minF1Gain`.
        case noBetterThanConstant = "no_better_than_constant"
        /// Trained on the same files and configuration as a version production was rolled back from after a
        /// drift alert.
        case sameAsRolledBack = "same_as_rolled_back"
    }

    package var decision: Decision
    package var reason: Reason
    /// Candidate F1 on its test rows.
    package var candidateF1: Double
    /// Test rows both models were judged on.
    package var rows: Int
    /// Champion F1 on the candidate's test rows; nil without a champion.
    package var championF1: Double?
    package var gain: Double?
    /// Share of bootstrap resamples in which the candidate's F1 was higher.
    package var winShare: Double?
    package var resamples: Int?
    /// Rows drawn per resample.
    package var bootstrapRows: Int?
    package var gateF1: Double
    package var minF1Gain: Double
    package var confidence: Double
    /// F1 of the best constant predictor (always positive) on the same test rows; nil in verdicts recorded
    /// before the gate compared with it.
    package var constantF1: Double?
    /// With `sameAsRolledBack`: the version whose training data and configuration the candidate repeats.
    package var rolledBackVersion: Int?

    package init(
        decision: Decision, reason: Reason, candidateF1: Double, rows: Int, gateF1: Double, minF1Gain: Double,
        confidence: Double
    ) {
        self.decision = decision
        self.reason = reason
        self.candidateF1 = candidateF1
        self.rows = rows
        self.gateF1 = gateF1
        self.minF1Gain = minF1Gain
        self.confidence = confidence
    }

    /// The decision and its reason in one sentence, e.g. "promoted v4 to production: F1 0.7312 vs 0.7120 on
    /// 3,000 test rows, gain holds in 97% of 1,000 bootstrap resamples".
    /// - Parameters:
    ///   - candidate: the candidate's registry version (nil when it was refused and never registered).
    ///   - champion: the version serving at `alias` when the candidate was judged.
    ///   - positive: what predicting the positive class means, for the constant predictor's name ("churn":
    ///     "always-churn").
    package func sentence(candidate: Int?, champion: Int?, alias: String = "production", positive: String = "churn")
        -> String
    {
        typealias F = NumberFormat
        let name = candidate.map { "v\($0)" } ?? "the candidate"
        let rowsText = "\(F.grouped(rows)) test row\(rows == 1 ? "" : "s")"
        let championName = champion.map { "v\($0)" } ?? "the champion"
        let versus = "F1 \(F.fixed(candidateF1, 4)) vs \(F.fixed(championF1 ?? 0, 4)) on \(rowsText)"
        let bootstrap = "\(F.percent(winShare ?? 0)) of \(F.grouped(resamples ?? 0)) bootstrap resamples"
        let serving = champion.map { "\(alias) stays at v\($0)" } ?? "\(alias) has no version yet"
        switch reason {
        case .firstEligible:
            return "promoted \(name) to \(alias): first eligible version, test F1 \(F.fixed(candidateF1, 4)) "
                + "≥ gate \(F.fixed(gateF1, 2)) on \(rowsText)"
        case .beatsChampion:
            return "promoted \(name) to \(alias): \(versus), gain holds in \(bootstrap)"
        case .belowGate:
            return "refused \(name): test F1 \(F.fixed(candidateF1, 4)) on \(rowsText) is below the gate "
                + "\(F.fixed(gateF1, 2)); \(serving)"
        case .gainTooSmall:
            return "kept \(championName) in \(alias): \(name) has \(versus), a gain of \(F.fixed(gain ?? 0, 4)), "
                + "below the \(F.fixed(minF1Gain, 4)) required"
        case .notConfident:
            return "kept \(championName) in \(alias): \(name) has \(versus), but the gain holds in only \(bootstrap) "
                + "(\(F.percent(confidence)) required)"
        case .noBetterThanConstant:
            return "refused \(name): test F1 \(F.fixed(candidateF1, 4)) on \(rowsText) does not beat "
                + "always-\(positive)'s \(F.fixed(constantF1 ?? 0, 4)) by \(F.fixed(minF1Gain, 4)); \(serving)"
        case .sameAsRolledBack:
            let version = rolledBackVersion.map { "v\($0)" } ?? "a version"
            return "refused \(name): trained on the same files and configuration as \(version), which \(alias) was "
                + "rolled back from after a drift alert; only new labeled data can make a promotable candidate "
                + "(churnd promote \(rolledBackVersion.map(String.init) ?? "VERSION") serves it by hand); \(serving)"
        case .championIncomparable:
            return "kept \(championName) in \(alias): it was trained on a different schema, so \(name) cannot be "
                + "compared on the same rows; promote \(name) by hand if the new schema is intended"
        }
    }
}
