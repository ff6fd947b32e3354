import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// `[schema.bounds]` and `[schema.normalize]` in `churnd.toml`.
struct InputChecksConfigTests {
    @Test func aSchemaWithoutChecksParsesAndEncodesAsBefore() throws {
        let config = try Config.parse(toml: "[schema]\nid = \"customer_id\"\n", file: "c.toml")
        #expect(config.schema.bounds.isEmpty && config.schema.normalize.isEmpty)
        let json = String(decoding: try JSONEncoder().encode(config.schema), as: UTF8.self)
        #expect(!json.contains("bounds") && !json.contains("normalize"), "\(json)")
        let old = #"{"id":"id","label":"y","positive":["1"],"numeric":["a"],"categorical":[],"missing":[""]}"#
        let decoded = try JSONDecoder().decode(Schema.self, from: Data(old.utf8))
        #expect(decoded.bounds.isEmpty && decoded.normalize.isEmpty && decoded.numeric == ["a"])
    }

    @Test func boundsTakeAPairOrATableAndNormalisationAName() throws {
        let config = try Config.parse(
            toml: """
                [schema.bounds]
                tenure_months = [0, 200]
                num_complaints = { min = 0 }
                avg_session_minutes = [-inf, 500.5]

                [schema.normalize]
                plan_type = "lower"
                region = "trim"
                """, file: "c.toml")
        #expect(config.schema.bounds["tenure_months"] == Bounds(min: 0, max: 200))
        #expect(config.schema.bounds["num_complaints"] == Bounds(min: 0, max: nil))
        #expect(config.schema.bounds["avg_session_minutes"] == Bounds(min: nil, max: 500.5))
        #expect(config.schema.normalize == ["plan_type": .lower, "region": .trim])
    }

    @Test(
        "errors name the key, its line and what is expected",
        arguments: [
            (
                "[schema.bounds]\ntenure = [0, 1]\n",
                "c.toml:2: schema.bounds.tenure: not a numeric column of the schema; numeric columns: "
                    + "tenure_months, num_complaints, avg_session_minutes"
            ),
            (
                "[schema.bounds]\ntenure_months = \"0-200\"\n",
                "c.toml:2: schema.bounds.tenure_months: expected [min, max] or { min = …, max = … }, found string"
            ),
            (
                "[schema.bounds]\ntenure_months = [0, 100, 200]\n",
                "c.toml:2: schema.bounds.tenure_months: expected [min, max] or { min = …, max = … }, found an array"
            ),
            (
                "[schema.bounds]\ntenure_months = [200, 0]\n",
                "c.toml:2: schema.bounds.tenure_months: the minimum 200 is above the maximum 0"
            ),
            (
                "[schema.bounds]\n\ntenure_months = { min = 0, maximum = 9 }\n",
                "c.toml:3: schema.bounds.tenure_months: unknown key \"maximum\"; known keys here: max, min"
            ),
            (
                "[schema.bounds]\ntenure_months = { min = \"0\" }\n",
                "c.toml:2: schema.bounds.tenure_months: min: expected a number, found string"
            ),
            ("[schema]\nbounds = 5\n", "c.toml:2: schema.bounds: expected a table [schema.bounds]"),
            (
                "[schema.normalize]\nplan_type = \"title\"\n",
                "c.toml:2: schema.normalize.plan_type: \"title\" is not one of \"trim\", \"lower\", \"upper\""
            ),
            (
                "[schema.normalize]\nplan_type = true\n",
                "c.toml:2: schema.normalize.plan_type: expected one of \"trim\", \"lower\", \"upper\", found bool"
            ),
            (
                "[schema.normalize]\ntenure_months = \"lower\"\n",
                "c.toml:2: schema.normalize.tenure_months: not a categorical column of the schema; categorical "
                    + "columns: plan_type, region"
            ),
            (
                "[schema]\ncategorical = [\"region\"]\n[schema.normalize]\nplan_type = \"lower\"\n",
                "c.toml:4: schema.normalize.plan_type: not a categorical column"
            ),
            ("[drift]\nmin_level_share_change = 2\n", "c.toml:2: drift.min_level_share_change: 2.0 is out of range"),
            (
                "[drift]\n\nmin_mean_shift = \"big\"\n",
                "c.toml:3: drift.min_mean_shift: expected a number, found string"
            ),
            ("[drift]\nmin_bin_psi = -1\n", "c.toml:2: drift.min_bin_psi: -1.0 is out of range"),
            ("[drift]\nmin_psi = 0.1\n", "c.toml:2: drift.min_psi: unknown key"),
        ])
    func errorsNameKeyAndLine(toml: String, prefix: String) {
        ConfigTests.expectError(toml: toml, prefix: prefix)
    }

