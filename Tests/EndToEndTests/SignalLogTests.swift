import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the daemon says when signalled: SIGHUP names the keys that changed, SIGTERM what shutdown waits for.
@Suite(.serialized)
struct SignalLogTests {
    @Test func reloadNamesTheChangedKeysAndStopSaysWhatItWaitsFor() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()

        // Given a configuration with two keys changed, when SIGHUP arrives, then the reload names them.
        try fixture.dir.write(
            "churnd.toml",
            DaemonFixture.config(extra: "[drift]\ninterval_seconds = 60\n[scoring]\npassthrough = true\n"))
        daemon.signal(SIGHUP)
        try eventually("reload logged\n\(daemon.log)", timeout: 10) {
            daemon.log.contains("configuration reloaded changed=[scoring.passthrough,drift.interval_seconds]")
        }
        // A second SIGHUP with the same file changes nothing.
        daemon.signal(SIGHUP)
        try eventually("second reload logged\n\(daemon.log)", timeout: 10) {
            daemon.log.contains("configuration reloaded: nothing changed")
        }

        #expect(try daemon.stop() == 0)
        #expect(daemon.log.contains("stopping: 0 files in hand, waiting up to 20s"))
    }
}
