#if canImport(Glibc)
    import Glibc
#endif

/// The JSON tokens of one prediction-log line, read from its bytes by the direct readers (`PredictionLine`,
/// `DirectLine`): strings without escapes or control characters, numbers, `null`. Anything else is not a token
/// here, and the reader gives the line to Foundation's parser.
struct LineTokens {
    enum Scalar {
        case text(String)
        case number(Double, integer: Int?)
        case null

        var text: String? {
            if case .text(let text) = self { text } else { nil }
        }

        var number: Double? {
            if case .number(let value, _) = self { value } else { nil }
        }

        /// `model_version` as the general parser spells it: text as is, an integer's digits, "" when null or
        /// absent; nil for a fraction (NSNumber's own spelling, left to the general parser).
        static func modelVersion(_ scalar: Scalar?) -> String? {
            switch scalar {
            case .text(let text): text
            case .number(_, let integer?): String(integer)
            case .number(_, nil): nil
            case .null, nil: ""
            }
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { at == bytes.count }

    /// A whole line: one object (`member` as in `object`) with nothing but white space around it.
    mutating func line(_ member: (inout LineTokens, Range<Int>) -> Bool) -> Bool {
        skipSpace()
        guard object(member) else { return false }
        skipSpace()
        return atEnd
    }

    /// An object: `member` is called with each key (its contents, without the quotes) and the tokens at its
    /// value, which it reads; false when the object is malformed or `member` says false.
    mutating func object(_ member: (inout LineTokens, Range<Int>) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        skipSpace()
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            skipSpace()
            guard let key = stringRange() else { return false }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return false }
            skipSpace()
            guard member(&self, key) else { return false }
            skipSpace()
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// A feature's value: a string, a number or `null` (missing).
    mutating func featureValue() -> PredictionRecord.Value? {
        switch scalar() {
        case .text(let text): .text(text)
        case .number(let number, _): .number(number)
        case .null: .missing
        case nil: nil
        }
    }

    mutating func scalar() -> Scalar? {
        guard at < bytes.count else { return nil }
        switch bytes[at] {
        case UInt8(ascii: "\""): return string().map { .text($0) }
        case UInt8(ascii: "n"): return null() ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    mutating func null() -> Bool {
        guard bytes.count - at >= 4, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"),
            bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "l")
        else { return false }
        at += 4
        return true
    }

    /// A string without escapes or control characters.
    mutating func string() -> String? {
        stringRange().map(text)
    }

    /// Where the next string's contents are (without its quotes), when it has no escape or control character.
    mutating func stringRange() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return start..<(at - 1)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            at += 1
        }
        return nil
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Whether the bytes in `a` and `b` are the same.
    func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        a.count == b.count && memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, a.count) == 0
    }

    func isASCII(_ range: Range<Int>) -> Bool {
        !bytes[range].contains { $0 >= 0x80 }
    }

    /// Whether the bytes in `range` are `name`'s.
    func matches(_ range: Range<Int>, _ name: StaticString) -> Bool {
        range.count == name.utf8CodeUnitCount
            && memcmp(bytes.baseAddress! + range.lowerBound, name.utf8Start, range.count) == 0
    }

    func matches(_ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        return name.withUnsafeBufferPointer { name in
            name.isEmpty || memcmp(bytes.baseAddress! + range.lowerBound, name.baseAddress!, name.count) == 0
        }
    }

    /// A JSON number. An integer of at most 18 digits is converted as Foundation converts it (exactly, through
    /// `Int`, so `-0` is 0); a decimal fraction of at most 15 digits in all as the integer of its digits divided by
    /// a power of ten (both exact doubles, so the one division rounds correctly); any other through `strtod`,
    /// which rounds correctly as Foundation's conversion does.
    mutating func number() -> Scalar? {
        let start = at
        var digits = 0
        var mantissa = 0
        var fractionDigits = 0
        var integral = true
        var exponent = false
        let negative = take(UInt8(ascii: "-"))
        guard at < bytes.count, isDigit(bytes[at]) else { return nil }
        if bytes[at] == UInt8(ascii: "0") {
            at += 1
            digits = 1
        } else {
            while at < bytes.count, isDigit(bytes[at]) {
                if digits < 18 { mantissa = mantissa * 10 + Int(bytes[at] &- 0x30) }
                at += 1
                digits += 1
            }
        }
        if take(UInt8(ascii: ".")) {
            integral = false
            guard at < bytes.count, isDigit(bytes[at]) else { return nil }
            while at < bytes.count, isDigit(bytes[at]) {
                if digits + fractionDigits < 18 { mantissa = mantissa * 10 + Int(bytes[at] &- 0x30) }
                at += 1
                fractionDigits += 1
            }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            integral = false
            exponent = true
            at += 1
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard at < bytes.count, isDigit(bytes[at]) else { return nil }
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        guard at - start < 64 else { return nil }
        if integral {
            guard digits <= 18 else { return nil }
            let value = negative ? -mantissa : mantissa
            return .number(Double(value), integer: value)
        }
        if !exponent, digits + fractionDigits <= 15 {
            let value = Double(mantissa) / Self.powersOfTen[fractionDigits]
            return .number(negative ? -value : value, integer: nil)
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

    /// 10⁰ … 10¹⁵, each exact as a double.
    private static let powersOfTen: [Double] = (0...15).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0A || bytes[at] == 0x0D {
            at += 1
        }
    }
}

extension Optional where Wrapped == LineTokens.Scalar {
    /// Sets a field once: false when the key came before (a repeated key is left to the general parser).
    mutating func setOnce(_ value: LineTokens.Scalar) -> Bool {
        guard self == nil else { return false }
        self = value
        return true
    }
}