    @Test func theDriftFloorsAreConfigurable() throws {
        let config = try Config.parse(
            toml: "[drift]\nmin_mean_shift = 0.2\nmin_bin_psi = 0.25\nmin_level_share_change = 0\n", file: "c.toml")
        let settings = config.drift.checkSettings
        #expect(settings.minMeanShift == 0.2 && settings.minBinPSI == 0.25 && settings.minLevelShareChange == 0)
        #expect(Config().drift.checkSettings.minLevelShareChange == 0.05)
    }
}

struct CategoryNormalizationTests {
    @Test(
        arguments: [
            (CategoryNormalization.trim, " Premium\t", "Premium"), (.lower, " PREMIUM ", "premium"),
            (.upper, " eu ", "EU"), (.lower, "PreMium", "premium"), (.lower, "ÉTÉ", "été"),
            (.upper, "straße", "STRASSE"),
            (.upper, "a-1_b", "A-1_B"),
        ])
    func normalisesAsPythonsStrMethodsAndMatchesLevels(
        normalization: CategoryNormalization, value: String, expected: String
    ) {
        #expect(normalization.apply(value) == expected)
        let levels = [Array("other".utf8), Array(expected.utf8)]
        let trimmed = Array(String(value.trimmingSpaces()).utf8)
        #expect(trimmed.withUnsafeBufferPointer { normalization.index(of: $0, in: levels) } == 1)
        #expect(Array("nothing".utf8).withUnsafeBufferPointer { normalization.index(of: $0, in: levels) } == -1)
        var scratch: [UInt8] = []
        trimmed.withUnsafeBufferPointer { normalization.normalize(trimmed: $0, into: &scratch) }
        #expect(scratch == Array(expected.utf8))
    }
}

/// Scoring with bounds and normalisation, through the one scoring path (`Scorer`).
struct ScorerInputCheckTests {
    static let header = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\n"

    /// Logistic models trained on the same rows with the lab's normalisation and without any (the format of
    /// models trained before normalisation existed).
    static let models = Result { () throws -> (normalized: ModelArtifact, plain: ModelArtifact) in
        let rows = try generate(rows: 3000, seed: 4)
        var config = Config().singleSplit
        config.training.families = [.logisticRegression]
        var plainData = LabeledData(schema: config.schema)
        try plainData.append(path: "g", source: MemorySource(rows), maxMissingFraction: 0)
        let plain = try Trainer(config: config).train(plainData, now: 0, elapsed: { 0 }).artifact
        config.schema = Config.initial.schema
        var data = LabeledData(schema: config.schema)
        try data.append(path: "g", source: MemorySource(rows), maxMissingFraction: 0)
        let normalized = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
        return (normalized, plain)
    }

    func score(_ scorer: Scorer, _ rows: String) throws -> (
        probabilities: [String: String], errors: String, summary: Scorer.Summary
    ) {
        var scoredBytes: [UInt8] = [], errorBytes: [UInt8] = []
        var scored = ByteWriter { scoredBytes.append(contentsOf: $0) }
        var errors = ByteWriter { errorBytes.append(contentsOf: $0) }
        let summary = try scorer.score(
            path: "x", source: MemorySource(Array((Self.header + rows).utf8)), scored: &scored, errors: &errors)
        var probabilities: [String: String] = [:]
        for line in String(decoding: scoredBytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            probabilities[String(fields[0])] = String(fields[1])
        }
        return (probabilities, String(decoding: errorBytes, as: UTF8.self), summary)
    }

