/// Reads what a drift window keeps of a prediction-log line straight from its bytes: the schema's features
/// (into slots, in schema order), `model_version`, `alias`, `probability` and `ts`, without a record, a
/// dictionary or a string per key. It takes only lines `PredictionLine` takes, with the same values (so the
/// two never differ where Foundation's parser would: it rounds some long numbers differently); for any other
/// line it returns nil and `PredictionWindows` reads the line through `PredictionRecord.parse`. Keys are
/// compared as bytes, so a key with a non-ASCII byte (which the general parser reads as repaired UTF-8) is left
/// to it too.
struct DirectLine {
    struct Fields {
        var modelVersion: String
        var timestamp: Double
        var probability: Double
        var shadow: Bool
    }

    private var version: LineTokens.Scalar?
    private var alias: LineTokens.Scalar?
    private var probability: LineTokens.Scalar?
    private var timestamp: LineTokens.Scalar?
    private var seenFeatures = false
    /// Keys read but not kept: only whether they repeat matters (a repeated key is left to the general parser).
    private var ignored: [Range<Int>] = []

    /// The fields of the line `bytes`, with the features in `slots` (which come in all `.absent`; `names` are
    /// the schema's feature names as UTF-8); nil when the line is left to the general parser.
    static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, names: [[UInt8]], into slots: inout [PredictionWindows.Slot]
    ) -> Fields? {
        var line = DirectLine()
        var tokens = LineTokens(bytes: bytes)
        guard tokens.line({ tokens, key in line.member(&tokens, key: key, names: names, slots: &slots) }),
            line.seenFeatures, let probability = line.probability?.number, probability.isFinite,
            let versionText = LineTokens.Scalar.modelVersion(line.version)
        else { return nil }
        return Fields(
            modelVersion: versionText, timestamp: line.timestamp?.number ?? 0, probability: probability,
            shadow: line.alias?.text != nil)
    }

    /// One member of the line's object.
    private mutating func member(
        _ tokens: inout LineTokens, key: Range<Int>, names: [[UInt8]], slots: inout [PredictionWindows.Slot]
    ) -> Bool {
        guard tokens.isASCII(key) else { return false }
        if tokens.matches(key, "features") {
            guard !seenFeatures else { return false }
            seenFeatures = true
            return Self.features(&tokens, names: names, into: &slots)
        }
        guard let value = tokens.scalar() else { return false }
        if tokens.matches(key, "model_version") { return version.setOnce(value) }
        if tokens.matches(key, "probability") { return probability.setOnce(value) }
        if tokens.matches(key, "ts") { return timestamp.setOnce(value) }
        if tokens.matches(key, "alias") { return alias.setOnce(value) }
        // A fractional `prediction` is left to the general parser, as `PredictionLine` leaves it.
        if case .number(_, nil) = value, tokens.matches(key, "prediction") { return false }
        return Self.once(key, in: &ignored, tokens)
    }

    /// Notes `key` in `seen`; false when it was there already.
    private static func once(_ key: Range<Int>, in seen: inout [Range<Int>], _ tokens: LineTokens) -> Bool {
        guard !seen.contains(where: { tokens.same(key, $0) }) else { return false }
        seen.append(key)
        return true
    }

    /// The `features` object: a schema feature's value goes to its slot; other names are read and dropped.
    private static func features(
        _ tokens: inout LineTokens, names: [[UInt8]], into slots: inout [PredictionWindows.Slot]
    ) -> Bool {
        var others: [Range<Int>] = []
        return tokens.object { tokens, name in
            guard tokens.isASCII(name), let value = tokens.featureValue() else { return false }
            guard let index = names.firstIndex(where: { tokens.matches(name, $0) }) else {
                return once(name, in: &others, tokens)
            }
            guard slots[index] == .absent else { return false }
            slots[index] = value.slot
            return true
        }
    }
}

extension PredictionRecord.Value {
    /// The value as a window's slot holds it.
    var slot: PredictionWindows.Slot {
        switch self {
        case .number(let number): .number(number)
        case .text(let text): .text(text)
        case .missing: .missing
        }
    }
}
