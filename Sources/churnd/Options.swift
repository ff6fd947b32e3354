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
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out += "," }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// Fixed decimals, e.g. `fixed(0.73125, 4)` → "0.7313".
func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var fraction = String(Int(scaled) - whole * Int(scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    let sign = value < 0 && scaled != 0 ? "-" : ""
    return decimals == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}
