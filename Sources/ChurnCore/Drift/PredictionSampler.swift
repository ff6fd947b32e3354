/// Keeps a uniform sample of at most `capacity` rows of one scored file (reservoir sampling, Algorithm R),
/// so a file of any size adds a bounded number of lines to the prediction log. Seeded: the same file
/// scored twice logs the same rows.
///
/// A kept row is only its fields' bytes (`SampledRows`): while a file is scored, keeping a row costs one copy of
/// a few short fields. The records are made from them later (`Scorer.records(of:file:)`), once the file's
/// outputs are published, so the sample adds no parsing, dictionary or `String` per row before the output.
package struct PredictionSampler: Sendable {
    package let capacity: Int
    private var random: RandomSource
    /// Rows offered so far.
    package private(set) var seen = 0
    /// The kept rows, by slot.
    package private(set) var rows = SampledRows()
    /// When the sampled rows were scored: their records' `ts`.
    package var timestamp: Double = 0

    /// Every row kept in `columns` instead of `rows` (see `init(columns:)`).
    package private(set) var columns: PredictionColumns?

    package init(capacity: Int, seed: UInt64) {
        self.capacity = max(0, capacity)
        random = RandomSource(seed: seed)
    }

    /// Keeps every row offered, in order, in `columns` (no `PredictionRecord` per row; probabilities and
    /// predictions are left to the caller): a request's rows, all of them logged.
    package init(columns: PredictionColumns) {
        capacity = Int.max
        random = RandomSource(seed: 0)
        self.columns = columns
    }

    /// The kept columns, moved out (the sampler keeps none after).
    package mutating func takeColumns() -> PredictionColumns? {
        columns.take()
    }

    /// Changes the kept columns in place.
    @inline(__always)
    package mutating func updateColumns(_ change: (inout PredictionColumns) -> Void) {
        guard columns != nil else { return }
        change(&columns!)
    }

    /// Offers the next row: returns where to store it (`keep(row:id:fields:probability:at:)`), or nil to skip it.
    /// Keeping only the rows kept costs the rows not kept one random draw each.
    @inline(__always)
    package mutating func offer() -> Int? {
        seen += 1
        guard capacity > 0 else { return nil }
        if seen <= capacity { return seen - 1 }
        let slot = Int(random.next() % UInt64(seen))
        return slot < capacity ? slot : nil
    }

    /// Keeps row `row` in `slot` (from `offer()`): see `SampledRows.keep`.
    @inline(__always)
    package mutating func keep(
        row: Int, id: UnsafeBufferPointer<UInt8>?, fieldCount: Int, field: (Int) -> UnsafeBufferPointer<UInt8>,
        probability: Double?, at slot: Int
    ) {
        rows.keep(row: row, id: id, fieldCount: fieldCount, field: field, probability: probability, at: slot)
    }
}

/// The rows a `PredictionSampler` keeps, as the scorer read them: per slot, the row's id field and the fields its
/// features were read from (bytes, quotes removed), its row number, and its probability when the scorer had it.
///
/// The bytes of all rows are appended to one buffer. A row kept in a slot already used (a file longer than the
/// sample) appends its fields and points the slot at them; the buffer is compacted when what it holds is mostly
/// rows no longer kept, so it stays within a few times the size of the kept rows.
package struct SampledRows: Sendable {
    /// The fields per row after the id (the same for every row of a file).
    package private(set) var fieldCount = 0
    private var bytes: [UInt8] = []
    /// Per slot, `fieldCount + 2` offsets into `bytes`: where the id and each field start, and where the last ends.
    private var bounds: [Int] = []
    /// Per slot: the row's number in the file (1 = the first after the header).
    package private(set) var rowNumbers: [Int] = []
    /// Per slot: whether the row had an id field (a file without an id column names its rows by number).
    package private(set) var hasID: [Bool] = []
    /// Per slot: the probability the scorer computed for the row, or nil when it is to be computed from the fields.
    package private(set) var probabilities: [Double?] = []
    /// Bytes of the rows kept now (the buffer holds more once slots are reused).
    private var keptBytes = 0
    /// Bytes the buffer holds, those of replaced rows not compacted away included.
    package var heldBytes: Int { bytes.count }

    package init() {}

    /// Number of rows kept.
    package var count: Int { rowNumbers.count }

    /// Keeps row `row` in `slot`: its id field (nil: none), the `fieldCount` fields `field(0..<fieldCount)`, and
    /// its probability if known. `slot` is `count` (a new row) or below it (a row replaced).
    package mutating func keep(
        row: Int, id: UnsafeBufferPointer<UInt8>?, fieldCount: Int, field: (Int) -> UnsafeBufferPointer<UInt8>,
        probability: Double?, at slot: Int
    ) {
        if count == 0 { self.fieldCount = fieldCount }
        let stride = self.fieldCount + 2
        let base: Int
        if slot == count {
            base = bounds.count
            bounds.append(contentsOf: repeatElement(0, count: stride))
            rowNumbers.append(row)
            hasID.append(id != nil)
            probabilities.append(probability)
        } else {
            base = slot * stride
            keptBytes -= bounds[base + stride - 1] - bounds[base]
            rowNumbers[slot] = row
            hasID[slot] = id != nil
            probabilities[slot] = probability
        }
        bounds[base] = bytes.count
        if let id { bytes.append(contentsOf: id) }
        for k in 0..<self.fieldCount {
            bounds[base + k + 1] = bytes.count
            bytes.append(contentsOf: field(k))
        }
        bounds[base + stride - 1] = bytes.count
        keptBytes += bytes.count - bounds[base]
        if bytes.count > 4 * keptBytes + 65_536 { compact() }
    }

    /// Calls `body` with the bytes of field `k` of the row in `slot`: -1 is its id (empty when it had none),
    /// 0..<fieldCount the fields kept after it.
    package func withField<R>(_ k: Int, of slot: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let base = slot * (fieldCount + 2) + k + 1
        let range = bounds[base]..<bounds[base + 1]
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Moves the kept rows' bytes to the front of a new buffer, in slot order.
    private mutating func compact() {
        let stride = fieldCount + 2
        var packed: [UInt8] = []
        packed.reserveCapacity(keptBytes)
        for slot in 0..<count {
            let base = slot * stride
            let shift = packed.count - bounds[base]
            packed.append(contentsOf: bytes[bounds[base]..<bounds[base + stride - 1]])
            for k in base..<base + stride { bounds[k] += shift }
        }
        bytes = packed
    }
}
