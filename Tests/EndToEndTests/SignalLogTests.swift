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

    @Test func aReloadThatChangesTheModelsSettingsTrainsAgainAndOthersDoNot() throws {
        // Given a daemon that trained on the files in watch/data,
        let fixture = try DaemonFixture()
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "3", "-o", "watch/data/a.csv"], in: fixture.root)
        let daemon = try fixture.start()
        let trained = { daemon.log.components(separatedBy: "training finished").count - 1 }
        try eventually("the first run\n\(daemon.log)", timeout: 120) { trained() == 1 }

        // when a reload changes only a key that does not shape the model, nothing is trained;
        try fixture.dir.write("churnd.toml", DaemonFixture.config(extra: "[drift]\ninterval_seconds = 60\n"))
        daemon.signal(SIGHUP)
        try eventually("reload logged\n\(daemon.log)", timeout: 10) {
            daemon.log.contains("configuration reloaded changed=[drift.interval_seconds]")
        }
        // when one changes the seed, the same files are trained on again with it.
        try fixture.dir.write(
            "churnd.toml", DaemonFixture.config(extra: "[drift]\ninterval_seconds = 60\n[training]\nseed = 7\n"))
        daemon.signal(SIGHUP)
        try eventually("a second run\n\(daemon.log)", timeout: 120) { trained() == 2 }
        let log = daemon.log
        let reloads = log.components(separatedBy: "configuration reloaded changed=")
        #expect(reloads.count == 3)
        // Nothing was trained between the first reload and the second,
        #expect(!reloads[1].contains("training started"), "\(log)")
        #expect(reloads[2].contains("training configuration changed and the training data was not trained on with it"))
        #expect(try daemon.stop() == 0)
    }
}
