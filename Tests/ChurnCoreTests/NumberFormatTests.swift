import Testing

@testable import ChurnCore

/// Figures printed beside a threshold keep the side they are on.
struct NumberFormatTests {
    @Test(arguments: [
        (0.00497, 0.005, "0.00497"),
        (0.00502, 0.005, "0.00502"),
        (0.0051, 0.005, "0.0051"),
        (0.005, 0.005, "0.0050"),
        (0.64996, 0.65, "0.64996"),
        (0.7193, 0.65, "0.7193"),
        (-0.0008, 0.005, "-0.0008"),
    ])
    func aFigureNearItsThresholdShowsWhichSideItIsOn(value: Double, threshold: Double, shown: String) {
        #expect(NumberFormat.fixed(value, against: threshold, 4) == shown)
    }

    /// Figures come from logs and files: any double prints, none traps.
    @Test(arguments: [
        (0.73125, 4, "0.7313"), (-2.5, 1, "-2.5"), (1e300, 2, "1e+300"), (-1e300, 4, "-1e+300"),
        (9.3e14, 4, "930000000000000.0"), (Double.nan, 2, "nan"), (Double.infinity, 2, "inf"),
        (1.5e18, 0, "1500000000000000000"),
    ])
    func anyValuePrints(value: Double, decimals: Int, shown: String) {
        #expect(NumberFormat.fixed(value, decimals) == shown)
    }
}

/// The probability formatter writes exactly what the general fixed-point formatter writes.
struct ProbabilityFormatTests {
    static func text(_ write: (inout ByteWriter) throws -> Void) throws -> String {
        var bytes: [UInt8] = []
        var writer = ByteWriter(capacity: 64) { bytes.append(contentsOf: $0) }
        try write(&writer)
        try writer.flush()
        return String(decoding: bytes, as: UTF8.self)
    }

    static func expectSame(_ value: Double) throws {
        let fast = try text { try $0.write(probability: value) }
        let general = try text { try $0.write(fixed: value, decimals: 6) }
        #expect(fast == general, "\(value) (bits \(String(value.bitPattern, radix: 16)))")
    }

    @Test func edgesAndHalfwayPoints() throws {
        var values: [Double] = [
            0, -0.0, 1, 0.5, 1e-300, .leastNonzeroMagnitude, 0.9999995, 0.99999949999, 0.0000005,
            0.00000049999999, 1.0.nextDown, 1.0.nextUp, 1.5, -0.25, .nan, .infinity, -.infinity, 2.5e-7,
        ]
        // Every halfway point k + 0.5 millionths and its neighbours, across the range.
        for k in stride(from: 0, through: 999_999, by: 997) + [999_998, 999_999] {
            let half = (Double(k) + 0.5) / 1e6
            values += [half, half.nextDown, half.nextUp]
        }
        for value in values { try Self.expectSame(value) }
    }

    @Test func manyRandomProbabilities() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<300_000 { try Self.expectSame(Double.random(in: 0...1, using: &random)) }
        // Random bit patterns below 1 reach tiny magnitudes a uniform draw never does.
        for _ in 0..<100_000 {
            try Self.expectSame(Double(bitPattern: UInt64.random(in: 0..<(1.0).bitPattern, using: &random)))
        }
        // And the probabilities a logistic model gives, through the same sigmoid.
        for _ in 0..<100_000 { try Self.expectSame(Statistics.sigmoid(Double.random(in: -40...40, using: &random))) }
    }
}
