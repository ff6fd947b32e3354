import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

struct ModelArtifactTests {
    func trained() throws -> ModelArtifact {
        var data = LabeledData(schema: .reference)
        try data.append(path: "gen.csv", source: MemorySource(try generate(rows: 3000, seed: 2)), maxMissingFraction: 0)
        var config = Config().singleSplit
        config.training.families = [.logisticRegression]
        return try Trainer(config: config).train(data, now: 1_763_856_000, elapsed: { 0.5 }).artifact
    }

    @Test func roundTripsThroughJSON() throws {
        let artifact = try trained()
        let decoded = try ModelArtifact.decode(try artifact.encoded(), path: "model.json")
        #expect(decoded == artifact)
        #expect(decoded.training.inputs.first?.sha256.count == 64)
        #expect(decoded.featureStatistics.map(\.name) == Schema.reference.features + ["probability"])
    }

    @Test func refusesANewerFormat() throws {
        var object = try JSONSerialization.jsonObject(with: try trained().encoded()) as! [String: Any]
        object["formatVersion"] = ModelArtifact.currentFormatVersion + 1
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: ChurnError.self) { try ModelArtifact.decode(data, path: "m.json") }
        do {
            _ = try ModelArtifact.decode(data, path: "m.json")
        } catch {
            #expect("\(error)".contains("newer churnd"))
        }
    }

    @Test func refusesCoefficientsThatDoNotFitTheSchema() throws {
        var artifact = try trained()
        artifact.logistic!.coefficients.removeLast()
        #expect(throws: ChurnError.self) { try ModelArtifact.decode(try artifact.encoded(), path: "m.json") }
    }

    @Test func refusesFilesThatAreNotModels() {
        #expect(throws: ChurnError.self) { try ModelArtifact.decode(Data("hello".utf8), path: "m.json") }
        #expect(throws: ChurnError.self) { try ModelArtifact.decode(Data("{}".utf8), path: "m.json") }
    }
}
