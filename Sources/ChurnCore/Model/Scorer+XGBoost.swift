/// Where each feature lands in the encoded row, and the numbers that encode numerics, precomputed from a
/// `Preprocessing` so the scorer encodes exactly as `Preprocessing.encode` does.
struct EncodedLayout: Sendable {
    var width: Int
    var medians: [Double]
    var means: [Double]
    /// 1 / std, multiplied as in `Preprocessing.encode` so trees see bit-identical feature values.
    var scales: [Double]
    /// Column of each categorical feature's first level.
    var levelColumns: [Int]
    /// Column of each categorical feature's "missing" level, or -1 when it has none.
    var missingColumns: [Int]
    var levels: [[String]]

    init(_ p: Preprocessing) {
        width = p.width
        medians = p.numeric.map(\.median)
        means = p.numeric.map(\.mean)
        scales = p.numeric.map { 1 / $0.std }
        var offset = p.numeric.count
        levelColumns = []
        missingColumns = []
        for feature in p.categorical {
            levelColumns.append(offset)
            offset += feature.levels.count
            missingColumns.append(feature.hasMissingLevel ? offset : -1)
            offset += feature.hasMissingLevel ? 1 : 0
        }
        levels = p.categorical.map(\.levels)
    }

    /// One encoded row from values: missing numerics take the median, unknown levels are all zeros.
    func encode(numeric: [Double?], categorical: [String?]) -> [Float] {
        var row = [Float](repeating: 0, count: width)
        for k in means.indices { row[k] = Float(((numeric[k] ?? medians[k]) - means[k]) * scales[k]) }
        for k in levelColumns.indices {
            guard let level = categorical[k] else {
                if missingColumns[k] >= 0 { row[missingColumns[k]] = 1 }
                continue
            }
            if let j = levels[k].firstIndex(of: level) { row[levelColumns[k] + j] = 1 }
        }
        return row
    }
}

extension Scorer {
    /// The batch an xgboost artifact scores through, nil for other families. Throws when its trees did not
    /// compile, before any output is written.
    func treeBatch(path: String, hasID: Bool, passthroughCount: Int) throws -> TreeBatch? {
        switch trees {
        case nil:
            return nil
        case .failure(let error):
            throw ChurnError.artifact(path: path, message: "cannot score with this xgboost model: \(error.message)")
        case .success(let ensemble):
            return TreeBatch(
                ensemble: ensemble, nthread: nthread, width: layout.width, capacity: max(1, batchRows), hasID: hasID,
                passthroughCount: passthroughCount,
                threshold: artifact.threshold, version: Array(versionLabel.utf8),
                challenger: split.map { ($0.challenger.artifact.threshold, Array($0.challenger.versionLabel.utf8)) })
        }
    }

    /// Probability of one row for an xgboost artifact; NaN when its trees could not be compiled.
    func treeProbability(numeric: [Double?], categorical: [String?]) -> Double {
        guard case .success(let ensemble) = trees else { return .nan }
        let row = layout.encode(numeric: numeric, categorical: categorical)
        return Double(row.withUnsafeBufferPointer { ensemble.probability($0) })
    }
}
