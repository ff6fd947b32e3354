/// SPEC §5: the gate, and when an eligible candidate replaces the champion. Pure: predictions in, verdict out.
///
/// A candidate is eligible with test `F1 ≥ gateF1`. It replaces the champion only when, on the candidate's
/// test rows (the champion re-scored on them, each model at its own threshold), its F1 is higher by at least
/// `minF1Gain` and higher in at least `confidence` of `resamples` paired bootstrap resamples of those rows.
public struct PromotionPolicy: Sendable, Equatable {
    public var gateF1: Double
    public var minF1Gain: Double
    public var confidence: Double
    public var resamples: Int
    public var maxRows: Int
    public var seed: UInt64

    public init(gateF1: Double, minF1Gain: Double, confidence: Double, resamples: Int, maxRows: Int, seed: UInt64) {
        self.gateF1 = gateF1
        self.minF1Gain = minF1Gain
        self.confidence = confidence
        self.resamples = resamples
        self.maxRows = maxRows
        self.seed = seed
    }

    /// The configured policy; the bootstrap is seeded by the training seed so a decision repeats exactly.
    public init(config: Config) {
        let p = config.promotion
        self.init(
            gateF1: p.gateF1, minF1Gain: p.minF1Gain, confidence: p.confidence, resamples: p.bootstrapResamples,
            maxRows: p.bootstrapMaxRows, seed: config.training.seed)
    }

    /// One model's probabilities on the candidate's test rows, and the threshold it predicts with.
    public struct Predictions: Sendable {
        public var probabilities: [Double]
        public var threshold: Double

        public init(probabilities: [Double], threshold: Double) {
            self.probabilities = probabilities
            self.threshold = threshold
        }
    }

    /// Judges a candidate against the champion (nil when nothing serves yet) on the candidate's test rows.
    public func judge(labels: [UInt8], candidate: Predictions, champion: Predictions?) -> Verdict {
        let candidateF1 = Confusion(
            probabilities: candidate.probabilities, labels: labels, threshold: candidate.threshold
        ).f1
        var verdict = Verdict(
            decision: .refused, reason: .belowGate, candidateF1: candidateF1, rows: labels.count, gateF1: gateF1,
            minF1Gain: minF1Gain, confidence: confidence)
        guard candidateF1 >= gateF1 else { return verdict }
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

    /// The verdict when the champion cannot be judged on the candidate's rows (trained on another schema):
    /// kept, so a changed schema never silently replaces the serving model.
    public func incomparable(candidateF1: Double, rows: Int) -> Verdict {
        var verdict = Verdict(
            decision: candidateF1 >= gateF1 ? .kept : .refused, reason: .belowGate, candidateF1: candidateF1,
            rows: rows, gateF1: gateF1, minF1Gain: minF1Gain, confidence: confidence)
        if verdict.decision == .kept { verdict.reason = .championIncomparable }
        return verdict
    }
}
