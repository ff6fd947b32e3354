import Testing

@testable import ChurnCore

func generate(_ generator: Generator = Generator(), rows: Int, seed: UInt64) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var writer = ByteWriter { bytes.append(contentsOf: $0) }
    try generator.write(rows: rows, seed: seed, to: &writer)
    return bytes
}

struct GeneratorTests {
    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        #expect(try generate(rows: 2000, seed: 5) == generate(rows: 2000, seed: 5))
        #expect(try generate(rows: 2000, seed: 5) != generate(rows: 2000, seed: 6))
    }

    @Test func momentsMatchTheReferenceDistribution() throws {
        var data = LabeledData(schema: .reference)
        try data.append(path: "gen", source: MemorySource(try generate(rows: 100_000, seed: 11)), maxMissingFraction: 0)
        #expect(data.count == 100_000)
        let n = Double(data.count)
        let tenure = data.numeric[0], complaints = data.numeric[1], session = data.numeric[2]
        #expect(tenure.min() == 1 && tenure.max() == 59)
        #expect(abs(tenure.reduce(0, +) / n - 30) < 0.3)
        #expect(abs(complaints.reduce(0, +) / n - 1.2) < 0.02)
        let complaintsMean = complaints.reduce(0, +) / n
        let complaintsVariance = complaints.reduce(0) { $0 + ($1 - complaintsMean) * ($1 - complaintsMean) } / n
        #expect(abs(complaintsVariance - 1.2) < 0.05)  // Poisson: variance = mean
        #expect(abs(session.reduce(0, +) / n - 35) < 0.2)
        #expect(session.min()! >= 1 && session.max()! <= 120)
        let premium = Double(data.categorical[0].filter { data.levels[0].levels[Int($0)] == "premium" }.count) / n
        #expect(abs(premium - 0.28) < 0.01)
        let eu = Double(data.categorical[1].filter { data.levels[1].levels[Int($0)] == "EU" }.count) / n
        #expect(abs(eu - 0.30) < 0.01)
        let positiveRate = Double(data.labels.reduce(0) { $0 + Int($1) }) / n
        #expect(abs(positiveRate - 0.53) < 0.02)
    }

    @Test func shiftsMoveTheDistributions() throws {
        var generator = Generator()
        try generator.apply(shift: "num_complaints=1.5")
        try generator.apply(shift: "tenure_months=1..47")
        try generator.apply(shift: "plan_type=premium:0.40")
        try generator.apply(shift: "region=EU:0.20,AF:0.35")
        #expect(generator.regions.map(\.p).reduce(0, +) == 1)
        var data = LabeledData(schema: .reference)
        try data.append(
            path: "gen", source: MemorySource(try generate(generator, rows: 50_000, seed: 3)), maxMissingFraction: 0)
        let n = Double(data.count)
        #expect(abs(data.numeric[1].reduce(0, +) / n - 1.5) < 0.03)
        #expect(data.numeric[0].max() == 47)
        let premium = Double(data.categorical[0].filter { data.levels[0].levels[Int($0)] == "premium" }.count) / n
        #expect(abs(premium - 0.40) < 0.01)
        let af = Double(data.categorical[1].filter { data.levels[1].levels[Int($0)] == "AF" }.count) / n
        #expect(abs(af - 0.35) < 0.01)
    }

    @Test(
        "rejects malformed shifts",
        arguments: ["tenure", "tenure_months=47", "plan_type=gold:0.5", "colour=red", "region=EU:2"])
    func rejectsMalformedShifts(shift: String) {
        var generator = Generator()
        #expect(throws: ChurnError.self) { try generator.apply(shift: shift) }
    }

    @Test func unlabeledOutputHasNoLabelColumn() throws {
        var generator = Generator()
        generator.labeled = false
        let text = String(decoding: try generate(generator, rows: 3, seed: 1), as: UTF8.self)
        #expect(text.hasPrefix("customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\n"))
        #expect(text.split(separator: "\n").count == 4)
    }
}
