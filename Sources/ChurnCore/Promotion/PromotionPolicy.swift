/// The gate, and when an eligible candidate replaces the champion. Pure: predictions in, verdict out.
///
/// A candidate is eligible with test `F1 ≥ gateF1` and an F1 above the best constant predictor's on the same rows
/// by at least `minF1Gain` (always predicting the negative class scores 0, always predicting the positive class
/// 2p/(1+p): about 0.70 on the reference data, so a gate alone lets a trivial model through). It replaces the
/// champion only when, on the candidate's
/// test rows (the champion re-scored on them, each model at its own threshold), its F1 is higher by at least
/// `minF1Gain` and higher in at least `confidence` of `resamples` paired bootstrap resamples of those rows.
package struct PromotionPolicy: Sendable, Equatable {
    package var gateF1: Double
    package var minF1Gain: Double
    package var confidence: Double
    package var resamples: Int
    package var maxRows: Int
    package var seed: UInt64

    package init(gateF1: Double, minF1Gain: Double, confidence: Double, resamples: Int, maxRows: Int, seed: UInt64) {
        self.gateF1 = gateF1
        self.minF1Gain = minF1Gain
        self.confidence = confidence
        self.resamples = resamples
        self.maxRows = maxRows
        self.seed = seed
    }

    /// The configured policy; the bootstrap is seeded by the training seed so a decision repeats exactly.
    package init(config: Config) {
        let p = config.promotion
        self.init(
            gateF1: p.gateF1, minF1Gain: p.minF1Gain, confidence: p.confidence, resamples: p.bootstrapResamples,
            maxRows: p.bootstrapMaxRows, seed: config.training.seed)
    }

    /// One model's probabilities on the candidate's test rows, and the threshold it predicts with.
    package struct Predictions: Sendable {
        package var probabilities: [Double]
        package var threshold: Double

        package init(probabilities: [Double], threshold: Double) {
            self.probabilities = probabilities
            self.threshold = threshold
        }
    }

    /// The F1 of the best constant predictor on `labels`: always positive (2p/(1+p) for positive rate p), as
    /// always negative scores 0.
    package static func constantF1(labels: [UInt8]) -> Double {
        Confusion(probabilities: [Double](repeating: 1, count: labels.count), labels: labels, threshold: 0.5).f1
    }

    /// Judges a candidate against the champion (nil when nothing serves yet) on the candidate's test rows.
    package func judge(labels: [UInt8], candidate: Predictions, champion: Predictions?) -> Verdict {
        let candidateF1 = Confusion(
            probabilities: candidate.probabilities, labels: labels, threshold: candidate.threshold
        ).f1
        var verdict = Verdict(
            decision: .refused, reason: .belowGate, candidateF1: candidateF1, rows: labels.count, gateF1: gateF1,
            minF1Gain: minF1Gain, confidence: confidence)
        verdict.constantF1 = Self.constantF1(labels: labels)
        guard candidateF1 >= gateF1 else { return verdict }
        // The same tolerance as the champion rule below.
        guard candidateF1 - (verdict.constantF1 ?? 0) >= minF1Gain - 1e-12 else {
            verdict.reason = .noBetterThanConstant
            return verdict
        }
        guard let champion else {
            verdict.decision = .promoted
            verdict.reason = .firstEligible
            return verdict
        }
        let championF1 = Confusion(
            probabilities: champion.probabilities, labels: labels, threshold: champion.threshold
        ).f1
        let bootstrap = PairedBootstrap(
            labels: labels, candidate: candidate.probabilities, candidateThreshold: candidate.threshold,
            champion: champion.probabilities, championThreshold: champion.threshold)
        let share = bootstrap.winShare(resamples: resamples, maxRows: maxRows, seed: seed)
        verdict.championF1 = championF1
        verdict.gain = candidateF1 - championF1
        verdict.winShare = share
        verdict.resamples = resamples
        verdict.bootstrapRows = min(labels.count, maxRows)
        // The tolerance keeps a gain of exactly min_f1_gain from failing on rounding.
        if candidateF1 - championF1 < minF1Gain - 1e-12 {
            verdict.decision = .kept
            verdict.reason = .gainTooSmall
        } else if share < confidence {
            verdict.decision = .kept
            verdict.reason = .notConfident
        } else {
            verdict.decision = .promoted
            verdict.reason = .beatsChampion
        }
        return verdict
    }

    /// The verdict when the champion cannot be judged on the candidate's rows (trained on another schema), from
    /// the candidate's verdict without a champion: kept when eligible, so a changed schema never silently
    /// replaces the serving model.
    package func incomparable(_ alone: Verdict) -> Verdict {
        var verdict = alone
        guard verdict.decision != .refused else { return verdict }
        verdict.decision = .kept
        verdict.reason = .championIncomparable
        return verdict
    }

    /// The verdict on a candidate trained on the same files and configuration as `version`, which production
    /// was rolled back from after a drift alert: refused whatever its figures, so only new labeled data can
    /// bring such a model back automatically (a person may still promote `version` by hand).
    package func rolledBack(_ judged: Verdict, version: Int) -> Verdict {
        var verdict = judged
        verdict.decision = .refused
        verdict.reason = .sameAsRolledBack
        verdict.rolledBackVersion = version
        return verdict
    }
}
