import ChurnTestKit
import Testing

@testable import ChurnCore

/// The logistic-regression fast path (`LinearRows`) writes what the general path writes, to the byte, and
/// samples the same prediction-log records.
struct ScorerFastPathTests {
    /// Rows for every way a row can leave the fast path, or stay on it at an edge.
    static let tricky = """
        A,0,0,0,basic,EU
        B,-5,1,30.5,basic,EU
        C,9999,1,30.5,basic,EU
        D,200,50,500,basic,EU
        E,12,51,30.5,premium,NA
        F,,1,30.5,basic,EU
        G,1e3,1,-0.01,basic,EU
        H, 12 ,1,30.5, Basic ,eu
        I,12,1,30.5,PREMIUM,Eu
        J,12,1,30.5,gold,EU
        K,12,1,30.5,,
        "L,1",12,1,30.5,basic,EU
        "M""q",12,1,30.5,"basic",EU
        N,12.,1,.5,basic,EU
        O,012,1,030.500,basic,EU
        P,12,1,30.5,basic
        Q,12,1,30.5,basic,EU,extra
        R,x,1,30.5,basic,EU
        S,nan,1,30.5,basic,EU
        T,+12,1,3.05e1,basic,EU
        U,12,1,30.123456789012345,basic,EU
        V,12,1,.,basic,EU
        W\u{E9},12,1,30.5,b\u{E9}sic,EU
        X,12,1,30.5,verylonglevelname,EU
        Y,1.5,2,99.25,standard,AS\r
        Z,7,0,12,basic,EU
        """

    static func bytes(
        _ scorer: Scorer, _ csv: [UInt8], generalPath: Bool, sampleRows: Int = 0
    ) throws -> (scored: [UInt8], errors: [UInt8], summary: Scorer.Summary, sample: [PredictionRecord]) {
        var scorer = scorer
        scorer.linearFastPath = !generalPath
        var scoredBytes: [UInt8] = [], errorBytes: [UInt8] = []
        var scored = ByteWriter(capacity: 256) { scoredBytes.append(contentsOf: $0) }
        var errors = ByteWriter(capacity: 256) { errorBytes.append(contentsOf: $0) }
        var sample = PredictionSampler(capacity: sampleRows, seed: 1)
        let summary = try scorer.score(
            path: "x", source: MemorySource(csv), scored: &scored, errors: &errors, progress: nil, sample: &sample,
            timestamp: 5)
        let records = scorer.records(of: sample)
        #expect(try scorer.logLines(of: sample) == (try recordLines(records)))
        return (scoredBytes, errorBytes, summary, records)
    }

    static func expectSameOutput(_ scorer: Scorer, _ csv: [UInt8], sampleRows: Int = 0) throws {
        let fast = try bytes(scorer, csv, generalPath: false, sampleRows: sampleRows)
        let general = try bytes(scorer, csv, generalPath: true, sampleRows: sampleRows)
        #expect(String(decoding: fast.scored, as: UTF8.self) == String(decoding: general.scored, as: UTF8.self))
        #expect(String(decoding: fast.errors, as: UTF8.self) == String(decoding: general.errors, as: UTF8.self))
        #expect(fast.summary == general.summary)
        #expect(fast.sample == general.sample)
        #expect(fast.sample.count == min(sampleRows, fast.summary.scored))
    }

    @Test(arguments: [false, true], [false, true])
    func trickyRowsScoreAsOnTheGeneralPath(normalized: Bool, bounded: Bool) throws {
        let models = try ScorerInputCheckTests.models.get()
        let scorer = Scorer(
            artifact: normalized ? models.normalized : models.plain, versionLabel: "12",
            bounds: bounded ? Schema.labBounds : [:])
        let csv = Array((ScorerInputCheckTests.header + Self.tricky + "\n").utf8)
        try Self.expectSameOutput(scorer, csv)
        try Self.expectSameOutput(scorer, csv, sampleRows: 100)
        try Self.expectSameOutput(scorer, csv, sampleRows: 5)
        let fast = try Self.bytes(scorer, csv, generalPath: false)
        #expect(fast.summary.rows == 26)
        #expect(fast.summary.scored > 10)  // most rows are scored: the comparison is not between empty files
    }

    /// XGBoost models trained on the same rows as `ScorerInputCheckTests.models`, with the lab's normalisation
    /// and without any.
    static let trees = Result { () throws -> (normalized: ModelArtifact, plain: ModelArtifact) in
        let rows = try generate(rows: 3000, seed: 4)
        var config = Config().singleSplit
        config.training.families = [.xgboost]
        config.xgboost.rounds = 20
        config.xgboost.nthread = 1
        var plainData = LabeledData(schema: config.schema)
        try plainData.append(path: "g", source: MemorySource(rows), maxMissingFraction: 0)
        let plain = try Trainer(config: config).train(plainData, now: 0, elapsed: { 0 }).artifact
        config.schema = Config.initial.schema
        var data = LabeledData(schema: config.schema)
        try data.append(path: "g", source: MemorySource(rows), maxMissingFraction: 0)
        let normalized = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
        return (normalized, plain)
    }

