import ChurnTestKit
import Foundation
import Testing

/// Commands find their root like git finds a repository: `--root`, `CHURND_ROOT`, or `churnd.toml` here or
/// above; global options go before or after the subcommand.
@Suite(.serialized)
struct RootDiscoveryTests {
    static let notFound =
        "churnd: not inside a churnd root (no churnd.toml here or above); run `churnd init DIR` or pass --root\n"

    @Test func aCommandInASubfolderUsesTheRootAbove() throws {
        let dir = try TemporaryDirectory("churnd-discovery")
        #expect(try Churnd.run(["init", "."], in: dir.path, explicitRoot: false).status == 0)
        try FileManager.default.createDirectory(atPath: "\(dir.path)/inbox/deep/er", withIntermediateDirectories: true)

        let status = try Churnd.run(["status", "--json"], in: "\(dir.path)/inbox/deep/er", explicitRoot: false)

        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\(dir.path)/state/registry.sqlite"))
        #expect(dir.exists("state/registry.sqlite"))
        #expect(!dir.exists("inbox/deep/er/state"))
    }

    @Test(arguments: [["status"], ["train"], ["models", "--json"], ["run"], ["drift"]])
    func outsideARootCommandsStopWithExitCode2(arguments: [String]) throws {
        let dir = try TemporaryDirectory("churnd-noroot")

        let result = try Churnd.run(arguments, in: dir.path, explicitRoot: false)

        #expect(result.status == 2)
        #expect(result.stderr == Self.notFound)
        #expect(try dir.list(".").isEmpty, "nothing is created outside a root")
    }

    @Test func initGenDataAndDriftSimulationNeedNoRoot() throws {
        let dir = try TemporaryDirectory("churnd-noroot")
        #expect(try Churnd.run(["gen-data", "--rows", "5"], in: dir.path, explicitRoot: false).status == 0)
        let simulation = try Churnd.run(
            ["drift", "--simulate", "--windows", "2", "--last-n", "50"], in: dir.path, explicitRoot: false)
        #expect(simulation.status == 0, "\(simulation.stderr)")
        #expect(try Churnd.run(["init", "svc"], in: dir.path, explicitRoot: false).status == 0)
        #expect(dir.exists("svc/churnd.toml"))
    }

    /// `--root DIR`, `--root=DIR`, before or after the subcommand, with `--json` too; the root needs no
    /// churnd.toml (the defaults apply).
    @Test(arguments: [
        ["--root", "svc", "status", "--json"], ["status", "--root", "svc", "--json"],
        ["--root=svc", "status", "--json"],
        ["--json", "--root", "svc", "status"], ["--root", "svc", "--json", "status"],
        ["status", "--json", "--root=svc"],
    ])
    func anExplicitRootGoesBeforeOrAfterTheSubcommand(arguments: [String]) throws {
        let dir = try TemporaryDirectory("churnd-explicit")
        try FileManager.default.createDirectory(atPath: "\(dir.path)/svc", withIntermediateDirectories: true)

        let result = try Churnd.run(arguments, in: dir.path, explicitRoot: false)

        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["registry"] as? String == "svc/state/registry.sqlite")
        #expect(dir.exists("svc/state/registry.sqlite") && !dir.exists("state"))
    }

    @Test func churndRootNamesTheRootToo() throws {
        // Churnd.run sets CHURND_ROOT (to the directory it runs in), which holds no churnd.toml here.
        let dir = try TemporaryDirectory("churnd-env")
        let result = try Churnd.run(["status"], in: dir.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(dir.exists("state/registry.sqlite"))
    }

    /// A configuration passed with --config from elsewhere: its relative paths resolve against the root.
    @Test func relativePathsInAConfigFileResolveAgainstTheRoot() throws {
        let dir = try TemporaryDirectory("churnd-config")
        try dir.write("cfg/churnd.toml", "[paths]\nstate = \"private-state\"\n")
        try FileManager.default.createDirectory(atPath: "\(dir.path)/svcroot", withIntermediateDirectories: true)

        let result = try Churnd.run(
            ["--config", "cfg/churnd.toml", "--root", "svcroot", "status"], in: dir.path, explicitRoot: false)

        #expect(result.status == 0, "\(result.stderr)")
        #expect(dir.exists("svcroot/private-state/registry.sqlite"))
        #expect(!dir.exists("cfg/private-state"))
    }

    @Test func helpShowsOneDefaultPerOption() throws {
        let dir = try TemporaryDirectory("churnd-help")
        let help = try Churnd.run(["run", "--help"], in: dir.path, explicitRoot: false)
        #expect(help.status == 0)
        #expect(help.stdout.contains("--root <dir>"))
        #expect(!help.stdout.contains("(default: .)"))
    }

    @Test func helpAfterGlobalOptionsShowsTheCommandsHelp() throws {
        let dir = try TemporaryDirectory("churnd-help")
        let help = try Churnd.run(["--root", dir.path, "--json", "help", "runs"], in: dir.path, explicitRoot: false)
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("Training runs, newest first"))
    }
}
