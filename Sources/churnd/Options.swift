import ArgumentParser
import ChurnCore
import ChurnStore

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
