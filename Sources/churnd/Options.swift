import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation

/// Options every command that works on a root shares. The root is found like git finds a repository:
/// `--root DIR`, else `$CHURND_ROOT`, else the nearest directory holding `churnd.toml`, here or above.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Root directory holding churnd.toml, watch/, inbox/, outbox/, state/ (default: $CHURND_ROOT, else the "
                + "nearest directory holding churnd.toml, here or above).", valueName: "dir"))
    var root: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (default: ROOT/churnd.toml, else the built-in defaults). Relative paths in it are "
                + "resolved against the root.", valueName: "file"))
    var config: String?

    /// The root directory: `--root`, else `$CHURND_ROOT`, else the nearest directory holding `churnd.toml`.
    /// An explicit root needs no `churnd.toml` (the defaults apply).
    func rootDirectory() throws -> String {
        if let root { return root }
        if let root = ProcessInfo.processInfo.environment["CHURND_ROOT"], !root.isEmpty { return root }
        if let found = RootDiscovery.find() { return found }
        throw ChurnError.usage(RootDiscovery.notFound)
    }

    /// Loads the configuration: the given file, else `ROOT/churnd.toml` when present, else the defaults.
    /// - Parameter requireRoot: false for commands that read the configuration but no data of a root
    ///   (`drift --simulate`): outside a root they use `--config` or the defaults.
    func load(requireRoot: Bool = true) throws -> Config {
        if let config { return try Config.load(file: config, root: nil) }
        return try Config.load(file: nil, root: requireRoot ? try rootDirectory() : try? rootDirectory())
    }

    /// A configured path resolved against the root.
    func resolve(_ path: String) throws -> String {
        Config.Paths.resolve(path, root: try rootDirectory())
    }
}

/// Finds the root of the current directory: the nearest directory holding `churnd.toml`, here or above.
enum RootDiscovery {
    static let notFound =
        "not inside a churnd root (no churnd.toml here or above); run `churnd init DIR` or pass --root"

    /// "." when the current directory holds `churnd.toml`, else the absolute path of the nearest parent that
    /// does; nil when none does.
    static func find() -> String? {
        if FileSystem.exists("churnd.toml") { return "." }
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            let path = directory.path == "/" ? "" : directory.path
            if FileSystem.exists("\(path)/churnd.toml") { return path.isEmpty ? "/" : path }
        }
        return nil
    }
}

/// Global options may come before the subcommand (`churnd --root DIR train`), as with git; the parser only
/// takes them after it, so `main()` moves them there first.
enum GlobalOptions {
    /// Options that take a value.
    static let valued: Set<String> = ["--root", "--config"]
    static let flags: Set<String> = ["--json"]

    /// Moves the global options found before the subcommand name to just after it. Arguments are returned
    /// unchanged when no subcommand follows the global options (the parser then reports what is wrong).
    static func reorder(_ arguments: [String], subcommands: Set<String>) -> [String] {
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if flags.contains(argument) || (valued.contains(name) && argument.contains("=")) {
                globals.append(argument)
                index += 1
            } else if valued.contains(argument), index + 1 < arguments.count {
                globals += arguments[index...(index + 1)]
                index += 2
            } else {
                break
            }
        }
        // `churnd --root DIR help CMD`: help reads no root, so the global options are dropped.
        if !globals.isEmpty, index < arguments.count, arguments[index] == "help" { return Array(arguments[index...]) }
        guard !globals.isEmpty, index < arguments.count, subcommands.contains(arguments[index]) else {
            return arguments
        }
        return [arguments[index]] + globals + arguments[(index + 1)...]
    }
}

/// "1,234,567".
func grouped(_ value: Int) -> String { NumberFormat.grouped(value) }

/// "1 row", "1,200 rows".
func counted(_ n: Int, _ one: String, _ many: String) -> String { "\(grouped(n)) \(n == 1 ? one : many)" }

/// Fixed decimals, e.g. `fixed(0.73125, 4)` → "0.7313".
func fixed(_ value: Double, _ decimals: Int) -> String { NumberFormat.fixed(value, decimals) }

/// `value` next to `threshold`, with more decimals when rounding would hide which side it is on.
func fixed(_ value: Double, against threshold: Double, _ decimals: Int) -> String {
    NumberFormat.fixed(value, against: threshold, decimals)
}

/// The alias `promote` and `rollback` move, checked before anything runs.
struct AliasToMove: ParsableArguments {
    @Option(help: "Alias to move: letters, digits, '_' and '-'.")
    var alias: String = AliasName.production

    func validate() throws {
        guard AliasName.isValid(alias) else { throw ValidationError(RegistryError.invalidAlias(alias).description) }
    }
}

/// Which model a command works with: a registered version by alias (default `production`) or number,
/// or an artifact file.
struct ModelChoice: ParsableArguments {
    @Option(name: .long, help: "Model artifact (model.json) to use instead of a registered version.")
    var model: String?

    @Option(name: .long, help: "Use the version at this alias (default: production).")
    var alias: String?

    @Option(name: .long, help: "Use this registered version.")
    var version: Int?

    func validate() throws {
        if [model != nil, alias != nil, version != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --model, --alias and --version")
        }
        if let alias, !AliasName.isValid(alias) { throw ValidationError(RegistryError.invalidAlias(alias).description) }
    }

    func load(common: CommonOptions, config: Config) throws -> ModelArtifact {
        if let model { return try ModelArtifact.decode(Data(try FileSystem.readAll(model)), path: model) }
        let lifecycle = try common.lifecycle(config: config)
        if let version { return try lifecycle.loadArtifact(version: version) }
        return try lifecycle.loadServing(alias: alias ?? AliasName.production).artifact
    }
}
