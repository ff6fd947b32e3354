/// A buffered writer of bytes with fast number and CSV field formatting. Where the bytes go is the
/// `sink`'s business (a file descriptor, memory in tests), so the format code stays free of I/O.
package struct ByteWriter: ~Copyable {
    package typealias Sink = (UnsafeRawBufferPointer) throws -> Void
    private let sink: Sink
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    package private(set) var bytesWritten = 0

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

    /// Writes a CSV field, quoting it when it holds a comma, quote, CR or LF.
    package mutating func writeField(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var needsQuotes = false
        for byte in bytes where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return try write(bytes) }
        try write(byte: 0x22)
        for byte in bytes {
            if byte == 0x22 { try write(byte: 0x22) }
            try write(byte: byte)
        }
        try write(byte: 0x22)
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
    @inline(__always)
    package mutating func writePrediction(
        _ probability: Double, threshold: Double, version: UnsafeBufferPointer<UInt8>
    ) throws {
        try write(byte: UInt8(ascii: ","))
        try write(fixed: probability, decimals: 6)
        try write(byte: UInt8(ascii: ","))
        try write(byte: probability >= threshold ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        try write(byte: UInt8(ascii: ","))
        try write(version)
    }
}
