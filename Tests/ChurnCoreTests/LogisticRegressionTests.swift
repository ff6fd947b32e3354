import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// The golden comparison with scikit-learn: same data, same preprocessing, same objective.
/// `Fixtures/make_sklearn_fixture.py` produced the files.
struct LogisticRegressionTests {
    struct Expected: Decodable {
        var feature_names: [String]
        var medians: [String: Double]
        var means: [String: Double]
        var stds: [String: Double]
        var intercept: Double
        var coef: [String: Double]
        var probabilities: [Double]
        var roc_auc: Double
        var log_loss: Double
    }

    static func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    @Test func matchesScikitLearnOnTheGoldenFixture() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Self.fixture("sklearn_lr_expected.json"))
        var data = LabeledData(schema: .reference)
        try data.append(
            path: "sklearn_lr_train.csv", source: MemorySource(Array(Self.fixture("sklearn_lr_train.csv"))),
            maxMissingFraction: 0.05)
        let rows = Array(0..<data.count)
        let preprocessing = Preprocessing.fit(data, rows: rows)
        #expect(preprocessing.featureNames == expected.feature_names)
        for feature in preprocessing.numeric {
            #expect(feature.median == expected.medians[feature.name])
            #expect(abs(feature.mean - expected.means[feature.name]!) < 1e-12)
            #expect(abs(feature.std - expected.stds[feature.name]!) < 1e-12)
        }
        let x = preprocessing.encode(data, rows: rows)
        let (model, report) = LogisticRegression.fit(x: x, width: preprocessing.width, labels: data.labels)
        #expect(report.gradientNorm < 1e-8)
        #expect(abs(model.intercept - expected.intercept) < 1e-4)
        for (name, coefficient) in zip(preprocessing.featureNames, model.coefficients) {
            #expect(abs(coefficient - expected.coef[name]!) < 1e-4, "\(name)")
        }
        let probabilities = model.predict(x: x, width: preprocessing.width)
        let worst = zip(probabilities, expected.probabilities).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-6)
        #expect(abs(Metrics.rocAUC(probabilities: probabilities, labels: data.labels)! - expected.roc_auc) < 1e-9)
        #expect(abs(Metrics.logLoss(probabilities: probabilities, labels: data.labels) - expected.log_loss) < 1e-9)
    }

    @Test func scorerFoldsPreprocessingIntoTheSameProbabilities() throws {
        // The scorer's folded coefficients must give the probabilities of encode + predict.
        var data = LabeledData(schema: .reference)
        let csv = try Self.fixture("sklearn_lr_train.csv")
        try data.append(path: "fixture", source: MemorySource(Array(csv)), maxMissingFraction: 0.05)
        var config = Config().singleSplit
        config.training.seed = 3
        config.training.families = [.logisticRegression]
        let result = try Trainer(config: config).train(data, now: 0, elapsed: { 0 })
        let scorer = Scorer(artifact: result.artifact, versionLabel: "7")
        let (lines, summary) = try scorer.scoreInMemory(Array(csv))
        #expect(summary.scored == data.count)
        let rows = Array(0..<data.count)
        let direct = result.artifact.logistic!.predict(
            x: result.artifact.preprocessing.encode(data, rows: rows), width: result.artifact.preprocessing.width)
        for (line, expected) in zip(lines, direct) {
            let fields = line.split(separator: ",")
            #expect(abs(Double(fields[1])! - expected) <= 5e-7)
            #expect(fields[2] == (expected >= result.artifact.threshold ? "1" : "0"))
            #expect(fields[3] == "7")
        }
    }
}
