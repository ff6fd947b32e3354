#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where bytes come from: a file descriptor in production, memory in tests.
package protocol ByteSource {
    /// Reads up to `count` bytes into `buffer`; returns 0 at end of input.
    mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int
}

/// Reads from an open file descriptor it does not own.
package struct FileDescriptorSource: ByteSource {
    package let fd: Int32
    package let path: String

    package init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    package mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw ChurnError.io(path: path, operation: "read", errno: errno)
        }
    }
}

/// Serves bytes from an array; for tests and small in-memory inputs.
package struct MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunk: Int

    /// `chunk` caps each read so tests can force records across buffer refills.
    package init(_ bytes: [UInt8], chunk: Int = .max) {
        self.bytes = bytes
        self.chunk = chunk
    }

    package init(_ text: String, chunk: Int = .max) {
        self.init(Array(text.utf8), chunk: chunk)
    }

    package mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        let n = min(count, chunk, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            buffer.copyMemory(from: raw.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// Why a record could not be split into fields.
package enum CSVRecordProblem: Equatable, Sendable {
    /// The record is longer than the reader's limit; its fields were not kept.
    case tooLong(bytes: Int)
    /// The input ended inside a quoted field.
    case unterminatedQuote
}

/// A streaming RFC 4180 reader over bytes.
///
/// Memory is one buffer that grows only up to `maxRecordBytes`; longer records are skipped and reported,
/// so a file of any size is read in bounded memory. Each record is first located whole in the buffer
/// (refilling when it straddles the end), then its quoted fields are unescaped in place. Fields are byte
/// ranges into the buffer, valid until the next call to `next()`: nothing is allocated per field.
///
/// The reader is not generic over its source (it holds it as `any ByteSource`, asked for bytes once per
/// buffer refill): its record loop and every loop that reads its fields are compiled once, for every source,
/// instead of running as unspecialised generic code where a caller in another module names the source type.
///
/// Eight bytes after the last byte read are always readable and initialised (zeros, or bytes of later
/// records), so a field can be loaded as one 64-bit word whatever its length (`FieldTable.word(_:)`).
package struct CSVReader: ~Copyable {
    private var source: any ByteSource
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let maxCapacity: Int
    private var start = 0  // first unconsumed byte
    private var end = 0  // one past the last byte read
    private var eof = false
    private var sawFirstChunk = false
    private var bomChecked = false
    /// Field boundaries of the current record, as offsets into `buffer` (raw storage: this is the hot loop).
    private var starts: FieldOffsets
    private var ends: FieldOffsets
    /// Called with every chunk of raw bytes as it is read, e.g. to hash the input in the same pass.
    private let observer: ((UnsafeRawBufferPointer) -> Void)?

    /// 1-based physical line on which the current record starts.
    package private(set) var line = 0
    /// The line the next record starts on (after the last record: one past the input's last line).
    package private(set) var nextLine = 1
    /// Bytes consumed so far, for progress reports.
    package private(set) var bytesConsumed = 0
    /// Set when the current record could not be split into fields.
    package private(set) var problem: CSVRecordProblem?
    /// Offset of the first NUL byte in the first chunk read, if any: the input is probably binary.
    package private(set) var firstNULOffset: Int?

    package init(
        source: consuming some ByteSource,
        bufferSize: Int = 1 << 20,
        maxRecordBytes: Int = 1 << 20,
        observer: ((UnsafeRawBufferPointer) -> Void)? = nil,
        firstLine: Int = 1,
        skipsBOM: Bool = true
    ) {
        self.source = source
        self.nextLine = firstLine
        self.bomChecked = !skipsBOM
        self.maxCapacity = max(64, maxRecordBytes)
        self.capacity = max(64, min(bufferSize, maxCapacity))
        self.buffer = .allocate(capacity: capacity + Self.padding)
        self.buffer.initialize(repeating: 0, count: Self.padding)
        self.observer = observer
        starts = FieldOffsets()
        ends = FieldOffsets()
    }

    deinit {
        buffer.deallocate()
        starts.deallocate()
        ends.deallocate()
    }

    /// Reads `source` from its start, as a new reader over it would (first line 1, no byte-order mark
    /// skipped), but with this reader's buffers: for reading many short inputs without allocating for each.
    package mutating func restart(with source: consuming some ByteSource) {
        self.source = source
        (start, end, eof, bomChecked) = (0, 0, false, true)
        (line, nextLine, bytesConsumed, problem, recordHadQuotes) = (0, 1, 0, nil, false)
    }

    /// Bytes allocated after the buffer's capacity, kept initialised after the last byte read.
    static let padding = 8

    /// Number of fields in the current record.
    package var fieldCount: Int { starts.count }

    /// Calls `body` with the bytes of field `index` of the current record (quotes removed, `""` unescaped).
    @inline(__always)
    package func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let s = starts[index]
        return try body(UnsafeBufferPointer(start: buffer + s, count: ends[index] - s))
    }

    /// The bytes of field `index` of the current record (quotes removed), valid until the next call to
    /// `next()`: the scoring loop's way to read a field without a closure.
    @inline(__always)
    package func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let s = starts[index]
        return UnsafeBufferPointer(start: buffer + s, count: ends[index] - s)
    }

    /// The current record's field boundaries as raw tables, valid until the next call to `next()`: what the
    /// scoring loop's fast paths read fields through, without going through the reader.
    package var fieldTable: FieldTable { FieldTable(base: buffer, starts: starts.base, ends: ends.base) }

    /// The field as a String (for headers, ids and messages; not for hot loops).
    package func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The fields of the current record as Strings.
    package func strings() -> [String] {
        (0..<fieldCount).map { string($0) }
    }

    /// Advances to the next record, skipping physically empty lines. Returns false at end of input.
    package mutating func next() throws -> Bool {
        while true {
            guard try readRecord() else { return false }
            if problem == nil, starts.count == 1, starts[0] == ends[0], !recordHadQuotes { continue }
            return true
        }
    }

    /// Whether the current record held a quote. A record without one has no comma, quote, CR or LF inside
    /// any field, so its fields can be written to CSV unquoted without looking at them.
    package private(set) var recordHadQuotes = false

    private enum Scan {
        case complete(next: Int, newlines: Int, unterminated: Bool)
        case incomplete
    }

    private mutating func readRecord() throws -> Bool {
        problem = nil
        if !bomChecked {
            while end - start < 3, try fill() {}
            if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                start += 3
                bytesConsumed += 3
            }
            bomChecked = true
        }
        while true {
            if start == end, !(try fill()) { return false }
            switch scan() {
            case .complete(let next, let newlines, let unterminated):
                if recordHadQuotes { unquoteFields() }
                if unterminated { problem = .unterminatedQuote }
                line = nextLine
                nextLine += newlines + 1
                bytesConsumed += next - start
                start = next
                return true
            case .incomplete:
                if start == 0, end == capacity, capacity >= maxCapacity {
                    try skipLongRecord()
                    return true
                }
                _ = try fill()  // at end of input, the next scan completes the record
            }
        }
    }

    /// Locates the record at `start` and records its raw field boundaries.
    @inline(__always)
    private mutating func scan() -> Scan {
        starts.removeAll()
        ends.removeAll()
        recordHadQuotes = false
        var pos = start
        var fieldStart = pos
        var inQuotes = false
        var newlines = 0
        let comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), quote = UInt8(ascii: "\"")
        let raw = UnsafeRawPointer(buffer)
        while pos < end {
            // Outside quotes, skip eight bytes at a time to the next one that may be a delimiter.
            if !inQuotes, pos &+ 8 <= end {
                let word = raw.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
                let others = Self.bytesBelowHash(word)
                // Commas before the first other byte to look at end fields here, from the word's mask.
                var commas = Self.commaBytes(word)
                if others != 0 { commas &= (others & (0 &- others)) &- 1 }
                while commas != 0 {
                    let at = pos &+ (commas.trailingZeroBitCount &>> 3)
                    starts.append(fieldStart)
                    ends.append(at)
                    fieldStart = at &+ 1
                    commas &= commas &- 1
                }
                if others == 0 {
                    pos &+= 8
                    continue
                }
                pos &+= others.trailingZeroBitCount &>> 3
            }
            let byte = buffer[pos]
            if inQuotes {
                if byte == quote {
                    if pos + 1 == end, !eof { return .incomplete }
                    if pos + 1 < end, buffer[pos + 1] == quote {
                        pos += 2
                        continue
                    }
                    inQuotes = false
                } else if byte == lf {
                    newlines += 1
                }
                pos += 1
                continue
            }
            if byte > quote && byte != comma {
                pos += 1
                continue
            }
            switch byte {
            case comma:
                starts.append(fieldStart)
                ends.append(pos)
                pos += 1
                fieldStart = pos
            case lf:
                starts.append(fieldStart)
                ends.append(pos)
                return .complete(next: pos + 1, newlines: newlines, unterminated: false)
            case cr:
                if pos + 1 == end, !eof { return .incomplete }
                starts.append(fieldStart)
                ends.append(pos)
                let next = pos + 1 < end && buffer[pos + 1] == lf ? pos + 2 : pos + 1
                return .complete(next: next, newlines: newlines, unterminated: false)
            case quote:
                inQuotes = true
                recordHadQuotes = true
                pos += 1
            default:
                pos += 1
            }
        }
        guard eof else { return .incomplete }
        starts.append(fieldStart)
        ends.append(end)
        return .complete(next: end, newlines: newlines, unterminated: inQuotes)
    }

    /// 0x80 in each byte of `word` (eight input bytes, first byte lowest) that the scan must look at: a
    /// comma, or a byte below 0x23 (quote, CR, LF and the other bytes the byte loop does not skip). Exact:
    /// no carry crosses a byte, so no byte is flagged that is not one of these.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        commaBytes(word) | bytesBelowHash(word)
    }

    /// 0x80 in each byte of `word` that is a comma.
    @inline(__always)
    static func commaBytes(_ word: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let x = word ^ 0x2C2C_2C2C_2C2C_2C2C
        return ~(((x & low7) &+ low7) | x | low7)
    }

    /// 0x80 in each byte of `word` below 0x23 (`#`): quote, CR, LF and the other bytes the byte loop looks at.
    @inline(__always)
    static func bytesBelowHash(_ word: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low7) &+ 0x5D5D_5D5D_5D5D_5D5D) | word | low7)
    }

    /// Removes quoting from every field of the current record, in place.
    private mutating func unquoteFields() {
        let quote = UInt8(ascii: "\"")
        for k in 0..<starts.count {
            var read = starts[k]
            let stop = ends[k]
            var write = read
            var inQuotes = false
            while read < stop {
                let byte = buffer[read]
                if byte == quote {
                    if inQuotes, read + 1 < stop, buffer[read + 1] == quote {
                        buffer[write] = quote
                        write += 1
                        read += 2
                        continue
                    }
                    inQuotes.toggle()
                    read += 1
                    continue
                }
                buffer[write] = byte
                write += 1
                read += 1
            }
            ends[k] = write
        }
    }

    /// Compacts, grows if full, and reads more. Returns false at end of input or when the buffer is full.
    private mutating func fill() throws -> Bool {
        if eof { return false }
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            end = pending
            start = 0
        }
        if end == capacity {
            guard capacity < maxCapacity else { return false }
            let grown = min(capacity * 2, maxCapacity)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown + Self.padding)
            bigger.initialize(from: buffer, count: end)
            (bigger + end).initialize(repeating: 0, count: Self.padding)
            buffer.deallocate()
            buffer = bigger
            capacity = grown
        }
        let n = try source.read(into: buffer + end, count: capacity - end)
        if n == 0 {
            eof = true
            return false
        }
        (buffer + end + n).initialize(repeating: 0, count: Self.padding)
        if let observer { observer(UnsafeRawBufferPointer(start: buffer + end, count: n)) }
        if !sawFirstChunk {
            sawFirstChunk = true
            if let nul = memchr(buffer + end, 0, n) {
                firstNULOffset = UnsafeRawPointer(nul) - UnsafeRawPointer(buffer + end)
            }
        }
        end += n
        return true
    }

    /// The record at the start of a full buffer is longer than the limit: discard it up to its end,
    /// following quotes so that an embedded newline does not end it early.
    private mutating func skipLongRecord() throws {
        starts.removeAll()
        ends.removeAll()
        var inQuotes = false
        var newlines = 0
        var skipped = 0
        var pos = 0
        while true {
            while pos < end {
                let byte = buffer[pos]
                if byte == UInt8(ascii: "\"") {
                    inQuotes.toggle()
                } else if byte == UInt8(ascii: "\n") {
                    if !inQuotes {
                        skipped += pos + 1
                        start = pos + 1
                        finishSkip(skipped: skipped, newlines: newlines)
                        return
                    }
                    newlines += 1
                }
                pos += 1
            }
            skipped += end
            start = 0
            end = 0
            pos = 0
            if !(try fill()) {
                finishSkip(skipped: skipped, newlines: newlines)
                return
            }
        }
    }

    private mutating func finishSkip(skipped: Int, newlines: Int) {
        bytesConsumed += skipped
        line = nextLine
        nextLine += newlines + 1
        problem = .tooLong(bytes: skipped)
    }
}

