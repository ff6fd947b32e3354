/// Reads what a drift window keeps of a prediction-log line straight from its bytes: the schema's features
/// (into slots, in schema order), `model_version`, `alias`, `probability` and `ts`, without a record, a
/// dictionary or a string per key. It takes only lines `PredictionLine` takes, with the same values (so the
/// two never differ where Foundation's parser would: it rounds some long numbers differently); for any other
/// line it returns nil and `PredictionWindows` reads the line through `PredictionRecord.parse`. Keys are compared as bytes, so a
/// key with a non-ASCII byte (which the general parser reads as repaired UTF-8) is left to it too.
struct DirectLine {
    struct Fields {
        var modelVersion: String
        var timestamp: Double
        var probability: Double
        var shadow: Bool
    }

    private var tokens: LineTokens
    /// The schema's feature names as UTF-8.
    private let names: [[UInt8]]

    init(bytes: UnsafeBufferPointer<UInt8>, names: [[UInt8]]) {
        tokens = LineTokens(bytes: bytes)
        self.names = names
    }

    /// The fields, with the features in `slots` (which come in all `.absent`); nil when the line is left to the
    /// general parser.
    mutating func read(into slots: inout [PredictionWindows.Slot]) -> Fields? {
        var version: LineTokens.Scalar?
        var alias: LineTokens.Scalar?
        var probability: LineTokens.Scalar?
        var timestamp: LineTokens.Scalar?
        var seenFeatures = false
        // Fields read but not kept: only whether they repeat matters (a repeated key is left to the general parser).
        var ignored: [Range<Int>] = []
        tokens.skipSpace()
        guard tokens.take(UInt8(ascii: "{")) else { return nil }
        tokens.skipSpace()
        if !tokens.take(UInt8(ascii: "}")) {
            repeat {
                tokens.skipSpace()
                guard let key = tokens.stringRange(), tokens.isASCII(key) else { return nil }
                tokens.skipSpace()
                guard tokens.take(UInt8(ascii: ":")) else { return nil }
                tokens.skipSpace()
                if tokens.matches(key, "features") {
                    guard !seenFeatures, features(into: &slots) else { return nil }
                    seenFeatures = true
                } else {
                    guard let value = tokens.scalar() else { return nil }
                    if tokens.matches(key, "model_version") {
                        guard set(&version, value) else { return nil }
                    } else if tokens.matches(key, "probability") {
                        guard set(&probability, value) else { return nil }
                    } else if tokens.matches(key, "ts") {
                        guard set(&timestamp, value) else { return nil }
                    } else if tokens.matches(key, "alias") {
                        guard set(&alias, value) else { return nil }
                    } else {
                        // A fractional `prediction` is left to the general parser, as `PredictionLine` leaves it.
                        if case .number(_, nil) = value, tokens.matches(key, "prediction") { return nil }
                        guard !ignored.contains(where: { tokens.same(key, $0) }) else { return nil }
                        ignored.append(key)
                    }
                }
                tokens.skipSpace()
            } while tokens.take(UInt8(ascii: ","))
            guard tokens.take(UInt8(ascii: "}")) else { return nil }
        }
        tokens.skipSpace()
        guard tokens.atEnd, seenFeatures, case .number(let probabilityValue, _) = probability,
            probabilityValue.isFinite
        else { return nil }
        let versionText: String
        switch version {
        case .text(let text): versionText = text
        case .number(_, let integer?): versionText = String(integer)
        case .number(_, nil): return nil
        case .null, nil: versionText = ""
        }
        var shadow = false
        if case .text = alias { shadow = true }
        var time = 0.0
        if case .number(let value, _) = timestamp { time = value }
        return Fields(modelVersion: versionText, timestamp: time, probability: probabilityValue, shadow: shadow)
    }

    private func set(_ field: inout LineTokens.Scalar?, _ value: LineTokens.Scalar) -> Bool {
        guard field == nil else { return false }
        field = value
        return true
    }

    /// The `features` object: a schema feature's value goes to its slot; other names are read and dropped.
    private mutating func features(into slots: inout [PredictionWindows.Slot]) -> Bool {
        guard tokens.take(UInt8(ascii: "{")) else { return false }
        var others: [Range<Int>] = []
        tokens.skipSpace()
        if tokens.take(UInt8(ascii: "}")) { return true }
        repeat {
            tokens.skipSpace()
            guard let name = tokens.stringRange(), tokens.isASCII(name) else { return false }
            tokens.skipSpace()
            guard tokens.take(UInt8(ascii: ":")) else { return false }
            tokens.skipSpace()
            let value: PredictionWindows.Slot
            switch tokens.scalar() {
            case .text(let text): value = .text(text)
            case .number(let number, _): value = .number(number)
            case .null: value = .missing
            case nil: return false
            }
            if let index = names.firstIndex(where: { tokens.matches(name, $0) }) {
                guard slots[index] == .absent else { return false }
                slots[index] = value
            } else {
                guard !others.contains(where: { tokens.same(name, $0) }) else { return false }
                others.append(name)
            }
            tokens.skipSpace()
        } while tokens.take(UInt8(ascii: ","))
        return tokens.take(UInt8(ascii: "}"))
    }
}
