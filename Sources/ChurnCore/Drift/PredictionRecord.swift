import Foundation

/// One line of a prediction log, compatible with the reference prediction API:
/// `{"request_id": "...", "model_version": "3", "prediction": 0, "probability": 0.734512, "latency_ms": 1.2,
///   "features": {"tenure_months": 12, ...}, "ts": 1763856000.0}`, optionally with `"alias"` and `"file"`
/// (churnd's own lines: the inbox file the prediction was made for; other readers ignore extra fields).
package struct PredictionRecord: Equatable, Sendable {
    package enum Value: Equatable, Sendable {
        case number(Double)
        case text(String)
        case missing
    }

    package var requestID: String
    package var modelVersion: String
    package var alias: String?
    /// The name of the scored file (as dropped into the inbox, or given to `churnd score`), when known.
    package var file: String?
    package var prediction: Int
    package var probability: Double
    package var latencyMS: Double?
    package var features: [String: Value]
    package var timestamp: Double

    package init(
        requestID: String, modelVersion: String, alias: String? = nil, file: String? = nil, prediction: Int,
        probability: Double, latencyMS: Double? = nil, features: [String: Value], timestamp: Double
    ) {
        self.requestID = requestID
        self.modelVersion = modelVersion
        self.alias = alias
        self.file = file
        self.prediction = prediction
        self.probability = probability
        self.latencyMS = latencyMS
        self.features = features
        self.timestamp = timestamp
    }

    /// Why a line was skipped.
    package enum Problem: Error, Equatable, Sendable {
        case notJSON
        case missingField(String)
        case wrongType(String)
    }

    /// Parses one line. Feature values keep their JSON type; `null` is missing.
    package static func parse(_ line: some StringProtocol) throws(Problem) -> PredictionRecord {
        // The usual line (churnd's own) is read directly; any other goes through Foundation's JSON parser.
        if let record = PredictionLine.parse(line) { return record }
        return try parseAnyJSON(line)
    }

    /// `parse` through Foundation's JSON parser, for every line (tests compare the direct reader with it).
    static func parseAnyJSON(_ line: some StringProtocol) throws(Problem) -> PredictionRecord {
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw .notJSON }
        guard let probability = (object["probability"] as? NSNumber)?.doubleValue, probability.isFinite else {
            throw object["probability"] == nil ? .missingField("probability") : .wrongType("probability")
        }
        guard let features = object["features"] as? [String: Any] else {
            throw object["features"] == nil ? .missingField("features") : .wrongType("features")
        }
        var values: [String: Value] = [:]
        // In name order: of several unusable features, the one a skipped line is counted under is the same on every
        // read (a dictionary's order changes from one instance to the next).
        for (name, raw) in features.sorted(by: { $0.key < $1.key }) {
            switch raw {
            case let string as String: values[name] = .text(string)
            case let number as NSNumber:
                values[name] = .number(number.doubleValue)
            case is NSNull: values[name] = .missing
            default: throw .wrongType("features.\(name)")
            }
        }
        let version: String
        switch object["model_version"] {
        case let string as String: version = string
        case let number as NSNumber: version = number.stringValue
        default: version = ""
        }
        return PredictionRecord(
            requestID: object["request_id"] as? String ?? "", modelVersion: version, alias: object["alias"] as? String,
            file: object["file"] as? String,
            prediction: (object["prediction"] as? NSNumber)?.intValue ?? (probability >= 0.5 ? 1 : 0),
            probability: probability, latencyMS: (object["latency_ms"] as? NSNumber)?.doubleValue, features: values,
            timestamp: (object["ts"] as? NSNumber)?.doubleValue ?? 0)
    }

    /// Appends the record as one JSON line.
    package func write(to writer: inout ByteWriter) throws {
        var keys = FeatureKeys()
        try write(to: &writer, keys: &keys)
    }

    /// Appends the records as JSON lines, each exactly as `write(to:)` writes it.
    package static func write(_ records: [PredictionRecord], to writer: inout ByteWriter) throws {
        var keys = FeatureKeys()
        for record in records { try record.write(to: &writer, keys: &keys) }
    }

    /// The feature names in sorted order with their JSON text (`"name":`), kept from one record to the next:
    /// the lines of one batch nearly always carry the same features, so they are sorted and escaped once.
    package struct FeatureKeys {
        var names: [String] = []
        var texts: [[UInt8]] = []

        package init() {}

        /// Calls `body` with the values of `features` in the order of the names held, or returns false when
        /// `features` does not have exactly these names. Names are matched by equality, not hashed: a line's few
        /// feature names are short strings, compared in a few instructions each.
        func inOrder(_ features: [String: Value], _ body: (UnsafeBufferPointer<Value?>) throws -> Void) rethrows
            -> Bool
        {
            guard features.count == names.count else { return false }
            return try withUnsafeTemporaryAllocation(of: Value?.self, capacity: names.count) { slots in
                slots.initialize(repeating: nil)
                defer { slots.deinitialize() }
                for (name, value) in features {
                    guard let index = names.firstIndex(of: name), slots[index] == nil else { return false }
                    slots[index] = value
                }
                try body(UnsafeBufferPointer(slots))
                return true
            }
        }

        mutating func adopt(_ features: [String: Value]) throws {
            names = features.keys.sorted()
            texts = try names.map { name in
                var bytes: [UInt8] = []
                var writer = ByteWriter(capacity: name.utf8.count * 6 + 8) { bytes.append(contentsOf: $0) }
                try PredictionRecord.writeJSONString(name, to: &writer)
                try writer.write(byte: UInt8(ascii: ":"))
                try writer.flush()
                return bytes
            }
        }
    }

    private func write(to writer: inout ByteWriter, keys: inout FeatureKeys) throws {
        try writer.write("{\"request_id\":")
        try Self.writeJSONString(requestID, to: &writer)
        try writer.write(",\"model_version\":")
        try Self.writeJSONString(modelVersion, to: &writer)
        if let alias {
            try writer.write(",\"alias\":")
            try Self.writeJSONString(alias, to: &writer)
        }
        if let file {
            try writer.write(",\"file\":")
            try Self.writeJSONString(file, to: &writer)
        }
        try writer.write(",\"prediction\":")
        try writer.write(integer: prediction)
        try writer.write(",\"probability\":")
        try writer.write(fixed: probability, decimals: 6)
        if let latencyMS {
            try writer.write(",\"latency_ms\":")
            try writer.write(fixed: latencyMS, decimals: 3)
        }
        try writer.write(",\"features\":{")
        func writeFeatures(_ values: UnsafeBufferPointer<Value?>, _ keys: FeatureKeys) throws {
            for (index, value) in values.enumerated() {
                if index > 0 { try writer.write(byte: UInt8(ascii: ",")) }
                try keys.texts[index].withUnsafeBufferPointer { try writer.write($0) }
                switch value! {
                case .number(let value): try Self.writeNumber(value, to: &writer)
                case .text(let text): try Self.writeJSONString(text, to: &writer)
                case .missing: try writer.write("null")
                }
            }
        }
        if try !keys.inOrder(features, { try writeFeatures($0, keys) }) {
            try keys.adopt(features)
            _ = try keys.inOrder(features) { try writeFeatures($0, keys) }
        }
        try writer.write("},\"ts\":")
        try writer.write(fixed: timestamp, decimals: 3)
        try writer.write("}\n")
    }

    /// A feature's number as a line writes it: a whole number below 10¹⁵ without a fraction ("12", "-1"),
    /// any other as Swift prints it ("12.5").
    @inline(__always)
    static func writeNumber(_ value: Double, to writer: inout ByteWriter) throws {
        if value == value.rounded(), abs(value) < 1e15 {
            try writer.write(integer: Int(value))
        } else {
            try writer.write(value.description)
        }
    }

    static func writeJSONString(_ string: String, to writer: inout ByteWriter) throws {
        var text = string
        try text.withUTF8 { try writeJSONString(utf8: $0, to: &writer) }
    }

    /// A JSON string from UTF-8 bytes: `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`.
    static func writeJSONString(utf8: UnsafeBufferPointer<UInt8>, to writer: inout ByteWriter) throws {
        try writer.write(byte: UInt8(ascii: "\""))
        // Most strings need no escape: written in one piece.
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            try writer.write(utf8)
            return try writer.write(byte: UInt8(ascii: "\""))
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): try writer.write("\\\"")
            case UInt8(ascii: "\\"): try writer.write("\\\\")
            case 0x0A: try writer.write("\\n")
            case 0x0D: try writer.write("\\r")
            case 0x09: try writer.write("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                try writer.write("\\u00")
                try writer.write(byte: hex[Int(byte >> 4)])
                try writer.write(byte: hex[Int(byte & 15)])
            default: try writer.write(byte: byte)
            }
        }
        try writer.write(byte: UInt8(ascii: "\""))
    }
}
