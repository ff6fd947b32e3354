import Dispatch
import Synchronization

/// Encoded rows waiting for the compiled trees, with the fields their output lines repeat (id, passthrough columns)
/// kept as raw bytes.
///
/// Scoring is pipelined: a full batch is predicted on a serial queue (`nthread` threads) while the scoring
/// thread parses the next one; its lines are written, in input order, when the next batch is handed over or
/// at `finish`. At most two batches are alive, so memory stays bounded whatever the file size. Without
/// `pipelined` (the parallel path's workers, one per processor already) a batch is predicted and written on
/// the scoring thread when it is handed over.
struct TreeBatch {
    let ensemble: TreeEnsemble
    let nthread: Int
    let pipelined: Bool
    let width: Int
    let capacity: Int
    let hasID: Bool
    let passthroughCount: Int
    let threshold: Double
    let version: [UInt8]
    /// A/B serving: the threshold and version of the challenger, which serves the rows that carry its probability.
    let challenger: (threshold: Double, version: [UInt8])?

    /// The rows of one batch: encoded features for the trees, what their output lines need for the writer.
    struct Rows {
        var features: [Float] = []
        var rowNumbers: [Int] = []
        var bytes: [UInt8] = []
        var fieldEnds: [Int] = []
        /// With a challenger: its probability for the rows it serves, NaN for the champion's.
        var challengerProbabilities: [Double] = []

        mutating func clear() {
            features.removeAll(keepingCapacity: true)
            rowNumbers.removeAll(keepingCapacity: true)
            bytes.removeAll(keepingCapacity: true)
            fieldEnds.removeAll(keepingCapacity: true)
            challengerProbabilities.removeAll(keepingCapacity: true)
        }
    }

    /// Where the prediction queue leaves a batch's probabilities.
    final class Outcome: Sendable {
        let value = Mutex<[Float]?>(nil)
    }

    private var current = Rows()
    private var spare = Rows()
    private var inFlight: (rows: Rows, outcome: Outcome)?
    private let queue = DispatchQueue(label: "churnd.trees.predict")

    init(
        ensemble: TreeEnsemble, nthread: Int, pipelined: Bool = true, width: Int, capacity: Int, hasID: Bool,
        passthroughCount: Int, threshold: Double, version: [UInt8], challenger: (threshold: Double, version: [UInt8])?
    ) {
        self.ensemble = ensemble
        self.nthread = nthread
        self.pipelined = pipelined
        self.width = width
        self.capacity = capacity
        self.hasID = hasID
        self.passthroughCount = passthroughCount
        self.threshold = threshold
        self.version = version
        self.challenger = challenger
        current.features.reserveCapacity(capacity * width)
        current.rowNumbers.reserveCapacity(capacity)
    }

    var isFull: Bool { current.rowNumbers.count >= capacity }

    /// Keeps one raw field of the current record (call before `add`).
    mutating func keep(field: UnsafeBufferPointer<UInt8>) {
        current.bytes.append(contentsOf: field)
        current.fieldEnds.append(current.bytes.count)
    }

    /// Adds the current record's encoded row; `challengerProbability` when the challenger serves it instead.
    mutating func add(features row: [Float], rowNumber: Int, challengerProbability: Double?) {
        row.withUnsafeBufferPointer {
            add(features: $0, rowNumber: rowNumber, challengerProbability: challengerProbability)
        }
    }

    /// Adds an encoded row held in raw storage (the fast path's).
    mutating func add(features row: UnsafeBufferPointer<Float>, rowNumber: Int, challengerProbability: Double?) {
        current.features.append(contentsOf: row)
        current.rowNumbers.append(rowNumber)
        if challenger != nil { current.challengerProbabilities.append(challengerProbability ?? .nan) }
    }

    /// Writes the batch in flight, if any, then starts predicting the current one in the background.
    mutating func submit(writingPreviousTo scored: inout ByteWriter) throws {
        try drain(into: &scored)
        guard !current.rowNumbers.isEmpty else { return }
        guard pipelined else {
            var probabilities = [Float](repeating: 0, count: current.rowNumbers.count)
            current.features.withUnsafeBufferPointer { input in
                probabilities.withUnsafeMutableBufferPointer {
                    self.ensemble.predict(input, rows: $0.count, width: self.width, into: $0, threads: self.nthread)
                }
            }
            try write(current, probabilities, into: &scored)
            current.clear()
            return
        }
        let outcome = Outcome()
        // The closure gets its own reference to the features (arrays are values); the next batch fills `spare`.
        let features = current.features, rows = current.rowNumbers.count, width = self.width
        let (ensemble, threads) = (self.ensemble, nthread)
        queue.async {
            var probabilities = [Float](repeating: 0, count: rows)
            features.withUnsafeBufferPointer { input in
                probabilities.withUnsafeMutableBufferPointer {
                    ensemble.predict(input, rows: rows, width: width, into: $0, threads: threads)
                }
            }
            outcome.value.withLock { $0 = probabilities }
        }
        inFlight = (current, outcome)
        swap(&current, &spare)
        current.clear()
    }

    /// Predicts and writes everything still waiting.
    mutating func finish(into scored: inout ByteWriter) throws {
        try submit(writingPreviousTo: &scored)
        try drain(into: &scored)
    }

    /// Waits for the batch in flight and writes its lines.
    private mutating func drain(into scored: inout ByteWriter) throws {
        guard let (rows, outcome) = inFlight else { return }
        inFlight = nil
        queue.sync {}  // the serial queue has run the batch's prediction once this returns
        guard let probabilities = outcome.value.withLock({ $0 }) else {
            throw ChurnError.internalInconsistency("tree prediction finished without a result")
        }
        try write(rows, probabilities, into: &scored)
        spare = rows
        spare.clear()
    }

    private func write(_ rows: Rows, _ probabilities: [Float], into scored: inout ByteWriter) throws {
        var field = 0
        var start = 0
        try rows.bytes.withUnsafeBufferPointer { raw in
            func nextField() throws {
                try scored.writeField(UnsafeBufferPointer(rebasing: raw[start..<rows.fieldEnds[field]]))
                start = rows.fieldEnds[field]
                field += 1
            }
            for i in rows.rowNumbers.indices {
                if hasID { try nextField() } else { try scored.write(integer: rows.rowNumbers[i]) }
                if let challenger, !rows.challengerProbabilities[i].isNaN {
                    try challenger.version.withUnsafeBufferPointer {
                        try scored.writePrediction(
                            rows.challengerProbabilities[i], threshold: challenger.threshold, version: $0)
                    }
                } else {
                    try version.withUnsafeBufferPointer {
                        try scored.writePrediction(
                            Double(probabilities[i]), threshold: threshold, version: $0,
                            endingLine: passthroughCount == 0)
                    }
                    if passthroughCount == 0 { continue }
                }
                for _ in 0..<passthroughCount {
                    try scored.write(byte: UInt8(ascii: ","))
                    try nextField()
                }
                try scored.write(byte: UInt8(ascii: "\n"))
            }
        }
    }
}
