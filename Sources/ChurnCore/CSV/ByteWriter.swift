/// A buffered writer of bytes with fast number and CSV field formatting. Where the bytes go is the
/// `sink`'s business (a file descriptor, memory in tests), so the format code stays free of I/O.
package struct ByteWriter: ~Copyable {
    package typealias Sink = (UnsafeRawBufferPointer) throws -> Void
    private let sink: Sink
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    package private(set) var bytesWritten = 0
    /// Bytes written so far, counting those still buffered.
    package var position: Int { bytesWritten + count }

    package init(capacity: Int = 1 << 18, sink: @escaping Sink) {
        self.sink = sink
        self.capacity = capacity
        self.buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
    }

    @inline(__always)
    private mutating func reserve(_ n: Int) throws {
        if count + n > capacity { try flush() }
    }

    @inline(__always)
    package mutating func write(byte: UInt8) throws {
        try reserve(1)
        buffer[count] = byte
        count += 1
    }

    package mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if bytes.count > capacity {
            try flush()
            try writeAll(UnsafeRawBufferPointer(bytes))
            return
        }
        try reserve(bytes.count)
        if let base = bytes.baseAddress { (buffer + count).update(from: base, count: bytes.count) }
        count += bytes.count
    }

    package mutating func write(_ string: String) throws {
        var copy = string
        try copy.withUTF8 { try write($0) }
    }

    /// Writes a field of a `CSVReader`'s current record, whose first eight bytes are readable whatever its
    /// length (`FieldTable`): up to 16 bytes (ids) as two word copies after one capacity check, longer ones as
    /// `write(_:)`. No quoting: for fields of records without quotes.
    @inline(__always)
    package mutating func write(recordField bytes: UnsafeBufferPointer<UInt8>) throws {
        let n = bytes.count
        guard n <= 16, capacity >= 16, let base = bytes.baseAddress else { return try write(bytes) }
        try reserve(16)
        let source = UnsafeRawPointer(base), out = UnsafeMutableRawPointer(buffer + count)
        out.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
        if n > 8 {
            out.storeBytes(
                of: source.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self), toByteOffset: n &- 8, as: UInt64.self
            )
        }
        count += n
    }

    /// Writes a CSV field, quoting it when it holds a comma, quote, CR or LF.
    package mutating func writeField(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard Self.needsQuotes(bytes) else { return try write(bytes) }
        try write(byte: 0x22)
        for byte in bytes {
            if byte == 0x22 { try write(byte: 0x22) }
            try write(byte: byte)
        }
        try write(byte: 0x22)
    }

    /// Whether a field holds a comma, quote, CR or LF. Eight bytes at a time while none of them is a comma or
    /// below `#` (`CSVReader.specialBytes`, which flags a superset), byte by byte from the first word that has one.
    @inline(__always)
    static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i &+ 8 <= bytes.count, CSVReader.specialBytes(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) == 0
        {
            i &+= 8
        }
        while i < bytes.count {
            let byte = base[i]
            if byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D { return true }
            i &+= 1
        }
        return false
    }

    package mutating func writeField(_ string: String) throws {
        var copy = string
        try copy.withUTF8 { try writeField($0) }
    }

    /// Writes a non-negative integer in decimal.
    @inline(__always)
    package mutating func write(integer value: Int) throws {
        try reserve(21)
        var v = value
        if v < 0 {
            buffer[count] = UInt8(ascii: "-")
            count += 1
            v = -v
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // scratch for up to 24 digits
        let length = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var n = 0
            repeat {
                raw[23 - n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v > 0
            (buffer + count).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + 24 - n, count: n)
            return n
        }
        count += length
    }

    /// Writes `value` with exactly `decimals` digits after the point (round half away from zero).
    @inline(__always)
    package mutating func write(fixed value: Double, decimals: Int) throws {
        guard value.isFinite, abs(value) < 1e15 else { return try write("\(value)") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        var scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        if value < 0, scaled != 0 { try write(byte: UInt8(ascii: "-")) }
        if scaled >= 9.2e18 { scaled = 9.2e18 }
        let whole = Int(scaled)
        let divisor = Int(scale)
        try write(integer: whole / divisor)
        guard decimals > 0 else { return }
        try reserve(decimals + 1)
        buffer[count] = UInt8(ascii: ".")
        var fraction = whole % divisor
        for k in stride(from: decimals, through: 1, by: -1) {
            buffer[count + k] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
        count += decimals + 1
    }

    package mutating func flush() throws {
        guard count > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(start: buffer, count: count))
        count = 0
    }

    private mutating func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        try sink(bytes)
        bytesWritten += bytes.count
    }
}

