import Foundation
import Testing

@testable import ChurnCore

/// The compiled trees churnd scores with predict what XGBoost's C library predicts, to the bit.
struct TreeEnsembleTests {
    /// `rows` rows of `width` features in -3..3, with a share of them NaN (missing) when `missing` > 0.
    static func rows(_ rows: Int, width: Int, missing: Double, seed: UInt64) -> [Float] {
        var random = RandomSource(seed: seed)
        return (0..<rows * width).map { _ in
            Double.random(in: 0..<1, using: &random) < missing
                ? .nan : Float(Double.random(in: -3..<3, using: &random).rounded(toPlaces: 2))
        }
    }

    static func libraryAndEnsemble(_ json: String, _ x: [Float], width: Int) throws -> ([Float], [Float]) {
        let rows = x.count / width
        var expected = [Float](repeating: -1, count: rows)
        var actual = [Float](repeating: -1, count: rows)
        let booster = try XGBoostBooster(json: json, nthread: 2)
        let ensemble = try TreeEnsemble(json: json)
        try x.withUnsafeBufferPointer { input throws(XGBoostError) in
            try expected.withUnsafeMutableBufferPointer { out throws(XGBoostError) in
                try booster.predict(input, rows: rows, width: width, into: out)
            }
            actual.withUnsafeMutableBufferPointer { ensemble.predict(input, rows: rows, width: width, into: $0) }
        }
        return (expected, actual)
    }

    /// Rows whose probabilities differ in any bit (the counts must also match).
    static func differences(_ a: [Float], _ b: [Float]) -> Int {
        a.count == b.count ? zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count : max(a.count, b.count)
    }

    @Test func theFixtureBoosterGivesTheLibrarysProbabilitiesBitForBit() throws {
        let expected = try XGBoostTests.expected.get()
        let ensemble = try TreeEnsemble(json: expected.booster)
        #expect(ensemble.featureCount == 9 && ensemble.treeCount == expected.best_iteration + 1)
        // The fixture's encoded rows, then random ones (whole groups and a ragged tail of each size).
        for x in [
            expected.encoded.flatMap { $0.map(Float.init) }, Self.rows(1_003, width: 9, missing: 0, seed: 5),
        ] {
            let (library, compiled) = try Self.libraryAndEnsemble(expected.booster, x, width: 9)
            #expect(library.count == x.count / 9 && Self.differences(compiled, library) == 0)
        }
        // Shared among threads (each share at least 4,096 rows), the rows give the same bits.
        let many = Self.rows(20_003, width: 9, missing: 0.01, seed: 6).map(Double.init)
        let single = ensemble.predict(many, width: 9)
        for threads in [2, 3] {
            #expect(single.count == 20_003 && ensemble.predict(many, width: 9, threads: threads) == single)
        }
        for rows in 0...TreeEnsemble.group + 1 {
            let x = Self.rows(rows, width: 9, missing: 0, seed: UInt64(rows))
            let (library, compiled) = try Self.libraryAndEnsemble(expected.booster, x, width: 9)
            #expect(Self.differences(compiled, library) == 0, "\(rows) rows")
        }
    }

    @Test func missingValuesFollowEachSplitsDefaultDirection() throws {
        // Given a deep booster trained where a fifth of the values are missing (so splits learn both default
        // directions),
        let width = 4
        let x = Self.rows(4_000, width: width, missing: 0.2, seed: 11)
        let labels = (0..<4_000).map { i -> UInt8 in
            let a = x[i * width], b = x[i * width + 1]
            return (a.isNaN ? 1 : a) * (b.isNaN ? -1 : b) > 0.3 ? 1 : 0
        }
        var settings = Config.XGBoost()
        settings.rounds = 40
        settings.earlyStoppingRounds = 0
        settings.maxDepth = 8
        let values = x.map(Double.init)
        let model = try XGBoostModel.fit(
            train: values, trainLabels: labels, validation: values, validationLabels: labels, width: width,
            featureNames: ["a", "b", "c", "d"], featureTypes: ["q", "q", "q", "q"], settings: settings, seed: 3,
            nthread: 2)
        let trees =
            (try JSONSerialization.jsonObject(with: Data(model.booster.utf8)) as? [String: Any])
            .flatMap { $0["learner"] as? [String: Any] }.flatMap { $0["gradient_booster"] as? [String: Any] }
            .flatMap { $0["model"] as? [String: Any] }.flatMap { $0["trees"] as? [[String: Any]] } ?? []
        let directions = Set(trees.flatMap { $0["default_left"] as? [Int] ?? [] })
        #expect(trees.count == 40 && directions == [0, 1])
        // when both predict rows they have never seen, with missing values,
        let unseen = Self.rows(2_001, width: width, missing: 0.3, seed: 12)
        let (library, compiled) = try Self.libraryAndEnsemble(model.booster, unseen, width: width)
        // then they agree on every bit.
        #expect(library.count == 2_001 && Self.differences(compiled, library) == 0)
        // and so does the one-row walk, row by row.
        let ensemble = try TreeEnsemble(json: model.booster)
        let oneByOne = (0..<2_001).map { i in
            unseen[i * width..<(i + 1) * width].withUnsafeBufferPointer { ensemble.probability($0) }
        }
        #expect(Self.differences(oneByOne, library) == 0)
    }

