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
            var reader = Reader(bytes: bytes)
            return reader.record()
        } ?? nil
    }

    private enum Scalar {
        case text(String)
        case number(Double, integer: Int?)
        case null
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

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
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                repeat {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    if key == "features" {
                        guard features == nil, let object = featureObject() else { return nil }
                        features = object
                    } else {
                        guard let value = scalar() else { return nil }
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
                    skipSpace()
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            guard at == bytes.count else { return nil }

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
            guard take(UInt8(ascii: "{")) else { return nil }
            var values: [String: PredictionRecord.Value] = [:]
            values.reserveCapacity(8)
            skipSpace()
            if take(UInt8(ascii: "}")) { return values }
            repeat {
                skipSpace()
                guard let name = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                let value: PredictionRecord.Value
                switch scalar() {
                case .text(let text): value = .text(text)
                case .number(let number, _): value = .number(number)
                case .null: value = .missing
                case nil: return nil
                }
                guard values.updateValue(value, forKey: name) == nil else { return nil }
                skipSpace()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
            return values
        }

        private mutating func scalar() -> Scalar? {
            guard at < bytes.count else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "\""): return string().map { .text($0) }
            case UInt8(ascii: "n"):
                guard bytes.count - at >= 4, bytes[at + 1] == UInt8(ascii: "u"), bytes[at + 2] == UInt8(ascii: "l"),
                    bytes[at + 3] == UInt8(ascii: "l")
                else { return nil }
                at += 4
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return nil
            }
        }

        /// A string without escapes or control characters.
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
                    at += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                at += 1
            }
            return nil
        }

        /// A JSON number. An integer of at most 18 digits is converted as Foundation converts it (exactly, through
        /// `Int`, so `-0` is 0); one with a fraction or an exponent through `strtod`, which rounds correctly as
        /// Foundation's conversion does.
        private mutating func number() -> Scalar? {
            let start = at
            var digits = 0
            var integral = true
            _ = take(UInt8(ascii: "-"))
            guard at < bytes.count, isDigit(bytes[at]) else { return nil }
            if bytes[at] == UInt8(ascii: "0") {
                at += 1
                digits = 1
            } else {
                while at < bytes.count, isDigit(bytes[at]) {
                    at += 1
                    digits += 1
                }
            }
            if take(UInt8(ascii: ".")) {
                integral = false
                guard at < bytes.count, isDigit(bytes[at]) else { return nil }
                while at < bytes.count, isDigit(bytes[at]) { at += 1 }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                integral = false
                at += 1
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard at < bytes.count, isDigit(bytes[at]) else { return nil }
                while at < bytes.count, isDigit(bytes[at]) { at += 1 }
            }
            guard at - start < 64 else { return nil }
            if integral {
                guard digits <= 18 else { return nil }
                var value = 0
                for index in start..<at where isDigit(bytes[index]) { value = value * 10 + Int(bytes[index] &- 0x30) }
                if bytes[start] == UInt8(ascii: "-") { value = -value }
                return .number(Double(value), integer: value)
            }
            // strtod needs a terminated string: the token is copied (numbers are short).
            let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: at - start + 1) { buffer -> Double in
                for index in start..<at { buffer[index - start] = CChar(bitPattern: bytes[index]) }
                buffer[at - start] = 0
                return strtod(buffer.baseAddress!, nil)
            }
            guard value.isFinite else { return nil }
            return .number(value, integer: nil)
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        private mutating func skipSpace() {
            while at < bytes.count,
                bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0A || bytes[at] == 0x0D
            {
                at += 1
            }
        }
    }
}
