import ChurnTestKit
import Foundation

/// A root directory set up for `churnd run`: folders, a config with short intervals, and (optionally) a
/// trained production model.
struct DaemonFixture {
    let dir: TemporaryDirectory
    var root: String { dir.path }

    init(model: Bool = true, config: String = "", labeledRows: Int = 2000) throws {
        dir = try TemporaryDirectory("churnd-daemon")
        try Churnd.run(["init", "."], in: dir.path)
        try dir.write("churnd.toml", Self.config(extra: config))
        if model {
            try Churnd.run(
                ["gen-data", "--rows", "\(labeledRows)", "--seed", "1", "-o", "model-data.csv"], in: dir.path)
            let train = try Churnd.run(["train", "--data", "model-data.csv"], in: dir.path)
            guard train.status == 0 else { throw WaitFailure(message: "training failed: \(train.stderr)") }
        }
    }

    static func config(extra: String) -> String {
        var text =
            "[daemon]\nquiet_seconds = 0.3\nmax_quiet_seconds = 2\nscan_interval_seconds = 1\nshutdown_grace_seconds = 20\n"
        text += extra
        // A free port for every daemon: tests run beside each other and beside other daemons on the machine.
        if !extra.contains("[http]") { text += "\n[http]\nlisten = \"127.0.0.1:0\"\n" }
        // Trained on the single validation split, as before cross-validation (see SingleSplit).
        return SingleSplit.toml(text)
    }

    /// `rows` unlabeled reference rows as CSV text (deterministic for a seed).
    static func unlabeled(rows: Int, seed: Int = 2) throws -> String {
        let scratch = try TemporaryDirectory()
        let result = try Churnd.run(
            ["gen-data", "--rows", "\(rows)", "--seed", "\(seed)", "--unlabeled"], in: scratch.path)
        return result.stdout
    }

    func start(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> DaemonProcess {
        let daemon = try DaemonProcess(root: root, arguments: arguments, environment: environment)
        try daemon.waitReady()
        return daemon
    }

    func outbox() -> [String] {
        ((try? dir.list("outbox")) ?? [])
    }

    /// Visible outputs ending in `.scored.csv`.
    func scored() -> [String] {
        outbox().filter { $0.hasSuffix(".scored.csv") && !$0.hasPrefix(".") }
    }

    func count(_ folder: String) -> Int {
        ((try? dir.list(folder)) ?? []).count
    }
}
