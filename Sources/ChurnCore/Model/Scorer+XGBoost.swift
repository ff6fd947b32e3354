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
    /// The batch an xgboost artifact scores through, nil for other families. Throws when the booster did not
    /// load, before any output is written.
    func treeBatch(path: String, hasID: Bool, passthroughCount: Int) throws -> TreeBatch? {
        switch trees {
        case nil:
            return nil
        case .failure(let error):
            throw ChurnError.artifact(path: path, message: "cannot score with this xgboost model: \(error.message)")
        case .success(let booster):
            return TreeBatch(
                booster: booster, width: layout.width, capacity: max(1, batchRows), hasID: hasID,
                passthroughCount: passthroughCount,
                threshold: artifact.threshold, version: Array(versionLabel.utf8))
        }
    }

    /// Probability of one row for an xgboost artifact; NaN when the booster could not be loaded or predict.
    func treeProbability(numeric: [Double?], categorical: [String?]) -> Double {
        guard case .success(let booster) = trees else { return .nan }
        let row = layout.encode(numeric: numeric, categorical: categorical)
        var output: [Float] = [.nan]
        do {
            try row.withUnsafeBufferPointer { input throws(XGBoostError) in
                try output.withUnsafeMutableBufferPointer { out throws(XGBoostError) in
                    try booster.predict(input, rows: 1, width: layout.width, into: out)
                }
            }
        } catch {
            return .nan
        }
        return Double(output[0])
    }
}

/// Encoded rows waiting for the booster, with the fields their output lines repeat (id, passthrough columns)
/// kept as raw bytes. `flush` predicts them in one call and writes the lines in input order.
struct TreeBatch {
    let booster: XGBoostBooster
    let width: Int
    let capacity: Int
    let hasID: Bool
    let passthroughCount: Int
    let threshold: Double
    let version: [UInt8]
    private var features: [Float]
    private var probabilities: [Float]
    private var rowNumbers: [Int] = []
    private var bytes: [UInt8] = []
    private var fieldEnds: [Int] = []

    init(
        booster: XGBoostBooster, width: Int, capacity: Int, hasID: Bool, passthroughCount: Int, threshold: Double,
        version: [UInt8]
    ) {
        self.booster = booster
        self.width = width
        self.capacity = capacity
        self.hasID = hasID
        self.passthroughCount = passthroughCount
        self.threshold = threshold
        self.version = version
        features = []
        features.reserveCapacity(capacity * width)
        probabilities = [Float](repeating: 0, count: capacity)
        rowNumbers.reserveCapacity(capacity)
    }

    var isFull: Bool { rowNumbers.count >= capacity }

    /// Keeps one raw field of the current record (call before `add`).
    mutating func keep(field: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: field)
        fieldEnds.append(bytes.count)
    }

    mutating func add(features row: [Float], rowNumber: Int) {
        features.append(contentsOf: row)
        rowNumbers.append(rowNumber)
    }

    /// Predicts the waiting rows and writes their output lines.
    mutating func flush(into scored: inout ByteWriter) throws {
        let rows = rowNumbers.count
        guard rows > 0 else { return }
        let width = self.width
        do throws(XGBoostError) {
            try features.withUnsafeBufferPointer { input throws(XGBoostError) in
                try probabilities.withUnsafeMutableBufferPointer { out throws(XGBoostError) in
                    try booster.predict(input, rows: rows, width: width, into: out)
                }
            }
        } catch {
            throw ChurnError.internalInconsistency("xgboost could not score a batch of \(rows) rows: \(error.message)")
        }
        var field = 0
        var start = 0
        try bytes.withUnsafeBufferPointer { raw in
            for i in 0..<rows {
                let probability = Double(probabilities[i])
                if hasID {
                    try scored.writeField(UnsafeBufferPointer(rebasing: raw[start..<fieldEnds[field]]))
                    start = fieldEnds[field]
                    field += 1
                } else {
                    try scored.write(integer: rowNumbers[i])
                }
                try scored.write(byte: UInt8(ascii: ","))
                try scored.write(fixed: probability, decimals: 6)
                try scored.write(byte: UInt8(ascii: ","))
                try scored.write(byte: probability >= threshold ? UInt8(ascii: "1") : UInt8(ascii: "0"))
                try scored.write(byte: UInt8(ascii: ","))
                try version.withUnsafeBufferPointer { try scored.write($0) }
                for _ in 0..<passthroughCount {
                    try scored.write(byte: UInt8(ascii: ","))
                    try scored.writeField(UnsafeBufferPointer(rebasing: raw[start..<fieldEnds[field]]))
                    start = fieldEnds[field]
                    field += 1
                }
                try scored.write(byte: UInt8(ascii: "\n"))
            }
        }
        features.removeAll(keepingCapacity: true)
        rowNumbers.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
    }
}
