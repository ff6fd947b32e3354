import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// The golden comparison with Python XGBoost: a booster churnd trained, loaded by `xgboost.Booster(model_file=…)`
/// in Python, predicts what churnd predicts. `Fixtures/make_xgboost_fixture.py` produced the files.
struct XGBoostTests {
    struct Expected: Decodable {
        var churnd_config: String
        var best_iteration: Int
        var feature_names: [String]
        var preprocessing: Preprocessing
        var booster: String
        var labels: [UInt8]
        var encoded: [[Double]]
        var probabilities: [Double]
    }

    static let expected: Result<Expected, any Error> = Result {
        try JSONDecoder().decode(Expected.self, from: LogisticRegressionTests.fixture("xgboost_expected.json"))
    }

    static func fixtureData() throws -> LabeledData {
        var data = LabeledData(schema: .reference)
        try data.append(
            path: "sklearn_lr_train.csv",
            source: MemorySource(Array(LogisticRegressionTests.fixture("sklearn_lr_train.csv"))),
            maxMissingFraction: 0.05)
        return data
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func theCommittedBoosterPredictsWhatPythonPredicts() throws {
        let expected = try Self.expected.get()
        let booster = try XGBoostBooster(json: expected.booster, nthread: 2)
        #expect(try booster.featureCount() == expected.feature_names.count)
        #expect(try booster.rounds() == expected.best_iteration + 1)
        // churnd scores with the compiled trees (which `TreeEnsembleTests` hold to the library, bit for bit).
        let probabilities = try TreeEnsemble(json: expected.booster).predict(
            expected.encoded.flatMap { $0 }, width: expected.feature_names.count)
        #expect(probabilities.count == expected.probabilities.count)
        #expect(Self.maxDifference(probabilities, expected.probabilities) <= 1e-6)
    }

    @Test func churndEncodesTheCSVAsPythonDid() throws {
        let expected = try Self.expected.get()
        let data = try Self.fixtureData()
        let rows = Array(0..<data.count)
        #expect(expected.preprocessing.featureNames == expected.feature_names)
        let encoded = expected.preprocessing.encode(data, rows: rows)
        #expect(Self.maxDifference(encoded, expected.encoded.flatMap { $0 }) <= 1e-12)
        #expect(data.labels == expected.labels)
    }

    @Test func retrainingWithTheFixtureConfigReproducesTheBoosterAndTheScorerItsProbabilities() throws {
        // Given the config the fixture was made with
        let expected = try Self.expected.get()
        let config = try Config.parse(toml: expected.churnd_config, file: "fixture.toml").singleSplit
        let data = try Self.fixtureData()
        // When churnd trains and scores the CSV
        let result = try Trainer(config: config).train(data, now: 0, elapsed: { 0 })
        let artifact = result.artifact
        #expect(artifact.family == "xgboost")
        #expect(artifact.preprocessing == expected.preprocessing)
        #expect(artifact.xgboost?.bestIteration == expected.best_iteration)
        let csv = Array(try LogisticRegressionTests.fixture("sklearn_lr_train.csv"))
        for batchRows in [65_536, 7] {
            var scorer = Scorer(artifact: artifact, versionLabel: "3", nthread: 2)
            scorer.batchRows = batchRows
            let (lines, summary) = try scorer.scoreInMemory(csv)
            // Then the probabilities are Python's, to the 6 printed decimals, row for row
            #expect(summary.scored == data.count && summary.rejected == 0)
            #expect(lines.count == expected.probabilities.count)
            for (index, (line, p)) in zip(lines, expected.probabilities).enumerated() {
                let fields = line.split(separator: ",")
                #expect(fields[0] == "C\(String(repeating: "0", count: 6 - String(index + 1).count))\(index + 1)")
                #expect(abs(Double(fields[1])! - p) <= 5e-7 + 1e-6)
                #expect(fields[3] == "3")
            }
        }
        let single = Scorer(artifact: artifact, versionLabel: "3").probability(
            numeric: [12, 1, 30.5], categorical: ["basic", "EU"])
        #expect(single > 0 && single < 1)
    }

    @Test func anArtifactWithABoosterThatDoesNotLoadIsRefusedWithAMessage() throws {
        let expected = try Self.expected.get()
        let config = try Config.parse(toml: expected.churnd_config, file: "fixture.toml").singleSplit
        var artifact = try Trainer(config: config).train(try Self.fixtureData(), now: 0, elapsed: { 0 }).artifact
        #expect(try ModelArtifact.decode(try artifact.encoded(), path: "m.json") == artifact)
        artifact.xgboost?.booster = "{\"learner\": 3}"
        do {
            _ = try ModelArtifact.decode(try artifact.encoded(), path: "m.json")
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("m.json: the xgboost booster cannot be loaded:"), "\(text)")
            #expect(!text.contains("Stack trace") && !text.contains("[bt]"), "\(text)")
        }
        artifact.xgboost = nil
        #expect(throws: ChurnError.self) { try ModelArtifact.decode(try artifact.encoded(), path: "m.json") }
        // A scorer given such an artifact in memory refuses the file before writing anything.
        let scorer = Scorer(artifact: artifact, versionLabel: "1")
        #expect(scorer.probability(numeric: [1, 1, 1], categorical: [nil, nil]).isNaN)
        var scored = ByteWriter { _ in Issue.record("nothing should be written") }
        var errors = ByteWriter { _ in Issue.record("nothing should be written") }
        let csv = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\nC1,1,1,1,basic,EU\n"
        do {
            _ = try scorer.score(
                path: "in.csv", source: MemorySource(Array(csv.utf8)), scored: &scored, errors: &errors)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "in.csv: cannot score with this xgboost model: the artifact holds no booster")
        }
    }

    @Test func libraryErrorsBecomeTrimmedFailures() throws {
        // tree_method is checked in the config file; a value that gets past it fails inside XGBoost.
        var settings = Config.XGBoost()
        settings.treeMethod = "bogus"
        let x = (0..<200).map { Double($0 % 7) }
        let labels = (0..<100).map { UInt8($0 % 2) }
        #expect(throws: XGBoostError.self) {
            _ = try XGBoostModel.fit(
                train: x, trainLabels: labels, validation: x, validationLabels: labels, width: 2,
                featureNames: ["a", "b"],
                featureTypes: ["q", "q"], settings: settings, seed: 1, nthread: 1)
        }
        do {
            // Labels outside {0, 1} (what NaN or a bad mapping would give) are XGBoost's to refuse.
            _ = try XGBoostModel.fit(
                train: x, trainLabels: labels.map { $0 * 2 }, validation: x, validationLabels: labels, width: 2,
                featureNames: ["a", "b"], featureTypes: ["q", "q"], settings: Config.XGBoost(), seed: 1, nthread: 1)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("XGBoost failed while training round 0: "), "\(error)")
            #expect(error.message.contains("label"), "\(error)")
            #expect(!error.message.contains("Stack trace") && !error.message.contains(".cc:"), "\(error)")
        }
    }

    @Test(
        "error strings lose timestamps, source locations and stack traces",
        arguments: [
            (
                "[16:26:00] ../src/learner.cc:611: Invalid Input: 'bogus', valid values are: {'hist'}\n"
                    + "Stack trace:\n  [bt] (0) /usr/lib/libxgboost.so(+0x9b2f1) [0x7f]\n",
                "Invalid Input: 'bogus', valid values are: {'hist'}"
            ),
            ("[10:00:00] /build/src/objective/regression_obj.cu:98: label must be in [0,1]", "label must be in [0,1]"),
            ("plain message", "plain message"),
            ("", "no message from the library"),
        ])
    func trimsErrorStrings(raw: String, trimmed: String) {
        #expect(XGBoostError.trim(raw) == trimmed)
    }

    @Test func evaluationLinesParse() {
        #expect(XGBoostModel.metric("[12]\tvalidation-logloss:0.61234", name: "validation-logloss") == 0.61234)
        #expect(XGBoostModel.metric("[12]\tvalidation-auc:0.7", name: "validation-logloss") == nil)
    }
}