    /// Clean rows encoded for the trees by the fast path give the general path's bytes, across batch boundaries
    /// (batches of 7 rows), with and without bounds, a sample and passthrough columns.
    @Test(arguments: [false, true], [false, true])
    func treeRowsScoreAsOnTheGeneralPath(normalized: Bool, bounded: Bool) throws {
        let models = try Self.trees.get()
        let artifact = normalized ? models.normalized : models.plain
        #expect(artifact.family == ModelFamily.xgboost.rawValue)
        var scorer = Scorer(
            artifact: artifact, versionLabel: "12", bounds: bounded ? Schema.labBounds : [:], nthread: 1)
        scorer.batchRows = 7
        let tricky = Array((ScorerInputCheckTests.header + Self.tricky + "\n").utf8)
        try Self.expectSameOutput(scorer, tricky)
        try Self.expectSameOutput(scorer, tricky, sampleRows: 5)
        let fast = try Self.bytes(scorer, tricky, generalPath: false)
        #expect(fast.summary.rows == 26)
        #expect(fast.summary.scored > 10)
        let generated = try generate(rows: 5_000, seed: 12)
        try Self.expectSameOutput(scorer, generated)
        try Self.expectSameOutput(scorer, generated, sampleRows: 300)
        var passthrough = Scorer(artifact: artifact, versionLabel: "v", passthrough: true, nthread: 1)
        passthrough.batchRows = 1000
        try Self.expectSameOutput(passthrough, generated)
    }

    @Test func generatedRowsScoreAsOnTheGeneralPath() throws {
        let models = try ScorerInputCheckTests.models.get()
        let csv = try generate(rows: 20_000, seed: 11)
        for artifact in [models.normalized, models.plain] {
            let scorer = Scorer(artifact: artifact, versionLabel: "3", bounds: Schema.labBounds)
            try Self.expectSameOutput(scorer, csv)
            try Self.expectSameOutput(scorer, csv, sampleRows: 700)
            let passthrough = Scorer(artifact: artifact, versionLabel: "v", passthrough: true)
            try Self.expectSameOutput(passthrough, csv)
        }
    }
}

/// The one-loop parser for plain decimals gives the general parser's double, to the bit.
struct PlainNumberTests {
    static func general(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { NumberParser.parseDouble($0) }
    }

    static func plain(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { NumberParser.parsePlain($0) }
    }

    @Test func plainDecimalsMatchStrtod() {
        var random = SystemRandomNumberGenerator()
        var texts = ["0", "00", "0.0", "1.", ".5", "007.250", "999999999999999", "9999999.9999999", "1234567.891"]
        for _ in 0..<200_000 {
            let integerDigits = Int.random(in: 0...8, using: &random)
            let fractionDigits = Int.random(in: 0...(14 - integerDigits), using: &random)
            var text = String((0..<integerDigits).map { _ in Character(String(Int.random(in: 0...9))) })
            if fractionDigits > 0 || Bool.random(using: &random) {
                text += "." + String((0..<fractionDigits).map { _ in Character(String(Int.random(in: 0...9))) })
            }
            texts.append(text)
        }
        for text in texts where text != "." && !text.isEmpty {
            let value = Self.plain(text)
            #expect(value != nil, "\(text)")
            #expect(value?.bitPattern == strtod(text, nil).bitPattern, "\(text)")
        }
    }

    /// The parser's constant powers of ten are the products of tens (each exact: 10^22 < 2^53 · 2^22).
    @Test func powersOfTenAreExact() {
        var product = 1.0
        for exponent in 0...22 {
            #expect(NumberParser.powerOf10(exponent).bitPattern == product.bitPattern, "10^\(exponent)")
            product *= 10
        }
    }

    @Test(arguments: ["", ".", "..", "1.2.3", "-1", "+1", " 1", "1 ", "1e3", "nan", "1234567890123456", "0x1", "1,5"])
    func anythingElseIsLeftToTheGeneralParser(text: String) {
        #expect(Self.plain(text) == nil)
    }
}

/// The prediction's one-check path writes what the separate writes do.
struct PredictionFormatTests {
    /// A field needs quotes exactly when it holds a comma, quote, CR or LF, wherever it is among words.
    @Test func fieldsNeedQuotesExactlyWithACommaQuoteCROrLF() {
        var random = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x2C, 0x22, 0x0A, 0x0D, 0x09, 0x20, 0x21, 0x23, 0x41, 0x7A, 0x00, 0xC3, 0xFF]
        for _ in 0..<50_000 {
            let length = Int.random(in: 0...24, using: &random)
            var bytes = (0..<length).map { _ in UInt8(ascii: "a") + UInt8.random(in: 0..<26, using: &random) }
            for _ in 0..<Int.random(in: 0...2, using: &random) where length > 0 {
                bytes[Int.random(in: 0..<length, using: &random)] = alphabet.randomElement(using: &random)!
            }
            let expected = bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            #expect(bytes.withUnsafeBufferPointer { ByteWriter.needsQuotes($0) } == expected, "\(bytes)")
        }
    }

    @Test func predictionTextMatchesItsParts() throws {
        var random = SystemRandomNumberGenerator()
        var values: [Double] = [0, 1, 0.5, 0.9999995, 1.0.nextDown, 2, -0.5, .nan, .infinity]
        for _ in 0..<50_000 { values.append(Double.random(in: 0..<1, using: &random)) }
        for value in values {
            let fast = try ProbabilityFormatTests.text { writer in
                try "v2".utf8CString.withUnsafeBufferPointer { chars in
                    try chars.withMemoryRebound(to: UInt8.self) {
                        try writer.writePrediction(
                            value, threshold: 0.5, version: UnsafeBufferPointer(rebasing: $0.dropLast()))
                    }
                }
            }
            let general = try ProbabilityFormatTests.text { writer in
                try writer.write(",")
                try writer.write(fixed: value, decimals: 6)
                try writer.write(value >= 0.5 ? ",1,v2" : ",0,v2")
            }
            #expect(fast == general, "\(value)")
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
