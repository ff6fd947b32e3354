import ChurnCore
import Testing

/// Live F1 from labels: reading label files, joining them with logged predictions, the metrics, and the
/// promotion rule on paired rows.
struct LiveF1Tests {
    static func record(_ id: String, version: String, alias: String? = nil, prediction: Int, ts: Double = 10)
        -> PredictionRecord
    {
        PredictionRecord(
            requestID: id, modelVersion: version, alias: alias, prediction: prediction,
            probability: prediction == 1 ? 0.8 : 0.2, features: [:], timestamp: ts)
    }

    @Test func aHandCheckedExample() throws {
        // Given labels for a..j (c twice: the last label, 1, wins) and one id nobody predicted,
        let csv =
            "customer_id,churn,extra\na,1,x\nb,1,x\nc,0,x\nd,1,x\ne,0,x\nf,0,x\ng,0,x\nh,0,x\ni,0,x\nj,0,x\n"
            + "c,1,x\nzz,1,x\n,1,x\n"
        let batch = try LabelBatch.read(MemorySource(csv), schema: Schema.reference)
        #expect(batch.rows == 13 && batch.duplicates == 1 && batch.skipped == 1 && batch.labels.count == 11)
        // and predictions of v1 (champion) and v2 (challenger), with an older line for a that v1 later replaced:
        //        a b c d e f g h i j
        // label  1 1 1 1 0 0 0 0 0 0
        // v1     1 1 0 0 1 0 0 0 0 0   tp 2, fp 1, fn 2 → precision 2/3, recall 1/2, F1 4/7
        // v2     1 1 1 0 1 1 0 0 0 0   tp 3, fp 2, fn 1 → precision 3/5, recall 3/4, F1 6/9
        var join = LabelJoin(
            labels: batch, arrivedAt: 100, maxAge: 1000, attribution: VersionAttribution(model: "churn_model"))
        join.add(Self.record("a", version: "1", prediction: 0, ts: 5))
        for (id, p1, p2) in [
            ("a", 1, 1), ("b", 1, 1), ("c", 0, 1), ("d", 0, 0), ("e", 1, 1), ("f", 0, 1), ("g", 0, 0), ("h", 0, 0),
            ("i", 0, 0), ("j", 0, 0), ("unlabeled", 1, 1),
        ] {
            join.add(Self.record(id, version: "1", prediction: p1))
            join.add(Self.record(id, version: "2", alias: "challenger", prediction: p2))
        }
        join.add(line: "not json")
        // then every labeled, predicted id gives one outcome per version,
        let result = join.result
        let outcomes = result.outcomes
        #expect(outcomes.count == 20)
        #expect(result.joined == 10 && result.unmatched == 1 && result.tooOld == 0)
        #expect(join.unusableLines == 1)
        #expect(outcomes.filter { $0.version == 2 }.allSatisfy { $0.alias == "challenger" })
        // and the metrics are the hand-computed ones.
        func metrics(_ version: Int) -> LiveMetrics {
            let mine = outcomes.filter { $0.version == version }
            return LiveMetrics(predictions: mine.map(\.prediction), labels: mine.map(\.label))
        }
        let v1 = metrics(1)
        #expect(v1.rows == 10 && v1.tp == 2 && v1.fp == 1 && v1.fn == 2 && v1.tn == 5)
        #expect(abs(v1.precision - 2.0 / 3.0) < 1e-12 && v1.recall == 0.5 && abs(v1.f1 - 4.0 / 7.0) < 1e-12)
        let v2 = metrics(2)
        #expect(abs(v2.precision - 0.6) < 1e-12 && v2.recall == 0.75 && abs(v2.f1 - 6.0 / 9.0) < 1e-12)
    }

    @Test func aLabelFileWithoutTheIDOrLabelColumnIsRefused() {
        #expect(throws: LabelBatch.Problem.wrongColumns(header: ["id", "churn"], missing: ["customer_id"])) {
            try LabelBatch.read(MemorySource("id,churn\n1,1\n"), schema: Schema.reference)
        }
        #expect(throws: LabelBatch.Problem.empty) { try LabelBatch.read(MemorySource(""), schema: Schema.reference) }
        let problem = LabelBatch.Problem.wrongColumns(header: ["customer_id"], missing: ["churn"])
        #expect(
            "\(problem)"
                == "a label file needs the id (or request_id) and label columns: header lacks \"churn\"; header is "
                + "\"customer_id\"")
    }

    @Test func theChallengerIsPromotedOnlyWithEnoughPairedRowsAndAClearWin() {
        var challenger: [LiveOutcome] = []
        var champion: [LiveOutcome] = []
        for i in 0..<600 {
            let label: UInt8 = i % 3 == 0 ? 1 : 0
            // The challenger is always right; the champion misses every other positive.
            challenger.append(
                LiveOutcome(
                    version: 2, alias: "challenger", requestID: "\(i)", prediction: label, probability: 0.5,
                    label: label, predictedAt: 0))
            champion.append(
                LiveOutcome(
                    version: 1, alias: nil, requestID: "\(i)", prediction: label == 1 && i % 2 == 0 ? 1 : 0,
                    probability: 0.5, label: label, predictedAt: 0))
        }
        let rule = LivePromotion(policy: PromotionPolicy(config: Config()), minRows: 500)
        let few = rule.judge(challenger: Array(challenger.prefix(400)), champion: champion)
        #expect(few.pairedRows == 400 && few.verdict == nil)
        let enough = rule.judge(challenger: challenger, champion: champion)
        #expect(enough.pairedRows == 600)
        #expect(enough.verdict?.decision == .promoted)
        #expect(enough.figures.hasPrefix("live F1 1.0000 vs 0.6"))
        #expect(enough.figures.hasSuffix(" on 600 labeled rows, gain holds in 100% of 1,000 bootstrap resamples"))
        // A tie is no reason to swap.
        #expect(rule.judge(challenger: champion, champion: champion).verdict?.decision == .kept)
    }
}
