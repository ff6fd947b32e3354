/// The scoring loop's fast path for a row that needs none of the general path's care, for both model families.
///
/// `linearScore(_:)` gives a logistic-regression row's linear predictor, and `encode(_:into:)` a row's
/// features as the trees read them, when every feature field is plain: each numeric field a number within its
/// bounds, each categorical field a level the model knows or a missing marker, the id valid UTF-8. For
/// anything else (a parse error, a value out of bounds, an unseen level, a missing numeric, a malformed
/// record) they answer nil / false and the general path scores the row, reporting what it finds. Where they
/// answer, they compute what the general path computes, in the same order, so the probability is the same to
/// the bit (`ScorerFastPathTests`, the golden files).
///
/// Everything the loop reads per row is copied once into raw storage: no array bounds checks, retains or
/// closures per field. A categorical value of up to eight bytes is read as one 64-bit word (`FieldTable.word`),
/// its case folded in the word, and compared with the missing markers and the levels as words.
struct LinearRows: ~Copyable {
    private let bias: Double
    private let numericCount: Int
    private let categoricalCount: Int
    /// Per numeric column: its field index, weight and bounds.
    private let numericFields: UnsafeMutablePointer<Int>
    private let weights: UnsafeMutablePointer<Double>
    private let lower: UnsafeMutablePointer<Double>
    private let upper: UnsafeMutablePointer<Double>
    /// Per categorical column: its field index, the missing level's weight (0 when the model has none), the
    /// first of its levels in the flat tables below, its level count and its normalisation.
    private let categoricalFields: UnsafeMutablePointer<Int>
    private let missingWeights: UnsafeMutablePointer<Double>
    private let firstLevel: UnsafeMutablePointer<Int>
    private let levelCounts: UnsafeMutablePointer<Int>
    private let normalizations: [CategoryNormalization]
    /// Each column's normalisation: 0 as it is, 1 lower case, 2 upper case (ASCII).
    private let folds: UnsafeMutablePointer<UInt8>
    private let allLevels: [[[UInt8]]]
    /// Every level of every column: its length and its first eight bytes as one word (zero padded).
    private let levelLengths: UnsafeMutablePointer<Int>
    private let levelWords: UnsafeMutablePointer<UInt64>
    private let levelWeights: UnsafeMutablePointer<Double>
    private let missing: ByteStringSet
    /// The missing markers of at most eight bytes (a value that short can equal no other), as words.
    private let markerCount: Int
    private let markerLengths: UnsafeMutablePointer<Int>
    private let markerWords: UnsafeMutablePointer<UInt64>
    private let idField: Int?
    /// The trees' encoding (`EncodedLayout`): width, numeric means and scales, each categorical column's
    /// first level column and its missing level's column (-1: none).
    private let width: Int
    private let means: UnsafeMutablePointer<Double>
    private let scales: UnsafeMutablePointer<Double>
    private let levelColumns: UnsafeMutablePointer<Int>
    private let missingColumns: UnsafeMutablePointer<Int>

    init(
        bias: Double, numericFields: [Int], weights: [Double], lower: [Double], upper: [Double],
        categoricalFields: [Int], levels: [[[UInt8]]], levelWeights: [[Double]], missingWeights: [Double?],
        normalizations: [CategoryNormalization], missing: ByteStringSet, idField: Int?, layout: EncodedLayout
    ) {
        self.bias = bias
        numericCount = numericFields.count
        categoricalCount = categoricalFields.count
        self.numericFields = Self.copy(numericFields)
        self.weights = Self.copy(weights)
        self.lower = Self.copy(lower)
        self.upper = Self.copy(upper)
        self.categoricalFields = Self.copy(categoricalFields)
        self.missingWeights = Self.copy(missingWeights.map { $0 ?? 0 })
        self.normalizations = normalizations
        folds = Self.copy(normalizations.map { $0 == .trim ? 0 : $0 == .lower ? 1 : 2 })
        self.allLevels = levels
        var first: [Int] = []
        var lengths: [Int] = []
        var words: [UInt64] = []
        var flatWeights: [Double] = []
        for (k, columnLevels) in levels.enumerated() {
            first.append(lengths.count)
            for (j, level) in columnLevels.enumerated() {
                lengths.append(level.count)
                words.append(Self.word(level))
                flatWeights.append(levelWeights[k][j])
            }
        }
        firstLevel = Self.copy(first)
        levelCounts = Self.copy(levels.map(\.count))
        levelLengths = Self.copy(lengths)
        levelWords = Self.copy(words)
        self.levelWeights = Self.copy(flatWeights)
        self.missing = missing
        let markers = missing.members.filter { $0.count <= 8 }
        markerCount = markers.count
        markerLengths = Self.copy(markers.map(\.count))
        markerWords = Self.copy(markers.map(Self.word))
        self.idField = idField
        width = layout.width
        means = Self.copy(layout.means)
        scales = Self.copy(layout.scales)
        levelColumns = Self.copy(layout.levelColumns)
        missingColumns = Self.copy(layout.missingColumns)
    }

    deinit {
        for pointer in [numericFields, categoricalFields, firstLevel, levelCounts, levelLengths, markerLengths] {
            pointer.deallocate()
        }
        for pointer in [levelColumns, missingColumns] { pointer.deallocate() }
        for pointer in [weights, lower, upper, missingWeights, levelWeights, means, scales] { pointer.deallocate() }
        levelWords.deallocate()
        markerWords.deallocate()
        folds.deallocate()
    }

