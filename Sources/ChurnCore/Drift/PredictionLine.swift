#if canImport(Glibc)
    import Glibc
#endif

/// A direct reader for the prediction-log lines churnd itself writes (and most lines of the reference API): one
/// flat JSON object whose values are strings without escapes, numbers or `null`, and a `features` object of the
/// same. It gives the record `PredictionRecord.parse` gives for such a line, without building a Foundation
/// object tree (which cost the daemon's drift follower most of its time after a stream of drops). Anything else
/// (an escape, `true`/`false`, an array, a nested object other than `features`, a repeated key, a number it does
/// not convert the way Foundation does, a missing or unusable field) returns nil, and the general parser decides.
enum PredictionLine {
    static func parse(_ line: some StringProtocol) -> PredictionRecord? {
        line.utf8.withContiguousStorageIfAvailable { bytes in
            var reader = Reader(tokens: LineTokens(bytes: bytes))
            return reader.record()
        } ?? nil
    }

    private typealias Scalar = LineTokens.Scalar

    private struct Reader {
        var tokens: LineTokens

        mutating func record() -> PredictionRecord? {
            var requestID: String?
            var version: Scalar?
            var alias: Scalar?
            var file: Scalar?
            var prediction: Scalar?
            var probability: Scalar?
            var latency: Scalar?
            var timestamp: Scalar?
            var features: [String: PredictionRecord.Value]?
            var others: Set<String> = []
            tokens.skipSpace()
            guard tokens.take(UInt8(ascii: "{")) else { return nil }
            tokens.skipSpace()
            if !tokens.take(UInt8(ascii: "}")) {
                repeat {
                    tokens.skipSpace()
                    guard let key = tokens.string() else { return nil }
                    tokens.skipSpace()
                    guard tokens.take(UInt8(ascii: ":")) else { return nil }
                    tokens.skipSpace()
                    if key == "features" {
                        guard features == nil, let object = featureObject() else { return nil }
                        features = object
                    } else {
                        guard let value = tokens.scalar() else { return nil }
                        switch key {
                        case "request_id":
                            guard requestID == nil else { return nil }
                            if case .text(let text) = value { requestID = text } else { requestID = "" }
                        case "model_version": guard set(&version, value) else { return nil }
                        case "alias": guard set(&alias, value) else { return nil }
                        case "file": guard set(&file, value) else { return nil }
                        case "prediction": guard set(&prediction, value) else { return nil }
                        case "probability": guard set(&probability, value) else { return nil }
                        case "latency_ms": guard set(&latency, value) else { return nil }
                        case "ts": guard set(&timestamp, value) else { return nil }
                        default: guard others.insert(key).inserted else { return nil }
                        }
                    }
                    tokens.skipSpace()
                } while tokens.take(UInt8(ascii: ","))
                guard tokens.take(UInt8(ascii: "}")) else { return nil }
            }
            tokens.skipSpace()
            guard tokens.atEnd else { return nil }

            guard case .number(let probabilityValue, _) = probability, probabilityValue.isFinite,
                let features
            else { return nil }
            let versionText: String
            switch version {
            case .text(let text): versionText = text
            case .number(_, let integer?): versionText = String(integer)
            case .number(_, nil): return nil  // NSNumber's own spelling of a fraction: left to the general parser
            case .null, nil: versionText = ""
            }
            let predictionValue: Int
            switch prediction {
            case .number(_, let integer?): predictionValue = integer
            case .number(_, nil): return nil
            case .text, .null, nil: predictionValue = probabilityValue >= 0.5 ? 1 : 0
            }
            return PredictionRecord(
                requestID: requestID ?? "", modelVersion: versionText, alias: alias.flatMap(Self.text),
                file: file.flatMap(Self.text), prediction: predictionValue, probability: probabilityValue,
                latencyMS: latency.flatMap(Self.number), features: features,
                timestamp: timestamp.flatMap(Self.number) ?? 0)
        }

        private static func text(_ scalar: Scalar) -> String? {
            if case .text(let text) = scalar { text } else { nil }
        }

        private static func number(_ scalar: Scalar) -> Double? {
            if case .number(let value, _) = scalar { value } else { nil }
        }

        /// Sets a field once: a repeated key is left to the general parser.
        private func set(_ field: inout Scalar?, _ value: Scalar) -> Bool {
            guard field == nil else { return false }
            field = value
            return true
        }

        private mutating func featureObject() -> [String: PredictionRecord.Value]? {
            guard tokens.take(UInt8(ascii: "{")) else { return nil }
            var values: [String: PredictionRecord.Value] = [:]
            values.reserveCapacity(8)
            tokens.skipSpace()
            if tokens.take(UInt8(ascii: "}")) { return values }
            repeat {
                tokens.skipSpace()
                guard let name = tokens.string() else { return nil }
                tokens.skipSpace()
                guard tokens.take(UInt8(ascii: ":")) else { return nil }
                tokens.skipSpace()
                let value: PredictionRecord.Value
                switch tokens.scalar() {
                case .text(let text): value = .text(text)
                case .number(let number, _): value = .number(number)
                case .null: value = .missing
                case nil: return nil
                }
                guard values.updateValue(value, forKey: name) == nil else { return nil }
                tokens.skipSpace()
            } while tokens.take(UInt8(ascii: ","))
            guard tokens.take(UInt8(ascii: "}")) else { return nil }
            return values
        }
    }
}
