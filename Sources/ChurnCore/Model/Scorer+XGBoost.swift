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
    }

    /// Encodes one row into `row` (`width` floats): missing numerics take the median; `levels` holds each
    /// categorical value's level index (-1 unknown: all zeros, -2 missing: the missing level, if any).
    func encode(numeric: [Double?], levels: [Int], into row: inout [Float]) {
        for j in row.indices { row[j] = 0 }
        for k in means.indices { row[k] = Float(((numeric[k] ?? medians[k]) - means[k]) * scales[k]) }
        for k in levels.indices {
            let level = levels[k]
            let column = level >= 0 ? levelColumns[k] + level : (level == -2 ? missingColumns[k] : -1)
            if column >= 0 { row[column] = 1 }
        }
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
                ensemble: ensemble, nthread: nthread, pipelined: pipelinesTrees, width: layout.width,
                capacity: max(1, batchRows), hasID: hasID,
                passthroughCount: passthroughCount,
                threshold: artifact.threshold, version: Array(versionLabel.utf8),
                challenger: split.map { ($0.challenger.artifact.threshold, Array($0.challenger.versionLabel.utf8)) })
        }
    }
}
