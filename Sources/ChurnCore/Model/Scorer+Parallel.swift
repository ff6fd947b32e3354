import Dispatch
import Synchronization

/// One file on every core: the records after the header are split into byte ranges that end at record
/// boundaries (`RecordRanges`), `workers` threads score one range each into memory, and the calling thread
/// writes the ranges' lines in input order. At most `2 × workers` ranges are scored ahead of the writer, so
/// memory stays bounded whatever the file size. The output bytes are those of `score(path:source:…)`: each
/// range is scored by the same loop, error lines get their file line numbers when written (the lines of
/// the ranges before are known by then), and the summaries add up.
///
/// A range whose end cannot be found within `8 × chunkBytes` (no line feed outside a quoted field: one huge
/// record, or a quote left open) is not split further: the rest of the input is scored on the calling thread
/// in order, exactly as the single-threaded path reads it.
extension Scorer {
    package struct Parallelism: Sendable {
        /// Threads that score ranges.
        package var workers: Int
        /// Bytes per range (a range ends at the last record boundary within them).
        package var chunkBytes: Int
        /// Smaller inputs are scored on one thread.
        package var minimumBytes: Int
        /// Bytes read at once when the records the prediction-log sample takes are read again.
        package var sampleWindowBytes: Int

        package init(
            workers: Int, chunkBytes: Int = 2 << 20, minimumBytes: Int = 8 << 20, sampleWindowBytes: Int = 256 << 10
        ) {
            self.workers = workers
            self.chunkBytes = max(1, chunkBytes)
            self.minimumBytes = minimumBytes
            self.sampleWindowBytes = max(1, sampleWindowBytes)
        }
    }

    /// Scores `source` as `score(path:source:scored:errors:progress:sample:timestamp:)` does, with its records
    /// split among `parallelism.workers` threads. Returns nil, having written nothing, when the single-threaded
    /// path must score it instead: an input below `minimumBytes`, one worker, A/B serving, or no id column (output
    /// lines are then numbered by row, which a range cannot know before the ranges before it are scored).
    ///
    /// The prediction-log sample is drawn on the writing thread, in input order, from the same random sequence
    /// as the single-threaded path: workers note where each scored record starts, and the few records kept
    /// are read again there.
    package func scoreInParallel<Source: PositionalByteSource>(
        path: String, source: Source, parallelism: Parallelism, scored: inout ByteWriter, errors: inout ByteWriter,
        progress: ((Int) -> Void)? = nil, sample: inout PredictionSampler, timestamp: Double = 0
    ) throws -> Summary? {
        guard parallelism.workers > 1, source.size >= parallelism.minimumBytes, split == nil else { return nil }
        var headerReader = CSVReader(
            source: RangeSource(source, from: 0, to: source.size), maxRecordBytes: maxRecordBytes)
        let layout = try readHeader(path: path, reader: &headerReader)
        guard layout.binding.id != nil else { return nil }
        if case .failure(let error) = trees {
            throw ChurnError.artifact(path: path, message: "cannot score with this xgboost model: \(error.message)")
        }
        let dataStart = headerReader.bytesConsumed
        var linesBefore = headerReader.nextLine - 1
        try writeHeaders(layout, scored: &scored, errors: &errors)

        // Each range is one thread's work: its trees predict on that thread, in small batches (memory).
        var single = self
        single.nthread = 1
        single.pipelinesTrees = false
        single.batchRows = min(batchRows, 8192)
        let worker = single
        let sampling = sample.capacity > 0
        sample.timestamp = timestamp
        var window: [UInt8] = []
        /// Offers the scored records starting at `starts` (from `base`; the last one ends by `end`) to the sample
        /// in order, then keeps those it takes, in the same order.
        func offer(_ starts: [Int], from base: Int, end: Int) throws {
            var kept: [SampledRecord] = []
            for (i, offset) in starts.enumerated() {
                guard let slot = sample.offer() else { continue }
                kept.append(
                    .init(start: base + offset, end: i + 1 < starts.count ? base + starts[i + 1] : end, slot: slot))
            }
            try keep(
                kept, of: source, layout: layout, windowBytes: parallelism.sampleWindowBytes, window: &window,
                in: &sample)
        }
        let run = ParallelRun(
            start: dataStart, size: source.size, chunkBytes: parallelism.chunkBytes,
            window: 2 * parallelism.workers, notesRecordStarts: sampling)
        let group = DispatchGroup()
        for _ in 0..<parallelism.workers {
            DispatchQueue.global().async(group: group) {
                run.work(source: source, path: path, scorer: worker, layout: layout)
            }
        }
        defer {
            run.stop(workers: parallelism.workers)
            group.wait()
        }

        var summary = Summary()
        var index = 0
        while let outcome = try run.outcome(at: index) {
            // Consumed, so that the written range's buffer has no other owner when it is recycled.
            switch consume outcome {
            case .scored(var range):
                try range.scored.withUnsafeBufferPointer { try scored.write($0) }
                run.recycle(&range.scored)
                try write(errors: range.errors, marks: range.marks, linesBefore: linesBefore, into: &errors)
                linesBefore += range.lines
                summary.add(range.summary)
                if sampling { try offer(range.recordStarts, from: range.start, end: range.end) }
                progress?(range.end)
            case .rest(let start):
                var reader = CSVReader(
                    source: RangeSource(source, from: start, to: source.size), maxRecordBytes: maxRecordBytes,
                    firstLine: linesBefore + 1, skipsBOM: false)
                var none = PredictionSampler(capacity: 0, seed: 0)
                var marks: [Int]? = nil
                var starts: [Int]? = sampling ? [] : nil
                let rest = try worker.scoreRecords(
                    path: path, reader: &reader, layout: layout, scored: &scored, errors: &errors, progress: nil,
                    sample: &none, lineMarks: &marks, recordStarts: &starts)
                summary.add(rest)
                if let starts { try offer(starts, from: start, end: source.size) }
                progress?(source.size)
            }
            run.written()
            index += 1
        }
        try scored.flush()
        if summary.errorLines > 0 { try errors.flush() }
        return summary
    }

