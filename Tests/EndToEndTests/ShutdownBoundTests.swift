import ChurnTestKit
import Foundation
import Testing

/// SIGTERM ends the daemon within its stop bound (`[daemon] stop_timeout_seconds`) even while it reads a large
/// prediction log at start: the read stops at shutdown instead of parsing to the end.
@Suite(.serialized)
struct ShutdownBoundTests {
    /// One prediction-log line as the HTTP side writes it.
    static let line =
        #"{"request_id": "r-1", "model_version": "1", "prediction": 0, "probability": 0.21, "latency_ms": 1.2, "#
        + #""features": {"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "#
        + #""plan_type": "basic", "region": "AF"}, "ts": 1700000000.5}"# + "\n"

    @Test func anIdleDaemonReadingALargeLogStopsWithinItsBound() throws {
        // Given a 24 MB prediction log in watch/logs, a 6 s stop bound (5 s over the 1 s file grace) and no HTTP.
        let fixture = try DaemonFixture(model: false)
        try fixture.dir.write(
            "churnd.toml",
            """
            [daemon]
            shutdown_grace_seconds = 1
            stop_timeout_seconds = 6
            [http]
            listen = ""

            """)
        let chunk = String(repeating: Self.line, count: 10_000)
        let path = "\(fixture.root)/watch/logs/predictions.jsonl"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        while try handle.offset() < 24_000_000 { try handle.write(contentsOf: Data(chunk.utf8)) }
        try handle.close()

        // When SIGTERM arrives while drift monitoring reads the log at start,
        let daemon = try fixture.start(["--verbose"])
        // then the daemon exits 0 on its own: past the 6 s bound the service group would cancel the drift
        // service, and an uninterruptible read would then end the process 3 s later with a crash, not exit 0.
        #expect(try daemon.stop(timeout: 60) == 0)
        #expect(!daemon.log.contains("Graceful shutdown took longer than allowed"), "\(daemon.log)")
        #expect(daemon.log.contains("stopped"))
    }
}
