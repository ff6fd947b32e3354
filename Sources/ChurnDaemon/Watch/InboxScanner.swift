import ChurnStore
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Lists the inbox. `scan()` returns every candidate (start-up, rescans); `settledNames()` only files that were
/// already there, unchanged, at the previous call, so a periodic scan never takes a file still being written.
final class InboxScanner: Sendable {
    let inbox: String
    private let previous = Mutex<[String: Stamp]>([:])

    struct Stamp: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    init(inbox: String) {
        self.inbox = inbox
    }

    func scan() -> [String] {
        ((try? FileSystem.list(inbox)) ?? []).filter(DataFiles.isCandidate)
    }

    func settledNames() -> [String] {
        var current: [String: Stamp] = [:]
        for name in scan() {
            var info = stat()
            guard lstat("\(inbox)/\(name)", &info) == 0 else { continue }
            current[name] = Stamp(
                inode: UInt64(info.st_ino), size: Int64(info.st_size),
                modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
        let before = previous.withLock { old in
            defer { old = current }
            return old
        }
        return current.keys.sorted().filter { before[$0] == current[$0] }
    }
}

/// The periodic reconciliation scan (every `interval` seconds; in polling mode the only way files are found).
final class ScanService: Service {
    private let scanner: InboxScanner
    private let pipeline: InboxPipeline
    private let interval: @Sendable () -> Double
    let heartbeat = Heartbeat(name: "scan")

    init(scanner: InboxScanner, pipeline: InboxPipeline, interval: @escaping @Sendable () -> Double) {
        self.scanner = scanner
        self.pipeline = pipeline
        self.interval = interval
    }

    func run() async throws {
        _ = scanner.settledNames()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            heartbeat.beat()
            var slept = 0.0
            let target = interval()
            while slept < target, !Task.isShuttingDownGracefully, !Task.isCancelled {
                let step = min(1.0, target - slept)
                await sleepUnlessShuttingDown(seconds: step)
                slept += step
                heartbeat.beat()
            }
            guard !Task.isShuttingDownGracefully else { break }
            await pipeline.offer(names: scanner.settledNames())
        }
    }
}
