import Testing

@testable import ChurnCore

struct PromotionPolicyTests {
    static let policy = PromotionPolicy(
        gateF1: 0.65, minF1Gain: 0.005, confidence: 0.90, resamples: 1000, maxRows: 100_000, seed: 7)

    /// Labels and a model that is right on `correct` of every 100 rows (predicting by probability 0.9 / 0.1).
    static func predictions(labels: [UInt8], correct: Int, offset: Int = 0) -> PromotionPolicy.Predictions {
        let probabilities = labels.indices.map { i -> Double in
            let right = (i + offset) % 100 < correct
            return (labels[i] == 1) == right ? 0.9 : 0.1
        }
        return .init(probabilities: probabilities, threshold: 0.5)
    }

    static let labels: [UInt8] = (0..<3000).map { UInt8(($0 * 7919) % 13 < 7 ? 1 : 0) }

    @Test func aCandidateBelowTheGateIsRefused() {
        let weak = Self.predictions(labels: Self.labels, correct: 55)
        let verdict = Self.policy.judge(labels: Self.labels, candidate: weak, champion: nil)
        #expect(verdict.decision == .refused)
        #expect(verdict.reason == .belowGate)
        #expect(verdict.sentence(candidate: nil, champion: 3).hasPrefix("refused the candidate: test F1 0."))
        #expect(
            verdict.sentence(candidate: nil, champion: 3).hasSuffix("is below the gate 0.65; production stays at v3"))
    }

    /// Predicting every row positive, except that the first `negatives` labeled-negative rows get it right.
    static func nearlyAlwaysPositive(labels: [UInt8], negatives: Int) -> PromotionPolicy.Predictions {
        var left = negatives
        let probabilities = labels.map { label -> Double in
            guard label == 0, left > 0 else { return 0.9 }
            left -= 1
            return 0.1
        }
        return .init(probabilities: probabilities, threshold: 0.5)
    }

    @Test func aCandidateThatOnlyMatchesAlwaysChurnIsRefusedWithBothFigures() {
        // 1,617 positives in 3,000 rows: always predicting churn scores F1 3234 / 4617 = 0.7005, above the gate.
        let verdict = Self.policy.judge(
            labels: Self.labels, candidate: Self.nearlyAlwaysPositive(labels: Self.labels, negatives: 0),
            champion: nil)
        #expect(verdict.decision == .refused)
        #expect(verdict.reason == .noBetterThanConstant)
        #expect(verdict.candidateF1 >= Self.policy.gateF1)
        #expect(verdict.constantF1 == 3234.0 / 4617.0)
        #expect(
            verdict.sentence(candidate: nil, champion: 3)
                == "refused the candidate: test F1 0.7005 on 3,000 test rows does not beat always-churn's 0.7005 "
                + "by 0.0050; production stays at v3")
    }

    @Test(
        "the constant-predictor rule: right on a few negatives is not enough, on many it is",
        arguments: [
            (0, Verdict.Decision.refused, Verdict.Reason.noBetterThanConstant),
            // 20 of 1,383 negatives right: F1 3234 / 4597 = 0.7035, a gain of 0.0030 over 0.7005.
            (20, .refused, .noBetterThanConstant),
            // 40 right: 3234 / 4577 = 0.7066, a gain of 0.0061.
            (40, .promoted, .firstEligible),
        ])
    func constantPredictorRule(negativesRight: Int, decision: Verdict.Decision, reason: Verdict.Reason) {
        let verdict = Self.policy.judge(
            labels: Self.labels, candidate: Self.nearlyAlwaysPositive(labels: Self.labels, negatives: negativesRight),
            champion: nil)
        #expect(verdict.decision == decision)
        #expect(verdict.reason == reason)
    }

    @Test func aCandidateRepeatingADriftRollbackIsRefusedWhateverItsFigures() {
        let strong = Self.predictions(labels: Self.labels, correct: 90)
        let verdict = Self.policy.rolledBack(
            Self.policy.judge(labels: Self.labels, candidate: strong, champion: nil), version: 2)
        #expect(verdict.decision == .refused)
        #expect(verdict.reason == .sameAsRolledBack)
        #expect(
            verdict.sentence(candidate: nil, champion: 1)
                == "refused the candidate: trained on the same files and configuration as v2, which production was "
                + "rolled back from after a drift alert; only new labeled data can make a promotable candidate "
                + "(churnd promote 2 serves it by hand); production stays at v1")
    }

    @Test func theFirstEligibleCandidateIsPromoted() {
        let verdict = Self.policy.judge(
            labels: Self.labels, candidate: Self.predictions(labels: Self.labels, correct: 80), champion: nil)
        #expect(verdict.decision == .promoted)
        #expect(verdict.reason == .firstEligible)
        #expect(verdict.sentence(candidate: 1, champion: nil).hasPrefix("promoted v1 to production: first eligible"))
    }

    @Test func anIdenticalModelIsKeptOut() {
        let same = Self.predictions(labels: Self.labels, correct: 80)
        let verdict = Self.policy.judge(labels: Self.labels, candidate: same, champion: same)
        #expect(verdict.decision == .kept)
        #expect(verdict.reason == .gainTooSmall)
        #expect(verdict.gain == 0)
        #expect(verdict.winShare == 0)
        #expect(verdict.sentence(candidate: 2, champion: 1).contains("a gain of 0.0000, below the 0.0050 required"))
    }

    @Test func aClearlyBetterModelIsPromoted() {
        let champion = Self.predictions(labels: Self.labels, correct: 75)
        let candidate = Self.predictions(labels: Self.labels, correct: 85)
        let verdict = Self.policy.judge(labels: Self.labels, candidate: candidate, champion: champion)
        #expect(verdict.decision == .promoted)
        #expect(verdict.winShare == 1)
        #expect(verdict.sentence(candidate: 4, champion: 3).hasPrefix("promoted v4 to production: F1 0."))
        #expect(
            verdict.sentence(candidate: 4, champion: 3).hasSuffix("gain holds in 100% of 1,000 bootstrap resamples"))
    }

    @Test func aGainWithinTheNoiseIsKept() {
        // 60 rows: one row more right is a gain of a few hundredths, but it only shows in resamples that draw
        // that row (1 − (59/60)^60 ≈ 64% of them).
        let labels = Array(Self.labels.prefix(60))
        let champion = Self.predictions(labels: labels, correct: 80, offset: 30)  // rows 50..<60 wrong
        var candidate = champion
        for i in labels.indices where candidate.probabilities[i] != (labels[i] == 1 ? 0.9 : 0.1) {
            candidate.probabilities[i] = labels[i] == 1 ? 0.9 : 0.1
            break
        }
        let verdict = Self.policy.judge(labels: labels, candidate: candidate, champion: champion)
        #expect(verdict.gain.map { $0 >= 0.005 } == true)
        #expect(verdict.decision == .kept)
        #expect(verdict.reason == .notConfident)
        #expect(verdict.sentence(candidate: 2, champion: 1).contains("but the gain holds in only"))
        #expect(verdict.sentence(candidate: 2, champion: 1).hasSuffix("(90% required)"))
    }

    @Test func theSentenceReadsAsDocumented() {
        var verdict = Verdict(
            decision: .promoted, reason: .beatsChampion, candidateF1: 0.73124, rows: 3000, gateF1: 0.65,
            minF1Gain: 0.005, confidence: 0.9)
        verdict.championF1 = 0.71199
        verdict.winShare = 0.9749
        verdict.resamples = 1000
        #expect(
            verdict.sentence(candidate: 4, champion: 3)
                == "promoted v4 to production: F1 0.7312 vs 0.7120 on 3,000 test rows, gain holds in 97% of 1,000 "
                + "bootstrap resamples")
    }

    @Test func theBootstrapRepeatsForASeedAndRespectsTheRowCap() {
        let champion = Self.predictions(labels: Self.labels, correct: 80)
        let candidate = Self.predictions(labels: Self.labels, correct: 81, offset: 50)
        let bootstrap = PairedBootstrap(
            labels: Self.labels, candidate: candidate.probabilities, candidateThreshold: 0.5,
            champion: champion.probabilities, championThreshold: 0.5)
        let a = bootstrap.winShare(resamples: 500, maxRows: 100_000, seed: 1)
        #expect(a == bootstrap.winShare(resamples: 500, maxRows: 100_000, seed: 1))
        #expect(a != bootstrap.winShare(resamples: 500, maxRows: 100_000, seed: 2))
        // Fewer rows per resample: a wider spread, so a less certain verdict either way.
        let capped = bootstrap.winShare(resamples: 500, maxRows: 300, seed: 1)
        #expect(abs(capped - 0.5) < abs(a - 0.5))
    }

    @Test func bootstrapCellsMatchTheConfusionCounts() {
        let candidate = Self.predictions(labels: Self.labels, correct: 70)
        let champion = Self.predictions(labels: Self.labels, correct: 90, offset: 13)
        let bootstrap = PairedBootstrap(
            labels: Self.labels, candidate: candidate.probabilities, candidateThreshold: 0.5,
            champion: champion.probabilities, championThreshold: 0.5)
        var counts = [Int](repeating: 0, count: 16)
        for cell in bootstrap.cells { counts[Int(cell)] += 1 }
        let (c, h) = PairedBootstrap.f1s(counts)
        #expect(c == Confusion(probabilities: candidate.probabilities, labels: Self.labels, threshold: 0.5).f1)
        #expect(h == Confusion(probabilities: champion.probabilities, labels: Self.labels, threshold: 0.5).f1)
    }
}