    /// A scored record the sample takes: its bytes `start..<end` hold it first (then perhaps records with
    /// errors, or empty lines), and `slot` is where the sample keeps it.
    struct SampledRecord {
        var start: Int
        var end: Int
        var slot: Int
    }

    /// Keeps `records` (in input order) in their slots, as the single-threaded path keeps them. They are read
    /// again in windows of up to `windowBytes` (one `pread` for every record within, `window` reused), each
    /// parsed by one reader restarted per record; a record longer than a window is read alone.
    ///
    /// Reading each record alone cost a reader and a `pread` per record: a 1M-row file with the default sample
    /// keeps about 56,000 records on the way (a reservoir), and the parallel path took longer than one thread.
    private func keep<Source: PositionalByteSource>(
        _ records: [SampledRecord], of source: Source, layout: HeaderLayout, windowBytes: Int, window: inout [UInt8],
        in sample: inout PredictionSampler
    ) throws {
        var i = 0
        while i < records.count {
            let first = records[i].start
            guard records[i].end - first <= windowBytes else {
                try keepRecord(at: first, of: source, layout: layout, at: records[i].slot, in: &sample)
                i += 1
                continue
            }
            var j = i + 1
            while j < records.count, records[j].end - first <= windowBytes { j += 1 }
            let length = records[j - 1].end - first
            if window.count < length { window = [UInt8](repeating: 0, count: windowBytes) }
            let got = try window.withUnsafeMutableBytes {
                try source.read(fully: length, at: first, into: $0.baseAddress!)
            }
            do {
                // Shares `window`'s storage until the end of this block, so the next read needs no copy.
                let bytes = MemoryPositionalSource(window)
                var reader = CSVReader(
                    source: MemorySource([]), bufferSize: 1024, maxRecordBytes: maxRecordBytes, skipsBOM: false)
                for record in records[i..<j] {
                    reader.restart(
                        with: RangeSource(bytes, from: record.start - first, to: min(record.end - first, got)))
                    guard try reader.next(), layout.binding.id != nil else {
                        throw ChurnError.internalInconsistency("a scored record could not be read again for the sample")
                    }
                    keepFields(reader, binding: layout.binding, row: 0, probability: nil, at: record.slot, in: &sample)
                }
            }
            i = j
        }
    }

    /// Keeps the scored record at `offset` in the sample's `slot`, as the single-threaded path keeps it.
    private func keepRecord<Source: PositionalByteSource>(
        at offset: Int, of source: Source, layout: HeaderLayout, at slot: Int, in sample: inout PredictionSampler
    ) throws {
        var reader = CSVReader(
            source: RangeSource(source, from: offset, to: source.size), bufferSize: 1024,
            maxRecordBytes: maxRecordBytes, skipsBOM: false)
        guard try reader.next(), layout.binding.id != nil else {
            throw ChurnError.internalInconsistency("a scored record could not be read again for the sample")
        }
        // The row's number is not known here, and not needed: the file has an id column.
        keepFields(reader, binding: layout.binding, row: 0, probability: nil, at: slot, in: &sample)
    }

