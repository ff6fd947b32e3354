#if canImport(Glibc)
    import Glibc
#endif

/// The reference churn data generator, with shifts to produce drift on purpose.
package struct Generator: Sendable {
    package var tenure: ClosedRange<Int> = 1...59
    package var complaintsMean = 1.2
    package var sessionMean = 35.0
    package var sessionStd = 12.0
    package var plans: [(level: String, p: Double)] = [("basic", 0.72), ("premium", 0.28)]
    package var regions: [(level: String, p: Double)] = [("NA", 0.25), ("EU", 0.30), ("AF", 0.25), ("AS", 0.20)]
    package var labeled = true
    /// Adds effects a linear model on these features cannot express: each complaint weighs far more in AF
    /// and far less in EU (num_complaints × region), and premium customers in their first year churn far more
    /// (plan_type × tenure < 12). `interactionStrength` scales both.
    package var interaction = false
    package var interactionStrength = 1.0

    package init() {}

    /// Applies a `FEATURE=SHIFT` shift: `tenure_months=1..47`, `num_complaints=1.5` (Poisson mean),
    /// `avg_session_minutes=40` or `=40:15` (mean[:std]), `plan_type=premium:0.40`,
    /// `region=EU:0.20,AF:0.35` (named levels get these shares, the others are rescaled to fill the rest).
    package mutating func apply(shift: String) throws {
        let parts = shift.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ChurnError.usage("--shift \(shift): expected FEATURE=VALUE") }
        let (feature, value) = (parts[0], parts[1])
        func bad(_ expected: String) -> ChurnError {
            .usage("--shift \(shift): expected \(feature)=\(expected)")
        }
        switch feature {
        case "tenure_months":
            let bounds = value.split(separator: ".", omittingEmptySubsequences: true).compactMap { Int($0) }
            guard bounds.count == 2, value.contains(".."), bounds[0] >= 0, bounds[0] <= bounds[1] else {
                throw bad("LOW..HIGH (integers)")
            }
            tenure = bounds[0]...bounds[1]
        case "num_complaints":
            guard let mean = Double(value), mean > 0, mean <= 50 else { throw bad("MEAN (0 < MEAN <= 50)") }
            complaintsMean = mean
        case "avg_session_minutes":
            let numbers = value.split(separator: ":").compactMap { Double($0) }
            guard (1...2).contains(numbers.count), numbers.count == value.split(separator: ":").count else {
                throw bad("MEAN or MEAN:STD")
            }
            sessionMean = numbers[0]
            if numbers.count == 2 {
                guard numbers[1] > 0 else { throw bad("MEAN:STD with STD > 0") }
                sessionStd = numbers[1]
            }
        case "plan_type":
            plans = try Self.remix(plans, with: value, error: bad("LEVEL:SHARE[,LEVEL:SHARE...]"))
        case "region":
            regions = try Self.remix(regions, with: value, error: bad("LEVEL:SHARE[,LEVEL:SHARE...]"))
        default:
            throw ChurnError.usage(
                "--shift \(shift): unknown feature \"\(feature)\"; shiftable: tenure_months, num_complaints, "
                    + "avg_session_minutes, plan_type, region")
        }
    }

    static func remix(
        _ mix: [(level: String, p: Double)], with spec: String, error: ChurnError
    ) throws -> [(level: String, p: Double)] {
        var fixed: [String: Double] = [:]
        for item in spec.split(separator: ",") {
            let pair = item.split(separator: ":")
            guard pair.count == 2, let share = Double(pair[1]), share >= 0, share <= 1 else { throw error }
            let level = String(pair[0])
            guard mix.contains(where: { $0.level == level }) else {
                let known = mix.map(\.level).joined(separator: ", ")
                throw ChurnError.usage("unknown level \"\(level)\" in --shift; levels are \(known)")
            }
            fixed[level] = share
        }
        let fixedTotal = fixed.values.reduce(0, +)
        guard fixedTotal <= 1 + 1e-9 else { throw ChurnError.usage("shares in --shift add up to more than 1") }
        let restTotal = mix.filter { fixed[$0.level] == nil }.map(\.p).reduce(0, +)
        return mix.map { entry in
            if let share = fixed[entry.level] { return (entry.level, share) }
            return (entry.level, restTotal > 0 ? entry.p / restTotal * (1 - fixedTotal) : 0)
        }
    }

    /// One generated row; categorical values are indices into `plans` and `regions`.
    package struct Row: Sendable {
        package var tenure: Int
        package var complaints: Int
        package var session: Double
        package var plan: Int
        package var region: Int
        package var churn: Bool
    }

    /// Draws rows one at a time from a seeded stream; `write` and simulations share it.
    package struct Sampler: Sendable {
        private var random: RandomSource
        private let generator: Generator
        private let planCumulative: [Double]
        private let regionCumulative: [Double]
        private let premiumIndex: Int, euIndex: Int, afIndex: Int

        package init(_ generator: Generator, seed: UInt64) {
            self.generator = generator
            random = RandomSource(seed: seed)
            planCumulative = Generator.cumulative(generator.plans.map(\.p))
            regionCumulative = Generator.cumulative(generator.regions.map(\.p))
            premiumIndex = generator.plans.firstIndex { $0.level == "premium" } ?? -1
            euIndex = generator.regions.firstIndex { $0.level == "EU" } ?? -1
            afIndex = generator.regions.firstIndex { $0.level == "AF" } ?? -1
        }

        package mutating func next() -> Row {
            let tenure = random.nextInt(in: generator.tenure)
            let complaints = random.nextPoisson(mean: generator.complaintsMean)
            let session = min(120, max(1, generator.sessionMean + generator.sessionStd * random.nextNormal()))
            let plan = random.pick(cumulative: planCumulative)
            let region = random.pick(cumulative: regionCumulative)
            var z = 1.2 + 0.55 * Double(complaints) - 0.03 * Double(tenure) - 0.02 * session
            if plan == premiumIndex { z -= 0.35 }
            if region == euIndex { z -= 0.05 }
            if region == afIndex { z += 0.08 }
            if generator.interaction {
                let s = generator.interactionStrength
                if region == afIndex { z += s * 1.0 * Double(complaints) }
                if region == euIndex { z -= s * 0.9 * Double(complaints) }
                if plan == premiumIndex, tenure < 12 { z += s * 3.0 }
            }
            let churn = generator.labeled && random.nextDouble() < 1 / (1 + exp(-z))
            return Row(
                tenure: tenure, complaints: complaints, session: session, plan: plan, region: region, churn: churn)
        }
    }

    /// Writes `rows` rows of CSV with a header. Deterministic for a given seed.
    package func write(rows: Int, seed: UInt64, to writer: inout ByteWriter) throws {
        var sampler = Sampler(self, seed: seed)
        let planBytes = plans.map { Array($0.level.utf8) }
        let regionBytes = regions.map { Array($0.level.utf8) }
        try writer.write(
            labeled
                ? "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region,churn\n"
                : "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\n")
        let idWidth = max(7, String(rows).count)
        var idDigits = [UInt8](repeating: UInt8(ascii: "0"), count: idWidth)
        for _ in 0..<rows {
            Self.increment(&idDigits)
            let row = sampler.next()
            try writer.write(byte: UInt8(ascii: "C"))
            try idDigits.withUnsafeBufferPointer { try writer.write($0) }
            try writer.write(byte: UInt8(ascii: ","))
            try writer.write(integer: row.tenure)
            try writer.write(byte: UInt8(ascii: ","))
            try writer.write(integer: row.complaints)
            try writer.write(byte: UInt8(ascii: ","))
            try writer.write(fixed: row.session, decimals: 2)
            try writer.write(byte: UInt8(ascii: ","))
            try planBytes[row.plan].withUnsafeBufferPointer { try writer.write($0) }
            try writer.write(byte: UInt8(ascii: ","))
            try regionBytes[row.region].withUnsafeBufferPointer { try writer.write($0) }
            if labeled {
                try writer.write(byte: UInt8(ascii: ","))
                try writer.write(byte: row.churn ? UInt8(ascii: "1") : UInt8(ascii: "0"))
            }
            try writer.write(byte: UInt8(ascii: "\n"))
        }
        try writer.flush()
    }

    static func cumulative(_ p: [Double]) -> [Double] {
        let total = p.reduce(0, +)
        var running = 0.0
        var result = p.map { value -> Double in
            running += value / total
            return running
        }
        if !result.isEmpty { result[result.count - 1] = 1 }
        return result
    }

    static func increment(_ digits: inout [UInt8]) {
        var i = digits.count - 1
        while i >= 0 {
            if digits[i] < UInt8(ascii: "9") {
                digits[i] += 1
                return
            }
            digits[i] = UInt8(ascii: "0")
            i -= 1
        }
    }
}
