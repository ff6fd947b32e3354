import ChurnCore

extension Config {
    /// Loads the configuration: `file` when given, else `ROOT/churnd.toml` when present, else the defaults.
    /// - Parameter root: the root directory; nil outside a root, where only `file` or the defaults apply.
    package static func load(file: String?, root: String?) throws -> Config {
        let path: String
        if let file {
            path = file
        } else {
            guard let root, FileSystem.exists("\(root)/churnd.toml") else { return Config() }
            path = "\(root)/churnd.toml"
        }
        let bytes = try FileSystem.readAll(path)
        return try Config.parse(toml: String(decoding: bytes, as: UTF8.self), file: path)
    }
}
