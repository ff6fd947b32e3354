#if canImport(Glibc)
    import Glibc
#endif

/// Parses decimal numbers from bytes without allocating.
package enum NumberParser {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]`, surrounded by optional spaces.
    /// Returns nil for anything else, including `nan`, `inf` and empty input.
    ///
    /// Uses the exact fast path (mantissa below 2^53, power of ten at most 22) and falls back to `strtod`
    /// on a stack copy for the rare long or extreme numbers, so results are correctly rounded.
    @inline(__always)
    package static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if let value = parsePlain(bytes) { return value }
        return parseGeneral(bytes)
    }

    /// `parseDouble` for what `parsePlain` leaves: a call, so that the loops that parse plain numbers stay small.
    @inline(never)
    static func parseGeneral(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var n = bytes.count
        while i < n, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        while n > i, bytes[n - 1] == 0x20 || bytes[n - 1] == 0x09 { n -= 1 }
        guard i < n else { return nil }
        let begin = i
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        // Digits are accumulated without checks; more than 19 of them (the mantissa could wrap) take the slow
        // path, which reads the text again.
        var mantissa: UInt64 = 0
        let zerosStart = i
        while i < n, bytes[i] == UInt8(ascii: "0") { i += 1 }  // leading zeros: neither digits nor slow
        let leadingZeros = i - zerosStart
        let integerStart = i
        while i < n {
            let d = bytes[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        var digits = i - integerStart
        var exponent = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n {
                let d = bytes[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i += 1
            }
            exponent = fractionStart - i
            digits += i - fractionStart
        }
        guard digits + leadingZeros > 0 else { return nil }
        var explicitExponent = 0
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var expDigits = 0
            while i < n {
                let d = bytes[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            if expNegative { explicitExponent = -explicitExponent }
        }
        guard i == n else { return nil }
        exponent += explicitExponent
        // Exact operands (an integer below 2^53, a power of ten up to 10^22), one rounding: correctly rounded.
        if digits <= 19, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 {
                value /= powerOf10(-exponent)
            } else if exponent > 0 {
                value *= powerOf10(exponent)
            }
            return negative ? -value : value
        }
        return slowPath(bytes, from: begin, to: n)
    }

    /// The common case in one loop: `digits[.digits]` of at most 15 bytes (no sign, spaces or exponent), so
    /// the mantissa is below 10¹⁵ < 2⁵³ and the divisor at most 10¹⁴: the same exact operands and the same one
    /// rounding as the general path below, hence the same double. Anything else returns nil and takes it.
    @inline(__always)
    static func parsePlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = bytes.count
        guard n > 0, n <= 15 else { return nil }
        var mantissa: UInt64 = 0
        var dot = -1
        for i in 0..<n {
            let d = bytes[i] &- UInt8(ascii: "0")
            if d <= 9 {
                mantissa = mantissa &* 10 &+ UInt64(d)
            } else if d == UInt8(ascii: ".") &- UInt8(ascii: "0"), dot < 0 {
                dot = i
            } else {
                return nil
            }
        }
        if dot < 0 { return Double(mantissa) }
        guard n > 1 else { return nil }  // "." alone
        let fraction = n - 1 - dot
        return fraction == 0 ? Double(mantissa) : Double(mantissa) / powerOf10(fraction)
    }

    /// 10^`exponent` for `exponent` in 0...22, each exactly a double: a constant table the compiler builds from
    /// the switch (a global array would cost its lazy initialisation check and a bounds check on every use).
    @inline(__always)
    static func powerOf10(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        case 22: 1e22
        default: .nan
        }
    }

    private static func slowPath(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Double? {
        let count = to - from
        guard count < 512 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { scratch in
            for k in 0..<count { scratch[k] = CChar(bitPattern: bytes[from + k]) }
            scratch[count] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(scratch.baseAddress!, &endPointer)
            guard endPointer == scratch.baseAddress! + count, value.isFinite else { return nil }
            return value
        }
    }
}
