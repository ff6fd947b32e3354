import ChurnCore
import Foundation

/// Training as churnd did before cross-validation: the single validation split and the configured settings
/// (`[training] cv_max_rows = 0`).
///
/// Tests that are not about model quality (scoring, the daemon, the registry, drift, MLflow, HTTP...) train
/// this way: a cross-validated run with its search costs several times a single-split one, and minutes in a
/// debug build on the 1,000-3,000 rows those tests use. Tests about cross-validation, the search, the refit,
/// class weights and determinism keep the shipped defaults on small data (CrossValidationTests), and two
/// end-to-end tests train with the shipped defaults: through `churnd train` (RunsCLITests) and through the
/// daemon of `scripts/demo` (DemoTests).
package enum SingleSplit {
    /// The `[training]` key and value that turn cross-validation off.
    package static let setting = "cv_max_rows = 0"

    /// The default configuration, with cross-validation off.
    package static var config: Config { Config().singleSplit }

    /// `toml` with cross-validation off: an existing `cv_max_rows` line is replaced, else the key is added at the
    /// top of the `[training]` table, else a `[training]` table is appended.
    package static func toml(_ toml: String) -> String {
        var lines = toml.components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { Self.isKey($0) }) {
            lines[index] = setting
        } else if let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "[training]" }) {
            lines.insert(setting, at: index + 1)
        } else {
            if let last = lines.last, last.isEmpty { lines.removeLast() }
            lines += ["", "[training]", setting, ""]
        }
        return lines.joined(separator: "\n")
    }

    /// Turns cross-validation off in `directory/churnd.toml` (written when missing).
    package static func configure(_ directory: String) throws {
        let file = "\(directory)/churnd.toml"
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        try Data(toml(text).utf8).write(to: URL(fileURLWithPath: file))
    }

    private static func isKey(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("cv_max_rows") else { return false }
        return trimmed.dropFirst("cv_max_rows".count).trimmingCharacters(in: .whitespaces).hasPrefix("=")
    }
}

extension Config {
    /// This configuration with cross-validation off (`[training] cv_max_rows = 0`): see `SingleSplit`.
    package var singleSplit: Config {
        var config = self
        config.training.cvMaxRows = 0
        return config
    }
}
