/// Keeps a uniform sample of at most `capacity` rows of one scored file (reservoir sampling, Algorithm R),
/// so a file of any size adds a bounded number of lines to the prediction log. Seeded: the same file
/// scored twice logs the same rows.
package struct PredictionSampler: Sendable {
    package let capacity: Int
    private var random: RandomSource
    /// Rows offered so far.
    package private(set) var seen = 0
    package private(set) var records: [PredictionRecord] = []

    /// Every row kept in `columns` instead of `records` (see `init(columns:)`).
    package private(set) var columns: PredictionColumns?

    package init(capacity: Int, seed: UInt64) {
        self.capacity = max(0, capacity)
        random = RandomSource(seed: seed)
        records.reserveCapacity(min(self.capacity, 1 << 16))
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

    /// Offers the next row: returns where to store it (`keep(_:at:)`), or nil to skip it. Building the
    /// record only for kept rows keeps the cost per skipped row to one random draw.
    @inline(__always)
    package mutating func offer() -> Int? {
        seen += 1
        guard capacity > 0 else { return nil }
        if seen <= capacity { return seen - 1 }
        let slot = Int(random.next() % UInt64(seen))
        return slot < capacity ? slot : nil
    }

    package mutating func keep(_ record: PredictionRecord, at slot: Int) {
        if slot == records.count { records.append(record) } else { records[slot] = record }
    }

    /// Edits the kept records in place (the scorer fills in probabilities once it has them).
    package mutating func update(_ change: (inout [PredictionRecord]) -> Void) {
        change(&records)
    }
}
