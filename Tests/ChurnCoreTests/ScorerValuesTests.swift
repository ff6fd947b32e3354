import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// A record given as typed values (an HTTP request) is checked and scored as the same row in a CSV file is:
/// same refusals with the same reasons, same probability to the bit.
struct ScorerValuesTests {
    static let header = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\n"

    /// One logistic model and one XGBoost model trained with the lab's bounds and normalisation.
    static let models = Result { () throws -> [ModelArtifact] in
        let rows = try generate(rows: 3000, seed: 4)
        var config = Config.initial.singleSplit
        var artifacts: [ModelArtifact] = []
        for family in [ModelFamily.logisticRegression, .xgboost] {
            config.training.families = [family]
            config.xgboost.rounds = 20
            var data = LabeledData(schema: config.schema)
            try data.append(path: "g", source: MemorySource(rows), maxMissingFraction: 0)
            artifacts.append(try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact)
        }
        return artifacts
    }

    static func number(_ value: Double) -> Scorer.FieldValue { .number(value, text: JSONText.of(value)) }

    /// (CSV fields, the same values as JSON would give them).
    static let rows: [(csv: String, values: [String: Scorer.FieldValue])] = [
        (
            "6,3,12.5,basic,AF",
            [
                "tenure_months": number(6), "num_complaints": number(3), "avg_session_minutes": number(12.5),
                "plan_type": .text("basic"), "region": .text("AF"),
            ]
        ),
        (
            ",0,55, PREMIUM ,eu",
            [
                "tenure_months": .null, "num_complaints": number(0), "avg_session_minutes": number(55),
                "plan_type": .text(" PREMIUM "), "region": .text("eu"),
            ]
        ),
        (
            "200,50,500,gold,,",
            [
                "tenure_months": number(200), "num_complaints": number(50), "avg_session_minutes": number(500),
                "plan_type": .text("gold"), "region": .text(""),
            ]
        ),
    ]

    @Test func valuesScoreAsTheirCSVRowToTheBit() throws {
        for artifact in try Self.models.get() {
            let scorer = Scorer(artifact: artifact, versionLabel: "1", bounds: Schema.labBounds)
            for (index, row) in Self.rows.enumerated() {
                let csv =
                    Self.header
                    + "C\(index),\(row.csv.split(separator: ",", omittingEmptySubsequences: false).prefix(5).joined(separator: ","))\n"
                let scored = try scorer.scoreInMemory(Array(csv.utf8))
                #expect(scored.summary.scored == 1, "\(artifact.family) row \(index)")
                guard case .valid(let checked) = scorer.check(row.values) else {
                    Issue.record("\(artifact.family) row \(index) refused")
                    continue
                }
                let probability = scorer.probability(of: checked)
                let field = scored.lines.first?.split(separator: ",")[1] ?? ""
                #expect(String(field) == NumberFormat.fixed(probability, 6), "\(artifact.family) row \(index)")
                // The logged sample of the file path holds the same values as the request's record.
                #expect(checked.categorical.allSatisfy { $0 == nil || $0 == $0?.trimmingCharacters(in: .whitespaces) })
            }
        }
    }

    @Test func refusalsNameEachFieldWithTheFilePathsReasons() throws {
        let artifact = try Self.models.get()[0]
        let scorer = Scorer(artifact: artifact, versionLabel: "1", bounds: Schema.labBounds)
        let check = scorer.check([
            "tenure_months": Self.number(201), "num_complaints": .text("3"), "plan_type": .number(1, text: "1"),
            "region": .bool(true),
        ])
        guard case .invalid(let problems) = check else {
            Issue.record("accepted")
            return
        }
        #expect(
            problems == [
                .init(field: "tenure_months", message: "above the maximum 200"),
                .init(field: "num_complaints", message: "expected a number, found a string"),
                .init(field: "avg_session_minutes", message: "field required"),
                .init(field: "plan_type", message: "expected a string, found a number"),
                .init(field: "region", message: "expected a string, found a boolean"),
            ])
        // The CSV path gives the same reason for the same value.
        let csv = Self.header + "C1,201,3,12.5,basic,AF\n"
        var errors: [UInt8] = []
        var scoredWriter = ByteWriter { _ in }
        var errorWriter = ByteWriter { errors.append(contentsOf: $0) }
        _ = try scorer.score(path: "x", source: MemorySource(csv), scored: &scoredWriter, errors: &errorWriter)
        #expect(String(decoding: errors, as: UTF8.self).contains("above the maximum 200"))
    }

    @Test func aMissingMarkerOutsideTheBoundsIsMissingNotRefused() throws {
        let artifact = try Self.models.get()[0]
        let scorer = Scorer(artifact: artifact, versionLabel: "1", bounds: Schema.labBounds)
        var marked = artifact
        marked.schema.missing = ["", "-1"]
        let marking = Scorer(artifact: marked, versionLabel: "1", bounds: Schema.labBounds)
        let values: [String: Scorer.FieldValue] = [
            "tenure_months": Self.number(-1), "num_complaints": Self.number(3),
            "avg_session_minutes": Self.number(12.5),
            "plan_type": .text("basic"), "region": .text("AF"),
        ]
        guard case .invalid = scorer.check(values) else {
            Issue.record("-1 accepted without the marker")
            return
        }
        guard case .valid(let row) = marking.check(values) else {
            Issue.record("-1 refused although it is a missing marker")
            return
        }
        #expect(row.numeric[0] == nil)
    }
}

/// How a JSON number's text reads (as `JSONValue` renders it).
enum JSONText {
    static func of(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
