/// What the training rows looked like, feature by feature: the reference for drift monitoring.
package struct FeatureStatistics: Codable, Equatable, Sendable {
    package enum Kind: String, Codable, Sendable { case numeric, categorical, probability }

    package var name: String
    package var kind: Kind
    package var count: Int
    package var missing: Int
    // Numeric features and the predicted probability.
    package var mean: Double?
    package var std: Double?
    package var min: Double?
    package var max: Double?
    /// Values at quantiles 0, 0.1, …, 1.
    package var deciles: [Double]?
    /// Upper edges of the drift bins (distinct interior deciles): bins are (-∞, e₀], (e₀, e₁], …, (eₖ, ∞).
    package var binEdges: [Double]?
    /// Share of training values in each bin (one more entry than `binEdges`).
    package var binShares: [Double]?
    // Categorical features: share of each level among non-missing values.
    package var frequencies: [String: Double]?
    /// How the levels were normalised (categorical features of models trained with `[schema.normalize]`);
    /// a drift check normalises recent values the same way before counting them.
    package var normalize: CategoryNormalization? = nil

    package static func numeric(name: String, values column: [Double], rows: [Int]) -> FeatureStatistics {
        var values = rows.compactMap { column[$0].isNaN ? nil : column[$0] }
        return summary(name: name, kind: .numeric, values: &values, missing: rows.count - values.count)
    }

    package static func probability(_ probabilities: [Double]) -> FeatureStatistics {
        var values = probabilities
        return summary(name: "probability", kind: .probability, values: &values, missing: 0)
    }

    static func summary(name: String, kind: Kind, values: inout [Double], missing: Int) -> FeatureStatistics {
        values.sort()
        let n = Double(Swift.max(values.count, 1))
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let deciles = values.isEmpty ? [] : (0...10).map { Statistics.quantile(sorted: values, Double($0) / 10) }
        // Interior deciles, deduplicated: discrete features (counts, months) get one bin per distinct step.
        var edges: [Double] = []
        for edge in deciles.dropFirst().dropLast() where edges.last != edge { edges.append(edge) }
        var counts = [Double](repeating: 0, count: edges.count + 1)
        var bin = 0
        for value in values {
            while bin < edges.count, value > edges[bin] { bin += 1 }
            counts[bin] += 1
        }
        return FeatureStatistics(
            name: name, kind: kind, count: values.count, missing: missing, mean: mean, std: variance.squareRoot(),
            min: values.first, max: values.last, deciles: deciles, binEdges: edges,
            binShares: counts.map { $0 / n }, frequencies: nil)
    }

    package static func categorical(
        name: String, codes: [Int32], levels: [String], rows: [Int], normalize: CategoryNormalization? = nil
    ) -> FeatureStatistics {
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
            min: nil, max: nil, deciles: nil, binEdges: nil, binShares: nil, frequencies: frequencies,
            normalize: normalize)
    }
}
