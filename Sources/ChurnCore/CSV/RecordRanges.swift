#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes readable at any offset, from several threads at once: a file read with `pread` in production,
/// memory in tests. Core never opens files itself.
package protocol PositionalByteSource: Sendable {
    /// Bytes in the input.
    var size: Int { get }
    /// Reads up to `count` bytes at `offset` into `buffer`; returns fewer only at the end of the input.
    func read(at offset: Int, into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int
}

extension PositionalByteSource {
    /// Reads `count` bytes at `offset` into `buffer`, fewer only where the input ends; returns how many.
    package func read(fully count: Int, at offset: Int, into buffer: UnsafeMutableRawPointer) throws -> Int {
        var got = 0
        while got < count {
            let n = try read(at: offset + got, into: buffer + got, count: count - got)
            if n == 0 { break }
            got += n
        }
        return got
    }
}

/// Serves positional reads from an array (tests, small inputs held in memory).
package struct MemoryPositionalSource: PositionalByteSource {
    private let bytes: [UInt8]

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package var size: Int { bytes.count }

    package func read(at offset: Int, into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        let n = max(0, min(count, bytes.count - offset))
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        return n
    }
}

/// Reads the bytes `[offset, end)` of a positional source in order, as a `CSVReader` consumes them.
package struct RangeSource<Source: PositionalByteSource>: ByteSource {
    private let source: Source
    private var offset: Int
    private let end: Int

    package init(_ source: Source, from offset: Int, to end: Int) {
        self.source = source
        self.offset = offset
        self.end = end
    }

    package mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        let n = min(count, end - offset)
        guard n > 0 else { return 0 }
        let got = try source.read(at: offset, into: buffer, count: n)
        offset += got
        return got
    }
}

/// Where records end, found without parsing them: a line feed ends a record exactly when the number of
/// quote characters since the record's start is even. That is how `CSVReader` reads quotes (a quote outside a
/// quoted field opens one; inside, `""` is an escaped quote and a single `"` closes it), so between two record
/// starts the parity of quotes decides which line feeds are inside quoted fields. A carriage return ends a
/// record too, but splitting only after line feeds keeps every split point a record start for CR, LF and CRLF
/// files alike.
package enum RecordRanges {
    /// The end (exclusive) of the last record that ends with a line feed in `bytes`, which start at a record
    /// start; nil when no line feed in `bytes` is outside a quoted field.
    package static func lastRecordEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        var quotes = count(UInt8(ascii: "\""), in: UnsafeBufferPointer(start: base, count: bytes.count))
        var pos = bytes.count
        let lf = UInt8(ascii: "\n")
        while pos > 0 {
            var l = pos - 1
            while l >= 0, base[l] != lf { l -= 1 }
            guard l >= 0 else { return nil }
            if quotes != 0 {
                quotes -= count(UInt8(ascii: "\""), in: UnsafeBufferPointer(start: base + l, count: pos - l))
            }
            if quotes & 1 == 0 { return l + 1 }
            pos = l
        }
        return nil
    }

    /// How many bytes of `bytes` equal `byte`. Most files have few quotes: `memchr` (vectorised in the C
    /// library) jumps from one to the next. Where they are dense (more than one in 256 bytes so far), the rest
    /// is counted word by word (`countWords`), which does not pay a call per match.
    package static func count(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let end = UnsafeRawPointer(base + bytes.count)
        var position = UnsafeRawPointer(base)
        var found = 0
        while position < end {
            guard let match = memchr(position, Int32(byte), end - position) else { break }
            found += 1
            position = UnsafeRawPointer(match) + 1
            if found & 63 == 0, (position - UnsafeRawPointer(base)) < found << 8 {
                let offset = position - UnsafeRawPointer(base)
                return found + countWords(byte, in: UnsafeBufferPointer(rebasing: bytes[offset...]))
            }
        }
        return found
    }

    /// How many bytes of `bytes` equal `byte`: eight at a time in a 64-bit word (Swift's SIMD comparisons do
    /// not compile to vector instructions on this toolchain; word arithmetic does what they would).
    package static func countWords(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let n = bytes.count
        let raw = UnsafeRawPointer(base)
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        var total = 0
        var i = 0
        while i + 8 <= n {
            // Each byte of `lanes` counts matches in its position, at most 255 before they are summed.
            var lanes: UInt64 = 0
            let stop = min(n - 8, i + 8 * 254)
            while i <= stop {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
                // 0x80 in each byte of x that is zero (no borrow between bytes: exact, not a heuristic).
                let zero = ~(((x & low7) &+ low7) | x | low7)
                lanes &+= zero &>> 7
                i += 8
            }
            let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ ((lanes &>> 8) & 0x00FF_00FF_00FF_00FF)
            total += Int((pairs &* 0x0001_0001_0001_0001) &>> 48)
        }
        while i < n {
            if base[i] == byte { total += 1 }
            i += 1
        }
        return total
    }
}