    /// Writes a range's error lines, numbering each with its line in the file.
    private func write(errors bytes: [UInt8], marks: [Int], linesBefore: Int, into errors: inout ByteWriter) throws {
        try bytes.withUnsafeBufferPointer { raw in
            for k in stride(from: 0, to: marks.count, by: 2) {
                let end = k + 2 < marks.count ? marks[k + 2] : raw.count
                try errors.write(integer: linesBefore + marks[k + 1])
                try errors.write(UnsafeBufferPointer(rebasing: raw[marks[k]..<end]))
            }
        }
    }
}

extension Scorer.Summary {
    /// Adds the counts of a later part of the same file.
    mutating func add(_ other: Self) {
        rows += other.rows
        scored += other.scored
        rejected += other.rejected
        errorLines += other.errorLines
        servedByChallenger += other.servedByChallenger
        unseenLevels.merge(other.unseenLevels, uniquingKeysWith: +)
    }
}

/// A range's output, scored into memory.
struct ScoredRange: Sendable {
    var scored: [UInt8]
    var errors: [UInt8]
    /// Pairs (position in `errors`, line within the range) of the error lines.
    var marks: [Int]
    var summary: Scorer.Summary
    /// Physical lines the range spans.
    var lines: Int
    /// Offset of the range's first byte, and one past its last.
    var start: Int
    var end: Int
    /// Where each scored record starts, from `start` (only when a sample is drawn).
    var recordStarts: [Int]
}

/// The ranges of one parallel scoring run: who takes which, and their outputs until the writer takes them.
final class ParallelRun: Sendable {
    enum Outcome: Sendable {
        case scored(ScoredRange)
        /// The rest of the input, from this record start, is scored on the writing thread.
        case rest(start: Int)
    }

    private struct State {
        /// Start of the next range to hand out.
        var next: Int
        var index = 0
        /// Ranges in all, once the last one has been handed out.
        var count: Int?
        var stopped = false
        var outcomes: [Int: Result<Outcome, any Error>] = [:]
    }

    private let state: Mutex<State>
    private let size: Int
    private let chunkBytes: Int
    /// Ranges that may be scored ahead of the writer.
    private let slots: DispatchSemaphore
    /// Signalled whenever an outcome is posted or a worker leaves.
    private let posted = DispatchSemaphore(value: 0)

    private let notesRecordStarts: Bool
    /// Buffers of written ranges, for the next ones (`recycle`).
    private let spare = Mutex<[[UInt8]]>([])

    init(start: Int, size: Int, chunkBytes: Int, window: Int, notesRecordStarts: Bool) {
        self.notesRecordStarts = notesRecordStarts
        state = Mutex(State(next: start))
        self.size = size
        self.chunkBytes = chunkBytes
        slots = DispatchSemaphore(value: window)
    }

    /// The outcome of range `index`, waiting for it; nil after the last range. Rethrows a worker's error.
    func outcome(at index: Int) throws -> Outcome? {
        while true {
            let ready: Result<Outcome, any Error>?? = state.withLock { state in
                if let outcome = state.outcomes.removeValue(forKey: index) { return .some(outcome) }
                if let count = state.count, index >= count { return .some(nil) }
                return nil
            }
            switch ready {
            case .none: posted.wait()
            case .some(.none): return nil
            case .some(.some(let result)): return try result.get()
            }
        }
    }

    /// Takes back the buffer of a range's scored lines once they are written, for a later range: a fresh one
    /// for each range cost a page fault every 4 KiB of the output.
    func recycle(_ bytes: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        taken.removeAll(keepingCapacity: true)
        spare.withLock { $0.append(taken) }
    }

    /// The writer is done with one range: another may be scored.
    func written() {
        slots.signal()
    }

    /// Makes the workers leave (after their current range).
    func stop(workers: Int) {
        state.withLock { $0.stopped = true }
        for _ in 0..<workers { slots.signal() }
    }

