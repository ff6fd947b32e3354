/// What the training rows looked like, feature by feature: the reference for drift monitoring.
public struct FeatureStatistics: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case numeric, categorical, probability }

    public var name: String
    public var kind: Kind
    public var count: Int
    public var missing: Int
    // Numeric features and the predicted probability.
    public var mean: Double?
    public var std: Double?
    public var min: Double?
    public var max: Double?
    /// Values at quantiles 0, 0.1, …, 1.
    public var deciles: [Double]?
    // Categorical features: share of each level among non-missing values.
    public var frequencies: [String: Double]?

    public static func numeric(name: String, values column: [Double], rows: [Int]) -> FeatureStatistics {
        var values = rows.compactMap { column[$0].isNaN ? nil : column[$0] }
        return summary(name: name, kind: .numeric, values: &values, missing: rows.count - values.count)
    }

    public static func probability(_ probabilities: [Double]) -> FeatureStatistics {
        var values = probabilities
        return summary(name: "probability", kind: .probability, values: &values, missing: 0)
    }

    static func summary(name: String, kind: Kind, values: inout [Double], missing: Int) -> FeatureStatistics {
        values.sort()
        let n = Double(Swift.max(values.count, 1))
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        return FeatureStatistics(
            name: name, kind: kind, count: values.count, missing: missing, mean: mean, std: variance.squareRoot(),
            min: values.first, max: values.last,
            deciles: values.isEmpty ? [] : (0...10).map { Statistics.quantile(sorted: values, Double($0) / 10) },
            frequencies: nil)
    }

    public static func categorical(name: String, codes: [Int32], levels: [String], rows: [Int]) -> FeatureStatistics {
        var counts = [Int](repeating: 0, count: levels.count)
        var missing = 0
        for row in rows {
            let code = codes[row]
            if code < 0 { missing += 1 } else { counts[Int(code)] += 1 }
        }
        let present = Double(Swift.max(rows.count - missing, 1))
        var frequencies: [String: Double] = [:]
        for (level, count) in zip(levels, counts) where count > 0 { frequencies[level] = Double(count) / present }
        return FeatureStatistics(
            name: name, kind: .categorical, count: rows.count - missing, missing: missing, mean: nil, std: nil,
            min: nil, max: nil, deciles: nil, frequencies: frequencies)
    }
}