/// The fields of a reader's current record: field `k` is `base[starts[k]..<ends[k]]`. Eight bytes from any
/// field's start are readable (`CSVReader.padding`).
package struct FieldTable {
    let base: UnsafeMutablePointer<UInt8>
    let starts: UnsafeMutablePointer<Int>
    let ends: UnsafeMutablePointer<Int>

    @inline(__always)
    package func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let s = starts[index]
        return UnsafeBufferPointer(start: base + s, count: ends[index] - s)
    }

    /// The first eight bytes of field `index` as one little-endian word, the bytes past its end zeroed
    /// (first byte lowest), and its length: one load instead of a loop over its bytes.
    @inline(__always)
    func word(_ index: Int) -> (word: UInt64, count: Int) {
        let s = starts[index]
        let count = ends[index] &- s
        let raw = UnsafeRawPointer(base + s).loadUnaligned(as: UInt64.self)
        return (count >= 8 ? raw : raw & ((1 &<< UInt64(truncatingIfNeeded: count &* 8)) &- 1), count)
    }
}

/// A growable array of offsets without Swift array bookkeeping (uniqueness and bounds checks per append
/// cost a quarter of the scan time). Owned and freed by `CSVReader`.
struct FieldOffsets {
    private var storage: UnsafeMutablePointer<Int>
    private var capacity = 64
    private(set) var count = 0

    init() {
        storage = .allocate(capacity: 64)
    }

    /// The storage, valid until the next `append` (which may move it).
    var base: UnsafeMutablePointer<Int> { storage }

    func deallocate() {
        storage.deallocate()
    }

    @inline(__always)
    mutating func removeAll() {
        count = 0
    }

    @inline(__always)
    mutating func append(_ value: Int) {
        if count == capacity { grow() }
        storage[count] = value
        count += 1
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }

    @inline(__always)
    subscript(index: Int) -> Int {
        get { storage[index] }
        nonmutating set { storage[index] = newValue }
    }
}
