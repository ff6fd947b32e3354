import Synchronization

/// The prediction log lines of many rows scored together (one HTTP request), kept column by column: an id's
/// bytes, each numeric feature's value, each categorical feature as the index of one of the model's levels (its
/// text kept once per column, not once per row), and each row's version, prediction and probability.
///
/// `write(to:)` writes, for row after row, exactly the line `PredictionRecord.write(to:)` writes for
/// `record(at:)` (same key order, number and string formats), without a dictionary or a `String` per field.
/// The time, the latency, the alias and the file are the same for every row of one batch.
package struct PredictionColumns: Sendable {
    /// The feature names and levels, shared by the columns of every request scored by one scorer.
    package let format: Format
    package var numericNames: [String] { format.numericNames }
    package var categoricalNames: [String] { format.categoricalNames }
    /// Each categorical column's known texts (the model's levels), by index.
    package var levels: [[String]] { format.levels }
    package var alias: String?
    package var file: String?
    package var timestamp: Double
    package var latencyMS: Double?

    /// A categorical value as logged.
    package enum Category: Sendable {
        case missing
        /// The text of `levels[k][index]`.
        case level(Int)
        case text(String)
    }

    /// The ids' bytes back to back; row `i`'s end at `idEnds[i]`.
    private var idBytes: [UInt8] = []
    private var idEnds: [Int] = []
    /// `numericNames.count` values per row.
    private var numeric: [Double?] = []
    /// `categoricalNames.count` codes per row: a level's index, `missingCode`, or `textCode - n` for `texts[n]`.
    private var categorical: [Int32] = []
    private var texts: [String] = []
    private var outcomes: [Outcome] = []
    /// The model versions named by the rows (nearly always one or two).
    private var versions: [String] = []

    private static let missingCode: Int32 = -1
    private static let textCode: Int32 = -2

    private struct Outcome: Sendable {
        var version: Int32
        var prediction: Int32
        var probability: Double
    }

    package init(
        numeric: [String], categorical: [String], levels: [[String]], timestamp: Double, alias: String? = nil,
        file: String? = nil
    ) {
        self.init(
            format: Format(numeric: numeric, categorical: categorical, levels: levels), timestamp: timestamp,
            alias: alias, file: file)
    }

    /// Columns of `format`'s features (`Scorer.logFormat`: one per scorer, its texts made once).
    package init(format: Format, timestamp: Double, alias: String? = nil, file: String? = nil) {
        self.format = format
        self.timestamp = timestamp
        self.alias = alias
        self.file = file
    }

    /// Number of rows.
    package var count: Int { idEnds.count }

    package mutating func reserveCapacity(_ rows: Int) {
        idEnds.reserveCapacity(rows)
        idBytes.reserveCapacity(rows * 8)
        numeric.reserveCapacity(rows * numericNames.count)
        categorical.reserveCapacity(rows * categoricalNames.count)
        outcomes.reserveCapacity(rows)
    }

    /// Appends a row whose id is `id`'s UTF-8 bytes (invalid UTF-8 is kept as `String(decoding:as:)` reads
    /// it), with its numeric values in `numericNames` order and `category(k)` for each categorical column `k`.
    /// Its outcome (version, prediction, probability) is set by `setOutcome`.
    package mutating func appendRow(
        id: UnsafeBufferPointer<UInt8>, numeric values: [Double?], category: (Int) -> Category
    ) {
        if id.contains(where: { $0 >= 0x80 }), !FieldCheck.isValidUTF8(id) {
            idBytes.append(contentsOf: String(decoding: id, as: UTF8.self).utf8)
        } else {
            idBytes.append(contentsOf: id)
        }
        finishRow(numeric: values, category: category)
    }

    /// Appends a row whose id is `id`.
    package mutating func appendRow(id: String, numeric values: [Double?], category: (Int) -> Category) {
        idBytes.append(contentsOf: id.utf8)
        finishRow(numeric: values, category: category)
    }

    private mutating func finishRow(numeric values: [Double?], category: (Int) -> Category) {
        idEnds.append(idBytes.count)
        for k in numericNames.indices { numeric.append(k < values.count ? values[k] : nil) }
        for k in categoricalNames.indices {
            switch category(k) {
            case .missing: categorical.append(Self.missingCode)
            case .level(let index): categorical.append(Int32(index))
            case .text(let text):
                categorical.append(Self.textCode - Int32(texts.count))
                texts.append(text)
            }
        }
        outcomes.append(Outcome(version: 0, prediction: 0, probability: .nan))
    }

    /// The category of a categorical value logged as `text`: one of `levels` (a column's) when it is one, byte
    /// for byte (`==` on Strings would also match a differently composed text), else the text itself. `level` is
    /// a hint: the level's index when known (checked); -1 searches.
    package static func category(_ text: String?, level: Int = -1, among levels: [String]) -> Category {
        guard let text else { return .missing }
        if level >= 0 {
            if level < levels.count, levels[level].utf8.elementsEqual(text.utf8) { return .level(level) }
        } else if let index = levels.firstIndex(where: { $0.utf8.elementsEqual(text.utf8) }) {
            return .level(index)
        }
        return .text(text)
    }

    /// The code of `version` among the versions named so far (added when new).
    package mutating func versionCode(_ version: String) -> Int {
        if let index = versions.firstIndex(where: { $0.utf8.elementsEqual(version.utf8) }) { return index }
        versions.append(version)
        return versions.count - 1
    }

    /// The code of the version whose UTF-8 text is `bytes`.
    package mutating func versionCode(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if let index = versions.firstIndex(where: { $0.utf8.elementsEqual(bytes) }) { return index }
        versions.append(String(decoding: bytes, as: UTF8.self))
        return versions.count - 1
    }

    package func version(code: Int) -> String { versions[code] }

    /// Sets row `row`'s outcome; `version` is a `versionCode`.
    package mutating func setOutcome(_ row: Int, version: Int, prediction: Int, probability: Double) {
        outcomes[row] = Outcome(version: Int32(version), prediction: Int32(prediction), probability: probability)
    }

    /// Row `row`'s version code.
    package func versionCode(row: Int) -> Int { Int(outcomes[row].version) }

    /// Row `row` as a record.
    package func record(at row: Int) -> PredictionRecord {
        let idStart = row == 0 ? 0 : idEnds[row - 1]
        let id = String(decoding: idBytes[idStart..<idEnds[row]], as: UTF8.self)
        var features: [String: PredictionRecord.Value] = [:]
        features.reserveCapacity(numericNames.count + categoricalNames.count)
        for (k, name) in numericNames.enumerated() {
            features[name] = numeric[row * numericNames.count + k].map { .number($0) } ?? .missing
        }
        for (k, name) in categoricalNames.enumerated() {
            let code = categorical[row * categoricalNames.count + k]
            switch code {
            case Self.missingCode: features[name] = .missing
            case 0...: features[name] = .text(levels[k][Int(code)])
            default: features[name] = .text(texts[Int(Self.textCode - code)])
            }
        }
        let outcome = outcomes[row]
        return PredictionRecord(
            requestID: id, modelVersion: versions.isEmpty ? "" : versions[Int(outcome.version)], alias: alias,
            file: file, prediction: Int(outcome.prediction), probability: outcome.probability, latencyMS: latencyMS,
            features: features, timestamp: timestamp)
    }

    /// Every row as a record.
    package var records: [PredictionRecord] { (0..<count).map { record(at: $0) } }

    /// Appends every row's line, each exactly as `PredictionRecord.write(to:)` writes `record(at:)`.
    package func write(to writer: inout ByteWriter) throws {
        guard count > 0 else { return }
        // The features in the order a record's line sorts their names, each with its `"name":` text, and the
        // levels' texts: the format's, made once. After them, what is the same for every row of this batch: per
        // version, the text between the id and the prediction; the text between the probability and the
        // features; the end of a line. All in one buffer, so that no array is retained per field.
        let texts = try format.texts()
        var bytes = texts.bytes
        var fixed = ByteWriter(capacity: 512) { bytes.append(contentsOf: $0) }
        var afterID: [Range<Int>] = []
        for version in versions.isEmpty ? [""] : versions {
            let start = texts.bytes.count + fixed.position
            try fixed.write(",\"model_version\":")
            try PredictionRecord.writeJSONString(version, to: &fixed)
            if let alias {
                try fixed.write(",\"alias\":")
                try PredictionRecord.writeJSONString(alias, to: &fixed)
            }
            if let file {
                try fixed.write(",\"file\":")
                try PredictionRecord.writeJSONString(file, to: &fixed)
            }
            try fixed.write(",\"prediction\":")
            afterID.append(start..<texts.bytes.count + fixed.position)
        }
        let afterProbabilityStart = texts.bytes.count + fixed.position
        if let latencyMS {
            try fixed.write(",\"latency_ms\":")
            try fixed.write(fixed: latencyMS, decimals: 3)
        }
        try fixed.write(",\"features\":{")
        let afterProbability = afterProbabilityStart..<texts.bytes.count + fixed.position
        try fixed.write("},\"ts\":")
        try fixed.write(fixed: timestamp, decimals: 3)
        try fixed.write("}\n")
        let end = afterProbability.upperBound..<texts.bytes.count + fixed.position
        try fixed.flush()
        let (order, keys, levelRanges, levelStarts) = (texts.order, texts.keys, texts.levels, texts.levelStarts)
        let numericCount = numericNames.count
        let categoricalCount = categoricalNames.count
        try bytes.withUnsafeBufferPointer { bytes in
            func put(_ range: Range<Int>) throws { try writer.write(UnsafeBufferPointer(rebasing: bytes[range])) }
            try idBytes.withUnsafeBufferPointer { ids in
                var idStart = 0
                for row in 0..<count {
                    try writer.write("{\"request_id\":")
                    try PredictionRecord.writeJSONString(
                        utf8: UnsafeBufferPointer(rebasing: ids[idStart..<idEnds[row]]), to: &writer)
                    idStart = idEnds[row]
                    let outcome = outcomes[row]
                    try put(afterID[Int(outcome.version)])
                    try writer.write(integer: Int(outcome.prediction))
                    try writer.write(",\"probability\":")
                    try writer.write(fixed: outcome.probability, decimals: 6)
                    try put(afterProbability)
                    for (position, index) in order.enumerated() {
                        try put(keys[position])
                        if index < numericCount {
                            if let value = numeric[row * numericCount + index] {
                                try PredictionRecord.writeNumber(value, to: &writer)
                            } else {
                                try writer.write("null")
                            }
                        } else {
                            let k = index - numericCount
                            let code = categorical[row * categoricalCount + k]
                            switch code {
                            case Self.missingCode: try writer.write("null")
                            case 0...: try put(levelRanges[levelStarts[k] + Int(code)])
                            default:
                                try PredictionRecord.writeJSONString(self.texts[Int(Self.textCode - code)], to: &writer)
                            }
                        }
                    }
                    try put(end)
                }
            }
        }
    }

    /// The lines of every row (`write(to:)`) as bytes.
    package func lines() throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 200)
        var writer = ByteWriter(capacity: 1 << 16) { bytes.append(contentsOf: $0) }
        try write(to: &writer)
        try writer.flush()
        return bytes
    }

    /// What the lines of one model's rows share: the feature names and levels, and their JSON texts, made at the
    /// first write and kept. A scorer makes one (`Scorer.logFormat`) for the columns of every request it scores,
    /// so a request of one row does not sort the names and escape every level again.
    package final class Format: Sendable {
        package let numericNames: [String]
        package let categoricalNames: [String]
        package let levels: [[String]]
        private let made = Mutex<Texts?>(nil)

        /// The features in the order a record's line sorts their names (indices into numeric + categorical), and
        /// every text back to back in `bytes`: each feature's `"name":` text in that order (a comma before all but
        /// the first), and each level's text, column after column (`levelStarts[k]`: column k's first level).
        struct Texts: Sendable {
            var order: [Int] = []
            var bytes: [UInt8] = []
            var keys: [Range<Int>] = []
            var levels: [Range<Int>] = []
            var levelStarts: [Int] = []
        }

        package init(numeric: [String], categorical: [String], levels: [[String]]) {
            numericNames = numeric
            categoricalNames = categorical
            self.levels = levels
        }

        func texts() throws -> Texts {
            if let texts = made.withLock({ $0 }) { return texts }
            var texts = Texts()
            var bytes: [UInt8] = []
            var writer = ByteWriter(capacity: 4096) { bytes.append(contentsOf: $0) }
            let names = numericNames + categoricalNames
            texts.order = names.indices.sorted { names[$0] < names[$1] }
            for (position, index) in texts.order.enumerated() {
                let start = writer.position
                if position > 0 { try writer.write(byte: UInt8(ascii: ",")) }
                try PredictionRecord.writeJSONString(names[index], to: &writer)
                try writer.write(byte: UInt8(ascii: ":"))
                texts.keys.append(start..<writer.position)
            }
            for column in levels {
                texts.levelStarts.append(texts.levels.count)
                for level in column {
                    let start = writer.position
                    try PredictionRecord.writeJSONString(level, to: &writer)
                    texts.levels.append(start..<writer.position)
                }
            }
            try writer.flush()
            texts.bytes = bytes
            made.withLock { $0 = texts }
            return texts
        }
    }
}
