/// JSON text written straight into bytes, for the scoring routes' answers (one per request, thousands of rows for
/// `/invocations`): what `JSONEncoder` with sorted keys and unescaped slashes writes for the same values, without
/// its containers and boxing per value.
struct JSONBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func byte(_ byte: UInt8) { bytes.append(byte) }

    /// `"key":`.
    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A quoted string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`, the rest as is.
    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string(valid: $0) }
    }

    /// A quoted string from UTF-8 bytes, as `string(_:)` writes `String(decoding: utf8, as: UTF8.self)` (invalid
    /// bytes become U+FFFD).
    mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        if utf8.allSatisfy({ $0 < 0x80 }) {
            string(valid: utf8)
        } else {
            string(String(decoding: utf8, as: UTF8.self))
        }
    }

    /// A quoted string from valid UTF-8.
    private mutating func string(valid utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var start = 0
        for (offset, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<offset]))
            start = offset + 1
            switch byte {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            default:
                raw("\\u00")
                let hex: StaticString = "0123456789abcdef"
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"name":` as bytes, for a key written many times.
    static func keyText(_ name: String) -> [UInt8] {
        var json = JSONBytes(capacity: name.utf8.count + 4)
        json.key(name)
        return json.bytes
    }

    mutating func int(_ value: Int) {
        if (0...9).contains(value) {
            bytes.append(UInt8(ascii: "0") + UInt8(value))  // a prediction: 0 or 1
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// `double(value)` for a value read from `text`, a probability as the scored CSV writes it (`0.` and six
    /// digits): from 0.0001 on, the shortest text that reads back as the value is `text` without its trailing
    /// zeros (no other text of as few digits is as close), so it is copied rather than formatted again. Any
    /// other text: `double(value)`.
    mutating func double(_ value: Double, sixDecimals text: UnsafeBufferPointer<UInt8>) {
        guard text.count == 8, text[0] == UInt8(ascii: "0"), text[1] == UInt8(ascii: "."),
            text[2...5].contains(where: { $0 != UInt8(ascii: "0") }),
            text[2...7].allSatisfy({ $0 &- UInt8(ascii: "0") < 10 })
        else { return double(value) }
        var end = 8
        while text[end - 1] == UInt8(ascii: "0") { end -= 1 }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<end]))
    }

    /// The shortest text that reads back as `value` ("0.25", "1e-05"; whole numbers without ".0"), as
    /// `JSONEncoder` writes it; NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (the
    /// encoder's `convertToString` strategy of `JSONResponse`).
    mutating func double(_ value: Double) {
        guard value.isFinite else {
            raw(value.isNaN ? "\"NaN\"" : value < 0 ? "\"-Infinity\"" : "\"Infinity\"")
            return
        }
        let text = value.description
        if text.hasSuffix(".0") {
            bytes.append(contentsOf: text.utf8.dropLast(2))
        } else {
            bytes.append(contentsOf: text.utf8)
        }
    }
}
