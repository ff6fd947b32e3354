import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// A/B serving: a stable share of rows, by a hash of the customer id, is served by the
/// challenger, and each output line says which version served it.
struct ServingSplitTests {
    /// A model of `family` trained on the golden fixture CSV.
    static func artifact(_ family: String) throws -> ModelArtifact {
        let config = try Config.parse(
            toml: "[training]\nfamilies = [\"\(family)\"]\n[xgboost]\nrounds = 30\nnthread = 1\n", file: "t.toml"
        ).singleSplit
        return try Trainer(config: config).train(try XGBoostTests.fixtureData(), now: 0, elapsed: { 0 }).artifact
    }

    /// The scored lines of the fixture CSV (header dropped), keyed by id.
    static func score(_ scorer: Scorer, csv: [UInt8]) throws -> (lines: [String: String], summary: Scorer.Summary) {
        let (scored, summary) = try scorer.scoreInMemory(csv)
        var lines: [String: String] = [:]
        for line in scored { lines[String(line.prefix { $0 != "," })] = String(line) }
        return (lines, summary)
    }

    @Test func theHashIsStableAndTheShareIsTheConfiguredFraction() throws {
        // FNV-1a 64 then SplitMix64's finalizer, as computed independently in Python (see the type's doc).
        let hash = Array("C000001".utf8).withUnsafeBufferPointer { ServingSplit.hash($0) }
        #expect(hash == 0x8937_5D06_C695_D777)
        let ids = (0..<100_000).map { "C\($0)" }
        let dummy = Scorer(artifact: try Self.artifact("logistic_regression"), versionLabel: "2")
        func share(_ fraction: Double) -> Set<String> {
            let split = ServingSplit(challenger: dummy, fraction: fraction)
            return Set(ids.filter { split.servesChallenger(id: $0) })
        }
        #expect(share(0).isEmpty)
        #expect(share(1).count == ids.count)
        let (tenth, third) = (share(0.1), share(1.0 / 3))
        #expect((9_500...10_500).contains(tenth.count))
        #expect((32_833...33_833).contains(third.count))
        // Raising the fraction only moves customers to the challenger; none comes back.
        #expect(tenth.isSubset(of: third))
        #expect(share(0.1) == tenth)
    }

    @Test(arguments: [
        ("logistic_regression", "xgboost"), ("xgboost", "logistic_regression"), ("xgboost", "xgboost"),
    ])
    func eachRowIsTheServingModelsOwnLine(champion: String, challenger: String) throws {
        // Given a champion (v1) and a challenger (v2), and each one's output for the whole fixture file,
        let csv = Array(try LogisticRegressionTests.fixture("sklearn_lr_train.csv"))
        let championScorer = Scorer(artifact: try Self.artifact(champion), versionLabel: "1", nthread: 1)
        var challengerArtifact = try Self.artifact(challenger)
        if champion == challenger { challengerArtifact.threshold = 0.3 }  // a different model all the same
        let challengerScorer = Scorer(artifact: challengerArtifact, versionLabel: "2", nthread: 1)
        let alone = (try Self.score(championScorer, csv: csv).lines, try Self.score(challengerScorer, csv: csv).lines)
        // when the champion serves with 40 % of the ids given to the challenger (in small tree batches too),
        for batchRows in [65_536, 7] {
            var scorer = championScorer
            scorer.batchRows = batchRows
            scorer.split = ServingSplit(challenger: challengerScorer, fraction: 0.4)
            let (lines, summary) = try Self.score(scorer, csv: csv)
            // then every line is the one its server writes alone, and the split is about 40 %.
            #expect(lines.count == 1_500 && summary.scored == 1_500)
            var served = 0
            for (id, line) in lines {
                let challengerServes = scorer.split!.servesChallenger(id: id)
                served += challengerServes ? 1 : 0
                #expect(line == (challengerServes ? alone.1[id] : alone.0[id]), "\(id)")
                #expect(line.hasSuffix(challengerServes ? ",2" : ",1"))
            }
            #expect(summary.servedByChallenger == served)
            #expect((500...700).contains(served), "\(served) of 1,500")
        }
    }
}