    /// A booster of `rounds` trees of up to `depth` levels on `width` features, trained on rows where some
    /// values are missing.
    static func booster(depth: Int, rounds: Int, width: Int, seed: UInt64) throws -> String {
        let x = rows(3_000, width: width, missing: 0.05, seed: seed)
        let labels = (0..<3_000).map { i -> UInt8 in
            let row = x[i * width..<(i + 1) * width].map { $0.isNaN ? 0 : $0 }
            return row[0] * row[1] + sin(3 * row[2]) - row[3] > 0.2 ? 1 : 0
        }
        var settings = Config.XGBoost()
        settings.rounds = rounds
        settings.earlyStoppingRounds = 0
        settings.maxDepth = depth
        let values = x.map(Double.init)
        return try XGBoostModel.fit(
            train: values, trainLabels: labels, validation: values, validationLabels: labels, width: width,
            featureNames: (0..<width).map { "f\($0)" }, featureTypes: Array(repeating: "q", count: width),
            settings: settings, seed: seed, nthread: 2
        ).booster
    }

    @Test func theVectorWalkGivesThePortableWalksBitsAtEveryDepth() throws {
        // Boosters from stumps to the deepest trees the vector walk takes (8 levels) and one past it, whose
        // trees end at many depths (the shallower leaves are padded in the vector walk's layout), on an odd and
        // an even number of features (paired in vectors, the odd one padded) and on more features than pair up
        // (17: gathered);
        for (depth, width) in [
            (1, 5), (2, 6), (4, 5), (5, 6), (6, 5), (6, 6), (7, 5), (8, 6), (9, 5), (6, 17), (8, 17),
        ] {
            let json = try Self.booster(depth: depth, rounds: 12, width: width, seed: UInt64(depth * width))
            let vector = try TreeEnsemble(json: json)
            let portable = try TreeEnsemble(json: json, vectorWalk: false)
            #expect(!portable.walksVectors)
            #expect(vector.walksVectors == (TreeEnsemble.vectorWalkAvailable && depth <= 8), "depth \(depth)")
            let context = "depth \(depth), \(width) features"
            // rows in every position of a vector and a block (the 64 rows the walk takes at once), without
            // missing values and with a few (a block holding one goes the portable walk, the others not),
            for (rows, missing) in [
                (1, 0.0), (15, 0), (16, 0), (17, 0), (63, 0), (64, 0), (65, 0), (1_000, 0),
                (1_000, 0.002),
            ] {
                let x = Self.rows(rows, width: width + 2, missing: missing, seed: UInt64(rows + depth))
                    .map { $0.isNaN ? $0 : $0 * 1.3 }
                let input = x.map(Double.init)
                // then both walks and the library agree on every bit (rows wider than the model: stride ≠ features).
                let a = vector.predict(input, width: width + 2), b = portable.predict(input, width: width + 2)
                #expect(a.count == rows && a == b, "\(context), \(rows) rows, missing \(missing)")
                let narrow = (0..<rows).flatMap { x[$0 * (width + 2)..<$0 * (width + 2) + width] }
                let (library, _) = try Self.libraryAndEnsemble(json, narrow, width: width)
                #expect(Self.differences(a.map(Float.init), library) == 0, "\(context), \(rows) rows")
            }
        }
    }

    @Test func modelsItCannotRepresentAreRefusedWithTheReason() throws {
        let booster = try XGBoostTests.expected.get().booster
        for (old, new, reason) in [
            ("\"binary:logistic\"", "\"reg:squarederror\"", "objective \"reg:squarederror\" is not binary:logistic"),
            ("\"split_type\":[0", "\"split_type\":[1", "tree 0: categorical splits are not supported"),
            ("\"left_children\":[1", "\"left_children\":[0", "tree 0: node 0 has children 0 and 2"),
        ] {
            #expect(booster.contains(old), "fixture lacks \(old)")
            let edited = booster.replacingOccurrences(of: old, with: new)
            #expect(throws: XGBoostError(operation: "compiling the booster's trees", message: reason)) {
                try TreeEnsemble(json: edited)
            }
        }
        #expect(throws: XGBoostError.self) { try TreeEnsemble(json: "{\"learner\": 3}") }
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
