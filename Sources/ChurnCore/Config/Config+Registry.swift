import TOMLKit

extension Config {
    /// Where the aliases' truth lives (`[registry]`).
    package struct RegistrySettings: Equatable, Sendable {
        package enum Backend: String, Sendable, CaseIterable {
            /// The local SQLite registry (`state/registry.sqlite`) alone.
            case sqlite
            /// The MLflow registry of `[mlflow]` decides where `production` points: churnd's moves set MLflow's
            /// aliases, moves made in MLflow are followed. The SQLite registry stays the cache and the audit.
            case mlflow
        }

        package var backend = Backend.sqlite
        package init() {}
    }
}

extension TOMLConfigReader {
    func readRegistry(_ section: TOMLTable, into registry: inout Config.RegistrySettings) throws {
        try checkKeys(section, section: "registry", allowed: ["backend"])
        var text = registry.backend.rawValue
        try read(section, "registry", "backend", into: &text)
        guard let backend = Config.RegistrySettings.Backend(rawValue: text) else {
            throw error("registry", "backend", "use \"sqlite\" or \"mlflow\", not \"\(text)\"")
        }
        registry.backend = backend
    }
}
