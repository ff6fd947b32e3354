import ChurnCore
import Foundation
import Testing

/// `[mlflow]` and `[registry]`: defaults (off, SQLite) and the errors a user can act on.
struct MLflowConfigTests {
    @Test func defaultsAreOffAndTheKeysOverrideThem() throws {
        let defaults = Config()
        #expect(!defaults.mlflow.enabled && defaults.mlflow.experiment == "churnd")
        #expect(defaults.mlflow.registeredModel == "churn_model" && defaults.registry.backend == .sqlite)
        // The file `churnd init` writes says the same.
        let written = try Config.parse(toml: Config.defaultTOML, file: "churnd.toml")
        #expect(written.mlflow == defaults.mlflow && written.registry == defaults.registry)
        let config = try Config.parse(
            toml: """
                [mlflow]
                tracking_uri = "http://127.0.0.1:5000"
                experiment = "lab"
                registered_model = "churn.model"
                [registry]
                backend = "mlflow"
                """, file: "c.toml")
        #expect(config.mlflow.trackingURI == "http://127.0.0.1:5000" && config.mlflow.experiment == "lab")
        #expect(config.mlflow.registeredModel == "churn.model" && config.registry.backend == .mlflow)
    }

    @Test(
        "errors name the key and the line",
        arguments: [
            (
                "[mlflow]\ntracking_uri = \"127.0.0.1:5000\"\n",
                "c.toml:2: mlflow.tracking_uri: use an http:// or https:// address"
            ),
            ("[mlflow]\n\nexperiment = \"\"\n", "c.toml:3: mlflow.experiment: name an experiment"),
            ("[mlflow]\nregistered_model = \"a b\"\n", "c.toml:2: mlflow.registered_model: use letters, digits"),
            ("[mlflow]\nuri = \"http://x\"\n", "c.toml:2: mlflow.uri: unknown key"),
            ("[registry]\nbackend = \"postgres\"\n", "c.toml:2: registry.backend: use \"sqlite\" or \"mlflow\""),
            (
                "[registry]\nbackend = \"mlflow\"\n",
                "c.toml:2: registry.backend: \"mlflow\" needs [mlflow] tracking_uri"
            ),
        ])
    func errorsNameTheKeyAndTheLine(text: String, expected: String) {
        do {
            _ = try Config.parse(toml: text, file: "c.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(expected), "\(error)")
        }
    }
}
