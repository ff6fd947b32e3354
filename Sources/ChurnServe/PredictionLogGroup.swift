import ChurnCore
import ChurnStore
import ServiceLifecycle
import Synchronization

/// Group writes to the prediction log for HTTP requests: a request only appends its records to a buffer (a
/// lock and an array append; no system call) and is answered; this service writes what has gathered over
/// `gathering` after the first record with one `PredictionLogWriter` append (one `write` on an `O_APPEND`
/// descriptor) while the next records gather. On graceful shutdown it runs after the HTTP server has answered its last request (it is
/// started before it, and a `ServiceGroup` stops services in reverse order), then writes what is left: every
/// answered request's lines are in the log when the process exits.
package final class PredictionLogGroup: Service, Sendable {
    private let writer: PredictionLogWriter
    private let pending = Mutex<[PredictionRecord]>([])
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
        let first = pending.withLock { pending in
            defer { pending.append(contentsOf: records) }
            return pending.isEmpty
        }
        if first { wake.yield() }
    }

    /// How long a group gathers after its first record before it is written.
    static let gathering = Duration.milliseconds(2)

    /// Records written so far (for tests and status).
    package var recordsWritten: Int { written.load(ordering: .relaxed) }

    package func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakes {
                // Let the records of the requests answered meanwhile gather: one write for many requests.
                try? await Task.sleep(for: Self.gathering)
                flush()
            }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        flush()
    }

    /// Writes every queued record now.
    package func flush() {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        writer.append(batch)
        written.wrappingAdd(batch.count, ordering: .relaxed)
    }
}
