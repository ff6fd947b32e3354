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
            var reader = Reader()
            return reader.record(bytes)
        } ?? nil
    }

    private typealias Scalar = LineTokens.Scalar

    private struct Reader {
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

        mutating func record(_ bytes: UnsafeBufferPointer<UInt8>) -> PredictionRecord? {
            var tokens = LineTokens(bytes: bytes)
            guard tokens.line({ tokens, range in member(&tokens, key: tokens.text(range)) }) else { return nil }
            guard case .number(let probabilityValue, _) = probability, probabilityValue.isFinite,
                let features
            else { return nil }
            guard let versionText = Scalar.modelVersion(version) else { return nil }
            let predictionValue: Int
            switch prediction {
            case .number(_, let integer?): predictionValue = integer
            case .number(_, nil): return nil
            case .text, .null, nil: predictionValue = probabilityValue >= 0.5 ? 1 : 0
            }
            return PredictionRecord(
                requestID: requestID ?? "", modelVersion: versionText, alias: alias?.text, file: file?.text,
                prediction: predictionValue, probability: probabilityValue, latencyMS: latency?.number,
                features: features, timestamp: timestamp?.number ?? 0)
        }

        /// One member of the line's object.
        private mutating func member(_ tokens: inout LineTokens, key: String) -> Bool {
            if key == "features" {
                guard features == nil, let object = Self.featureObject(&tokens) else { return false }
                features = object
                return true
            }
            guard let value = tokens.scalar() else { return false }
            switch key {
            case "request_id":
                guard requestID == nil else { return false }
                if case .text(let text) = value { requestID = text } else { requestID = "" }
                return true
            case "model_version": return version.setOnce(value)
            case "alias": return alias.setOnce(value)
            case "file": return file.setOnce(value)
            case "prediction": return prediction.setOnce(value)
            case "probability": return probability.setOnce(value)
            case "latency_ms": return latency.setOnce(value)
            case "ts": return timestamp.setOnce(value)
            default: return others.insert(key).inserted
            }
        }

        private static func featureObject(_ tokens: inout LineTokens) -> [String: PredictionRecord.Value]? {
            var values: [String: PredictionRecord.Value] = [:]
            values.reserveCapacity(8)
            let read = tokens.object { tokens, name in
                guard let value = tokens.featureValue() else { return false }
                return values.updateValue(value, forKey: tokens.text(name)) == nil
            }
            return read ? values : nil
        }
    }
}