extension ByteWriter {
    /// The part of a scored line after the id: `,<probability, 6 decimals>,<0|1>,<model version>`.
    /// One place for the format, whichever model family produced the probability.
    /// With `endingLine`, the line feed that ends the line follows.
    @inline(__always)
    package mutating func writePrediction(
        _ probability: Double, threshold: Double, version: UnsafeBufferPointer<UInt8>, endingLine: Bool = false
    ) throws {
        // A probability in [0, 1) (nearly all) with room for the whole part: one capacity check, then stores.
        let length = 12 + version.count
        if probability >= 0, probability < 1, length + 1 <= capacity {
            try reserve(length + 1)
            let out = buffer + count
            out[0] = UInt8(ascii: ",")
            Self.formatProbability(probability, into: out + 1)
            out[9] = UInt8(ascii: ",")
            out[10] = probability >= threshold ? UInt8(ascii: "1") : UInt8(ascii: "0")
            out[11] = UInt8(ascii: ",")
            Self.copy(version, to: out + 12)
            out[length] = UInt8(ascii: "\n")  // overwritten by the next write unless the line ends here
            count += endingLine ? length + 1 : length
            return
        }
        try write(byte: UInt8(ascii: ","))
        try write(probability: probability)
        try reserve(3)
        buffer[count] = UInt8(ascii: ",")
        buffer[count + 1] = probability >= threshold ? UInt8(ascii: "1") : UInt8(ascii: "0")
        buffer[count + 2] = UInt8(ascii: ",")
        count += 3
        try write(version)
        if endingLine { try write(byte: UInt8(ascii: "\n")) }
    }

    /// Copies `bytes` to `out` without a call: eight bytes at a time, the last eight overlapping the ones before.
    @inline(__always)
    private static func copy(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return }
        guard n >= 8 else {
            for i in 0..<n { out[i] = base[i] }
            return
        }
        let source = UnsafeRawPointer(base), target = UnsafeMutableRawPointer(out)
        var i = 0
        while i &+ 8 < n {
            target.storeBytes(
                of: source.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        target.storeBytes(
            of: source.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self), toByteOffset: n &- 8, as: UInt64.self)
    }

    /// Writes a probability as `write(fixed:decimals: 6)` does, to the byte, without its general steps:
    /// a value in [0, 1) scaled by 10⁶ and rounded the same way is at most 1,000,000, so the text is `0.` and
    /// six digits, or `1.000000`. Other values (1, NaN, out of range) take the general path.
    @inline(__always)
    package mutating func write(probability value: Double) throws {
        guard value >= 0, value < 1 else { return try write(fixed: value, decimals: 6) }
        try reserve(8)
        Self.formatProbability(value, into: buffer + count)
        count += 8
    }

    /// The eight bytes of a probability in [0, 1) with six decimals (`0.` and six digits, or `1.000000` when it
    /// rounds up to 1): the value scaled by 10⁶ and rounded half away from zero, as `write(fixed:decimals:)`
    /// rounds, then written two digits at a time from a table.
    ///
    /// The rounding is spelled out rather than `rounded(.toNearestOrAwayFromZero)`, which is a call to the C
    /// library's `round` on x86-64 without SSE4.1: for `scaled` in [0, 10⁶) and `down` its integer part,
    /// `scaled - down` is exact (Sterbenz: `down <= scaled < 2 down` when `down >= 1`), so comparing it with
    /// one half rounds exactly as `round` does.
    @inline(__always)
    static func formatProbability(_ value: Double, into out: UnsafeMutablePointer<UInt8>) {
        let scaled = value * 1e6
        let down = Int(scaled)
        let whole = scaled - Double(down) >= 0.5 ? down &+ 1 : down
        let zero = UInt8(ascii: "0")
        out[1] = UInt8(ascii: ".")
        if whole >= 1_000_000 {
            out[0] = UInt8(ascii: "1")
            for k in 2..<8 { out[k] = zero }
            return
        }
        out[0] = zero
        let high = whole / 10_000, low = whole % 10_000
        let pairs = digitPairs.utf8Start
        (out + 2).update(from: pairs + 2 * high, count: 2)
        (out + 4).update(from: pairs + 2 * (low / 100), count: 2)
        (out + 6).update(from: pairs + 2 * (low % 100), count: 2)
    }

    /// "00" to "99", back to back: the two digits of n at offset 2n.
    private static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }
}