    @Test func valuesOutOfBoundsAreRowErrorsAndNeverScored() throws {
        let scorer = Scorer(artifact: try Self.models.get().normalized, versionLabel: "1", bounds: Schema.labBounds)
        let result = try score(
            scorer,
            """
            A,0,0,0,basic,EU
            B,-5,1,30.5,basic,EU
            C,9999,1,30.5,basic,EU
            D,200,50,500,basic,EU
            E,12,51,30.5,premium,NA
            F,,1,30.5,basic,EU
            G,1e3,1,-0.01,basic,EU

            """)
        #expect(
            result.errors == """
                line,column,value,reason
                3,tenure_months,-5,below the minimum 0
                4,tenure_months,9999,above the maximum 200
                6,num_complaints,51,above the maximum 50
                8,tenure_months,1e3,above the maximum 200
                8,avg_session_minutes,-0.01,below the minimum 0

                """)
        #expect(Set(result.probabilities.keys) == ["A", "D", "F"])  // the limits are inclusive; missing is imputed
        #expect(result.summary.rows == 7 && result.summary.scored == 3 && result.summary.rejected == 4)
        #expect(result.summary.errorLines == 5)
    }

    @Test func withoutBoundsEveryNumberIsScoredAsBefore() throws {
        let scorer = Scorer(artifact: try Self.models.get().normalized, versionLabel: "1")
        let result = try score(scorer, "B,-5,1,30.5,basic,EU\nC,9999,1,30.5,basic,EU\n")
        #expect(result.probabilities.count == 2 && result.summary.rejected == 0)
    }

    @Test func misCasedAndPaddedLevelsScoreLikeTheirNormalForm() throws {
        let artifact = try Self.models.get().normalized
        #expect(artifact.preprocessing.categorical.map(\.normalization) == [.lower, .upper])
        let scorer = Scorer(artifact: artifact, versionLabel: "1", bounds: Schema.labBounds)
        let result = try score(
            scorer,
            "A,12,1,30.5,premium,EU\nB,12,1,30.5,PREMIUM,EU\nC,12,1,30.5, Premium , eu \nD,12,1,30.5,gold,EU\n"
                + "E,12,1,30.5,gold,mars\n")
        let p = result.probabilities
        #expect(p["A"] == p["B"] && p["A"] == p["C"], "\(p)")
        #expect(p["D"] != p["A"])
        #expect(result.summary.unseenLevels == ["plan_type": 2, "region": 1])
        #expect(result.summary.unseenLevelsText == "plan_type 2, region 1")
        // Rows given as values (logged records, shadow scoring) are normalised the same way.
        let premium = scorer.probability(numeric: [12, 1, 30.5], categorical: ["premium", "EU"])
        #expect(scorer.probability(numeric: [12, 1, 30.5], categorical: [" PREMIUM", "eu"]) == premium)
    }

    @Test func aModelTrainedWithoutNormalisationScoresExactlyAsBefore() throws {
        let plain = try Self.models.get().plain
        // Its file is in the format older churnd wrote: no normalisation recorded anywhere.
        let json = String(decoding: try plain.encoded(), as: UTF8.self)
        #expect(!json.contains("normalize") && !json.contains("bounds") && !json.contains("outOfBoundsRows"))
        let decoded = try ModelArtifact.decode(try plain.encoded(), path: "old.json")
        #expect(decoded.preprocessing.categorical.allSatisfy { $0.normalize == nil })
        let scorer = Scorer(artifact: decoded, versionLabel: "1")
        let result = try score(scorer, "A,12,1,30.5,premium,EU\nB,12,1,30.5,PREMIUM,EU\nD,12,1,30.5,gold,EU\n")
        let p = result.probabilities
        // Levels match byte for byte, as they always did: PREMIUM is a level this model never saw.
        #expect(p["B"] == p["D"] && p["A"] != p["B"], "\(p)")
        #expect(result.summary.unseenLevels == ["plan_type": 2])
        // And the probability is the model's own formula with an all-zero one-hot for the unseen level.
        let logistic = try #require(decoded.logistic)
        let pre = decoded.preprocessing
        var z = logistic.intercept
        for (k, value) in [12.0, 1, 30.5].enumerated() {
            z += logistic.coefficients[k] * (value - pre.numeric[k].mean) / pre.numeric[k].std
        }
        let regionOffset =
            pre.numeric.count + pre.categorical[0].levels.count + (pre.categorical[0].hasMissingLevel ? 1 : 0)
        z += logistic.coefficients[regionOffset + pre.categorical[1].levels.firstIndex(of: "EU")!]
        let expected = 1 / (1 + exp(-z))
        #expect(abs(Double(p["B"]!)! - expected) < 1e-6, "\(p["B"]!) vs \(expected)")
    }
}

/// Training reads the same checks: normalised levels, rows out of bounds left out and counted.
struct TrainingInputCheckTests {
    static let header = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region,churn\n"

    @Test func rowsOutOfBoundsAreLeftOutAndCountedAndLevelsNormalised() throws {
        var data = LabeledData(schema: Config.initial.schema)
        var csv = try generate(rows: 1000, seed: 3)
        csv += Array(
            "X1,-5,1,30,basic,EU,1\nX2,9999,1,30,basic,EU,0\nX3,12,60,30,basic,EU,1\nX4,12,1,30,PREMIUM, eu ,1\n".utf8)
        try data.append(path: "a.csv", source: MemorySource(csv), maxMissingFraction: 0.05)
        #expect(data.count == 1001)
        #expect(data.files[0].outOfBoundsRows == 3 && data.files[0].rows == 1001)
        #expect(Set(data.levels[0].levels) == ["basic", "premium"])
        #expect(Set(data.levels[1].levels) == ["NA", "EU", "AF", "AS"])
    }

    @Test func aFileWithTooManyRowsOutOfBoundsIsRefused() throws {
        var rows = Self.header
        for k in 0..<100 { rows += "C\(k),\(k < 10 ? 500 : 12),1,30,basic,EU,\(k % 2)\n" }
        var data = LabeledData(schema: Config.initial.schema)
        do {
            try data.append(path: "a.csv", source: MemorySource(Array(rows.utf8)), maxMissingFraction: 0.05)
            Issue.record("expected a refusal")
        } catch let failure as ValidationFailure {
            #expect(
                failure.problems == [
                    "column tenure_months: 10 of 100 values out of bounds (10.0%; the limit is 5.0%), first at line 2: "
                        + "\"500\" is above the maximum 200; fix the data or [schema.bounds]"
                ])
        }
        #expect(data.count == 0)
    }
}
