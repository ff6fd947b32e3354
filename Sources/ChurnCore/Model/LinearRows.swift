/// The scoring loop's fast path for a logistic-regression row that needs none of the general path's care.
///
/// `linearScore(_:)` gives the row's linear predictor when every feature field is plain: each numeric field a
/// number within its bounds, each categorical field a level the model knows or a missing marker, the id valid
/// UTF-8. For anything else (a parse error, a value out of bounds, an unseen level, a missing numeric, a
/// malformed record) it returns nil and the general path scores the row, reporting what it finds. Where it
/// answers, it computes what the general path computes, in the same order, so the probability is the same to
/// the bit (`ScorerTests`, the golden files).
///
/// Everything the loop reads per row is copied once into raw storage: no array bounds checks, retains or
/// closures per field.
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
    /// Each column's normalisation as `word(_:fold:)` takes it.
    private let folds: UnsafeMutablePointer<UInt8>
    private let allLevels: [[[UInt8]]]
    /// Every level of every column: its length and its first eight bytes as one word (zero padded).
    private let levelLengths: UnsafeMutablePointer<Int>
    private let levelWords: UnsafeMutablePointer<UInt64>
    private let levelWeights: UnsafeMutablePointer<Double>
    private let missing: ByteStringSet
    private let idField: Int?

    init(
        bias: Double, numericFields: [Int], weights: [Double], lower: [Double], upper: [Double],
        categoricalFields: [Int], levels: [[[UInt8]]], levelWeights: [[Double]], missingWeights: [Double?],
        normalizations: [CategoryNormalization], missing: ByteStringSet, idField: Int?
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
                words.append(level.withUnsafeBufferPointer { Self.word(UnsafeBufferPointer(rebasing: $0.prefix(8)), fold: .trim) ?? 0 })
                flatWeights.append(levelWeights[k][j])
            }
        }
        firstLevel = Self.copy(first)
        levelCounts = Self.copy(levels.map(\.count))
        levelLengths = Self.copy(lengths)
        levelWords = Self.copy(words)
        self.levelWeights = Self.copy(flatWeights)
        self.missing = missing
        self.idField = idField
    }

    deinit {
        for pointer in [numericFields, categoricalFields, firstLevel, levelCounts, levelLengths] {
            pointer.deallocate()
        }
        for pointer in [weights, lower, upper, missingWeights, levelWeights] { pointer.deallocate() }
        levelWords.deallocate()
        folds.deallocate()
    }

    private static func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, values.count))
        pointer.initialize(from: values, count: values.count)
        return pointer
    }

    /// Up to eight bytes as a little-endian word with `fold`'s case applied; nil when a byte is not ASCII and
    /// `fold` changes case (Unicode case mapping is the general path's).
    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, fold: CategoryNormalization) -> UInt64? {
        word(bytes, fold: fold == .trim ? 0 : fold == .lower ? 1 : 2)
    }

    /// `fold`: 0 as it is, 1 lower case, 2 upper case (ASCII).
    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, fold: UInt8) -> UInt64? {
        var word: UInt64 = 0
        var shift: UInt64 = 0
        var high: UInt8 = 0
        switch fold {
        case 0:
            for byte in bytes {
                word |= UInt64(byte) &<< shift
                shift &+= 8
            }
            return word
        case 1:
            for byte in bytes {
                high |= byte
                word |= UInt64(byte &- 0x41 < 26 ? byte | 0x20 : byte) &<< shift
                shift &+= 8
            }
        default:
            for byte in bytes {
                high |= byte
                word |= UInt64(byte &- 0x61 < 26 ? byte & 0xDF : byte) &<< shift
                shift &+= 8
            }
        }
        return high < 0x80 ? word : nil
    }

    /// The linear predictor of the reader's current record, or nil when the general path must score it.
    func linearScore(_ reader: FieldTable) -> Double? {
        var z = bias
        for k in 0..<numericCount {
            guard let value = NumberParser.parseDouble(reader.field(numericFields[k])),
                value >= lower[k], value <= upper[k]
            else { return nil }
            z += weights[k] * value
        }
        for k in 0..<categoricalCount {
            let value = FieldCheck.trimmed(reader.field(categoricalFields[k]))
            if missing.contains(value) {
                z += missingWeights[k]
                continue
            }
            guard let j = level(of: value, column: k) else { return nil }
            z += levelWeights[firstLevel[k] + j]
        }
        if let idField {
            let id = reader.field(idField)
            if !Self.isASCII(id), !FieldCheck.isValidUTF8(id) { return nil }
        }
        return z
    }

    /// The index of a trimmed, non-missing value among column `k`'s levels, as
    /// `CategoryNormalization.index(of:in:)` finds it; nil when it is none of them.
    @inline(__always)
    private func level(of value: UnsafeBufferPointer<UInt8>, column k: Int) -> Int? {
        guard value.count <= 8, let word = Self.word(value, fold: folds[k]) else {
            let j = normalizations[k].index(of: value, in: allLevels[k])
            return j >= 0 ? j : nil
        }
        let first = firstLevel[k]
        for j in 0..<levelCounts[k] where levelLengths[first + j] == value.count && levelWords[first + j] == word {
            return j
        }
        return nil
    }

    @inline(__always)
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        while i &+ 8 <= n {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i &+= 8
        }
        while i < n {
            if base[i] >= 0x80 { return false }
            i &+= 1
        }
        return true
    }
}
