import ChurnCore
import ChurnStore
import ServiceLifecycle
import Synchronization

/// Group writes to the prediction log for HTTP requests: a request writes its lines into bytes and appends them
/// to a buffer (a lock and an array append; no system call) and is answered; this service writes what has
/// gathered over `gathering` after the first lines with one `PredictionLogWriter` append (one `write` on an
/// `O_APPEND` descriptor) while the next lines gather. On graceful shutdown it runs after the HTTP server has
/// answered its last request (it is started before it, and a `ServiceGroup` stops services in reverse order),
/// then writes what is left: every answered request's lines are in the log when the process exits.
package final class PredictionLogGroup: Service, Sendable {
    private let writer: PredictionLogWriter
    /// What requests queued, in order: a large request's lines as written, a small one's columns and shadow
    /// records (their lines are written here, by the writer rather than the request; the columns' line format is
    /// the scorer's, made once), and records appended as such.
    private enum Piece: Sendable {
        case lines([UInt8])
        case columns(PredictionColumns, then: [PredictionRecord])
        case records([PredictionRecord])
    }

    private let pending = Mutex<(pieces: [Piece], lines: Int)>(([], 0))
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let written = Atomic<Int>(0)

    package init(writer: PredictionLogWriter) {
        self.writer = writer
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues records for the next group write.
    package func append(_ records: [PredictionRecord]) {
        guard !records.isEmpty else { return }
        append(.records(records), count: records.count)
    }

    /// Queues a request's rows (`columns`), then `records` (its shadow predictions), as one piece: a few rows as
    /// they are (written by the writer), more as lines written here, by the caller.
    package func append(_ columns: PredictionColumns, then records: [PredictionRecord] = []) {
        guard columns.count + records.count > 0 else { return }
        if columns.count < Self.linesFrom {
            return append(.columns(columns, then: records), count: columns.count + records.count)
        }
        let bytes = Self.lines(capacity: (columns.count + records.count) * 256) {
            try columns.write(to: &$0)
            try PredictionRecord.write(records, to: &$0)
        }
        guard !bytes.isEmpty else { return }
        append(.lines(bytes), count: columns.count + records.count)
    }

    /// Requests with this many rows or more write their own lines.
    static let linesFrom = 16

    private func append(_ piece: Piece, count: Int) {
        let first = pending.withLock { pending in
            defer {
                pending.pieces.append(piece)
                pending.lines += count
            }
            return pending.pieces.isEmpty
        }
        if first { wake.yield() }
    }

    /// The bytes `write` writes (formatting into memory cannot fail; an error would leave them out).
    private static func lines(capacity: Int = 512, _ write: (inout ByteWriter) throws -> Void) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        var writer = ByteWriter(capacity: min(max(capacity, 512), 1 << 16)) { bytes.append(contentsOf: $0) }
        do {
            try write(&writer)
            try writer.flush()
        } catch {
            return []
        }
        return bytes
    }

    /// How long a group gathers after its first lines before it is written.
    static let gathering = Duration.milliseconds(2)

    /// Records (lines) written so far (for tests and status).
    package var recordsWritten: Int { written.load(ordering: .relaxed) }

    package func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakes {
                // Let the lines of the requests answered meanwhile gather: one write for many requests.
                try? await Task.sleep(for: Self.gathering)
                flush()
            }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        flush()
    }

    /// Lines of this many bytes or more are written by themselves rather than copied beside others.
    static let writtenAlone = 64 << 10

    /// The lines of `pieces`, in order; records next to each other are written together (one set-up of their
    /// format).
    private static func combined(_ pieces: ArraySlice<Piece>) -> [UInt8] {
        if pieces.count == 1, case .lines(let bytes) = pieces.first { return bytes }
        return lines(capacity: 1 << 16) { out in
            var run: [PredictionRecord] = []
            for piece in pieces {
                switch piece {
                case .records(let records): run += records
                case .columns(let columns, let shadow):
                    try PredictionRecord.write(run, to: &out)
                    run.removeAll(keepingCapacity: true)
                    try columns.write(to: &out)
                    run += shadow
                case .lines(let bytes):
                    try PredictionRecord.write(run, to: &out)
                    run.removeAll(keepingCapacity: true)
                    try bytes.withUnsafeBufferPointer { try out.write($0) }
                }
            }
            try PredictionRecord.write(run, to: &out)
        }
    }

    /// Writes every queued line now.
    package func flush() {
        let (pieces, lines) = pending.withLock { pending in
            defer { pending = ([], 0) }
            return pending
        }
        guard !pieces.isEmpty else { return }
        // In the order queued. A large request's lines go to the log as they are, not copied; the pieces between
        // them are written together (one `write`).
        var start = 0
        for (index, piece) in pieces.enumerated() {
            guard case .lines(let bytes) = piece, bytes.count >= Self.writtenAlone else { continue }
            if start < index { writer.append(lines: Self.combined(pieces[start..<index])) }
            writer.append(lines: bytes)
            start = index + 1
        }
        if start < pieces.count { writer.append(lines: Self.combined(pieces[start...])) }
        written.wrappingAdd(lines, ordering: .relaxed)
    }
}
