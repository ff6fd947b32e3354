import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation

/// Options every command that reads the configuration shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Root directory holding watch/, inbox/, outbox/, state/ (default: current directory).")
    var root: String = "."

    @Option(name: .long, help: "Configuration file (default: ROOT/churnd.toml if it exists).")
    var config: String?

    /// Loads the configuration: the given file, else `ROOT/churnd.toml` when present, else the defaults.
    func load() throws -> Config {
        let path = config ?? "\(root)/churnd.toml"
        guard config != nil || FileSystem.exists(path) else { return Config() }
        let bytes = try FileSystem.readAll(path)
        return try Config.parse(toml: String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// A configured path resolved against the root.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (root == "." ? path : "\(root)/\(path)")
    }
}

/// "1,234,567".
func grouped(_ value: Int) -> String { NumberFormat.grouped(value) }

/// Fixed decimals, e.g. `fixed(0.73125, 4)` → "0.7313".
func fixed(_ value: Double, _ decimals: Int) -> String { NumberFormat.fixed(value, decimals) }

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
