import Foundation
import Testing

@testable import ChurnCore

struct MetricsTests {
    struct Fixture: Decodable { var cases: [Case] }

    struct Case: Decodable {
        var name: String
        var labels: [UInt8]
        var scores: [Double]
        var roc_auc: Double
        var f1: Double
        var precision: Double
        var recall: Double
        var accuracy: Double
        var best_f1_threshold: Double
        var best_f1: Double
    }

    static func cases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sklearn_metrics_ties", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    @Test func matchesScikitLearnWithTiedScores() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 3)
        for c in cases {
            let name = c.name
            let metrics = Metrics(probabilities: c.scores, labels: c.labels, threshold: 0.5)
            #expect(abs(metrics.rocAUC! - c.roc_auc) < 1e-12, "\(name)")
            #expect(abs(metrics.f1 - c.f1) < 1e-12, "\(name)")
            #expect(abs(metrics.precision - c.precision) < 1e-12, "\(name)")
            #expect(abs(metrics.recall - c.recall) < 1e-12, "\(name)")
            #expect(abs(metrics.accuracy - c.accuracy) < 1e-12, "\(name)")
            let best = Metrics.bestF1Threshold(probabilities: c.scores, labels: c.labels)
            #expect(best.threshold == c.best_f1_threshold, "\(name)")
            #expect(abs(best.f1 - c.best_f1) < 1e-12, "\(name)")
        }
    }

    @Test func aucIsHalfWhenEveryScoreTies() {
        #expect(Metrics.rocAUC(probabilities: [0.3, 0.3, 0.3, 0.3], labels: [1, 0, 1, 0]) == 0.5)
    }

    @Test func aucIsUndefinedWithOneClass() {
        #expect(Metrics.rocAUC(probabilities: [0.1, 0.9], labels: [1, 1]) == nil)
    }

    @Test func constantPredictorF1MatchesTheFormula() {
        let labels: [UInt8] = [1, 1, 1, 0]
        let metrics = Metrics(probabilities: [0.9, 0.9, 0.9, 0.9], labels: labels, threshold: 0.5)
        #expect(abs(metrics.f1 - metrics.f1AllPositive) < 1e-12)
        #expect(abs(metrics.f1AllPositive - 2 * 0.75 / 1.75) < 1e-12)
    }
}