    /// A worker's loop: take the next range, score it, post it; until none is left.
    func work<Source: PositionalByteSource>(
        source: Source, path: String, scorer: Scorer, layout: Scorer.HeaderLayout
    ) {
        var scratch: [UInt8] = []
        defer { posted.signal() }
        while true {
            slots.wait()
            // `read`: the range's bytes are in `scratch` (from its first byte).
            let taken: (index: Int, job: Result<(start: Int, end: Int?, read: Bool), any Error>)? = state.withLock {
                state in
                guard !state.stopped, state.count == nil else { return nil }
                let index = state.index
                let start = state.next
                if start >= size {
                    state.count = index
                    return nil
                }
                state.index += 1
                do {
                    let (end, read) = try rangeEnd(from: start, source: source, scratch: &scratch)
                    state.next = end ?? size
                    if state.next >= size { state.count = index + 1 }
                    return (index, .success((start, end, read)))
                } catch {
                    state.count = index + 1
                    return (index, .failure(error))
                }
            }
            guard let taken else {
                slots.signal()
                return
            }
            let outcome = Result { () throws -> Outcome in
                let (start, end, read) = try taken.job.get()
                guard let end else { return .rest(start: start) }
                guard read else {
                    return .scored(
                        try score(
                            start..<end, of: source, path: path, scorer: scorer, layout: layout,
                            notesRecordStarts: notesRecordStarts))
                }
                // Scored from the bytes the search for its end read (`scratch` is shared until this returns).
                var scored = try score(
                    0..<end - start, of: MemoryPositionalSource(scratch), path: path, scorer: scorer, layout: layout,
                    notesRecordStarts: notesRecordStarts)
                (scored.start, scored.end) = (start, end)
                return .scored(scored)
            }
            state.withLock { $0.outcomes[taken.index] = outcome }
            posted.signal()
        }
    }

    /// The end of the range starting at the record start `start`: the last record boundary within
    /// `chunkBytes`, looking further (up to 8 times as far) when there is none; nil when there is none
    /// there either. Reads the bytes into `scratch`; `read` says whether they hold the whole range (not for
    /// the last range, which ends where the input does).
    private func rangeEnd<Source: PositionalByteSource>(
        from start: Int, source: Source, scratch: inout [UInt8]
    ) throws -> (end: Int?, read: Bool) {
        var length = chunkBytes
        while true {
            let limit = min(size, start + length)
            if limit == size { return (size, false) }
            let count = limit - start
            if scratch.count < count { scratch = [UInt8](repeating: 0, count: count) }
            let got = try scratch.withUnsafeMutableBytes {
                try source.read(fully: count, at: start, into: $0.baseAddress!)
            }
            if got < count { return (size, false) }  // the input shrank: the rest is one range, read as it is
            if let end = scratch.withUnsafeBufferPointer({
                RecordRanges.lastRecordEnd(UnsafeBufferPointer(rebasing: $0[0..<count]))
            }) {
                return (start + end, true)
            }
            if length >= 8 * chunkBytes { return (nil, false) }
            length *= 2
        }
    }

    /// Scores the records of `range` into memory.
    private func score<Source: PositionalByteSource>(
        _ range: Range<Int>, of source: Source, path: String, scorer: Scorer, layout: Scorer.HeaderLayout,
        notesRecordStarts: Bool
    ) throws -> ScoredRange {
        var reader = CSVReader(
            source: RangeSource(source, from: range.lowerBound, to: range.upperBound),
            bufferSize: min(1 << 20, range.count + 64), maxRecordBytes: scorer.maxRecordBytes, skipsBOM: false)
        var scoredBytes = spare.withLock { $0.popLast() } ?? []
        var errorBytes: [UInt8] = []
        scoredBytes.reserveCapacity(range.count)
        var scoredWriter = ByteWriter(capacity: 1 << 16) { scoredBytes.append(contentsOf: $0) }
        var errorsWriter = ByteWriter(capacity: 1 << 12) { errorBytes.append(contentsOf: $0) }
        var none = PredictionSampler(capacity: 0, seed: 0)
        var marks: [Int]? = []
        var starts: [Int]? = notesRecordStarts ? [] : nil
        let summary = try scorer.scoreRecords(
            path: path, reader: &reader, layout: layout, scored: &scoredWriter, errors: &errorsWriter,
            progress: nil, sample: &none, lineMarks: &marks, recordStarts: &starts)
        return ScoredRange(
            scored: scoredBytes, errors: errorBytes, marks: marks ?? [], summary: summary,
            lines: reader.nextLine - 1, start: range.lowerBound, end: range.upperBound, recordStarts: starts ?? [])
    }
}