    private static func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, values.count))
        pointer.initialize(from: values, count: values.count)
        return pointer
    }

    /// The first eight bytes as a little-endian word (first byte lowest, zero padded).
    private static func word(_ bytes: [UInt8]) -> UInt64 {
        var word: UInt64 = 0
        for (i, byte) in bytes.prefix(8).enumerated() { word |= UInt64(byte) << UInt64(8 * i) }
        return word
    }

    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// `word` (up to eight bytes, zero padded) with `fold`'s case applied to its ASCII letters: 0 as it is,
    /// 1 lower case, 2 upper case. Nil when `fold` changes case and a byte is not ASCII (Unicode case mapping
    /// is the general path's). The letters are found with borrow-free byte subtractions: with the high bit of
    /// each byte set first, `(b | 0x80) - c` keeps it exactly when `b >= c`.
    @inline(__always)
    private static func fold(_ word: UInt64, _ fold: UInt8) -> UInt64? {
        if fold == 0 { return word }
        guard word & highBits == 0 else { return nil }
        let high = word | highBits
        if fold == 1 {
            let letters = (high &- 0x4141_4141_4141_4141) & ~(high &- 0x5B5B_5B5B_5B5B_5B5B) & highBits
            return word | (letters &>> 2)
        }
        let letters = (high &- 0x6161_6161_6161_6161) & ~(high &- 0x7B7B_7B7B_7B7B_7B7B) & highBits
        return word & ~(letters &>> 2)
    }

    /// Whether a field of `count` bytes (at most eight, in `word`) starts or ends with a space or a tab.
    @inline(__always)
    private static func paddedWithSpace(_ word: UInt64, count: Int) -> Bool {
        guard count > 0 else { return false }
        let first = word & 0xFF
        let last = (word &>> UInt64(truncatingIfNeeded: (count &- 1) &* 8)) & 0xFF
        return first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
    }

    /// Numeric column `k`'s value, or nil when it is not a number within its bounds.
    @inline(__always)
    private func number(_ fields: FieldTable, _ k: Int) -> Double? {
        guard let value = NumberParser.parseDouble(fields.field(numericFields[k])), value >= lower[k],
            value <= upper[k]
        else { return nil }
        return value
    }

    /// Categorical column `k`'s value as `CategoryNormalization.index(of:in:)` finds it after the missing
    /// markers: the index of its level, -2 for a missing marker; nil when it is neither (the general path
    /// reports it).
    @inline(__always)
    private func level(_ fields: FieldTable, column k: Int) -> Int? {
        let (raw, count) = fields.word(categoricalFields[k])
        guard count <= 8, !Self.paddedWithSpace(raw, count: count) else {
            return slowLevel(fields.field(categoricalFields[k]), column: k)
        }
        for m in 0..<markerCount where markerWords[m] == raw && markerLengths[m] == count { return -2 }
        guard let word = Self.fold(raw, folds[k]) else {
            return slowLevel(fields.field(categoricalFields[k]), column: k)
        }
        let first = firstLevel[k]
        for j in 0..<levelCounts[k] where levelWords[first &+ j] == word && levelLengths[first &+ j] == count {
            return j
        }
        return nil
    }

    /// `level` for a value longer than eight bytes, with spaces to trim, or not ASCII: the general path's steps.
    private func slowLevel(_ raw: UnsafeBufferPointer<UInt8>, column k: Int) -> Int? {
        let value = FieldCheck.trimmed(raw)
        if missing.contains(value) { return -2 }
        let j = normalizations[k].index(of: value, in: allLevels[k])
        return j >= 0 ? j : nil
    }

    /// Whether the id, if the file has one, is valid UTF-8 (an id of up to eight ASCII bytes is one test).
    @inline(__always)
    private func idIsValid(_ fields: FieldTable) -> Bool {
        guard let idField else { return true }
        let (raw, count) = fields.word(idField)
        if count <= 8, raw & Self.highBits == 0 { return true }
        let id = fields.field(idField)
        return Self.isASCII(id) || FieldCheck.isValidUTF8(id)
    }

    /// The linear predictor of the reader's current record, or nil when the general path must score it.
    func linearScore(_ fields: FieldTable) -> Double? {
        var z = bias
        for k in 0..<numericCount {
            guard let value = number(fields, k) else { return nil }
            z += weights[k] * value
        }
        for k in 0..<categoricalCount {
            guard let j = level(fields, column: k) else { return nil }
            z += j >= 0 ? levelWeights[firstLevel[k] &+ j] : missingWeights[k]
        }
        return idIsValid(fields) ? z : nil
    }

    /// Encodes the reader's current record into `row` (`width` floats) as `EncodedLayout.encode` does, or
    /// answers false when the general path must score it (`row` then holds anything).
    func encode(_ fields: FieldTable, into row: UnsafeMutablePointer<Float>) -> Bool {
        row.update(repeating: 0, count: width)
        for k in 0..<numericCount {
            guard let value = number(fields, k) else { return false }
            row[k] = Float((value - means[k]) * scales[k])
        }
        for k in 0..<categoricalCount {
            guard let j = level(fields, column: k) else { return false }
            let column = j >= 0 ? levelColumns[k] &+ j : missingColumns[k]
            if column >= 0 { row[column] = 1 }
        }
        return idIsValid(fields)
    }

    @inline(__always)
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        while i &+ 8 <= n {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & highBits != 0 { return false }
            i &+= 8
        }
        while i < n {
            if base[i] >= 0x80 { return false }
            i &+= 1
        }
        return true
    }
}
