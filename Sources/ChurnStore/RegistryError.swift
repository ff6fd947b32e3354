import ChurnCore

/// Registry requests that cannot be done, and registry files that cannot be used. Each message says what is
/// wrong, lists the valid choices where there are any, and what to do.
package enum RegistryError: Error, CustomStringConvertible, Equatable {
    case invalidAlias(String)
    case unknownVersion(model: String, version: Int, versions: [Int])
    case unknownAlias(model: String, alias: String, aliases: [String])
    /// Nothing to serve: no version at the alias.
    case noVersionAtAlias(model: String, alias: String, versions: [Int])
    case noRollbackTarget(message: String)
    case newerSchema(path: String, unknown: [String], known: String)
    case notADatabase(path: String, detail: String)
    case database(path: String, detail: String)
    case artifactMissing(path: String, version: Int)
    case artifactAltered(path: String, version: Int, expected: String, found: String)
    /// The alias moved between judging a candidate and registering it; the caller judges again.
    case championChanged(expected: Int?, found: Int?)

    package var description: String {
        switch self {
        case .invalidAlias(let name):
            return "invalid alias name \"\(name)\": use letters, digits, '_' and '-' only (e.g. production, challenger)"
        case .unknownVersion(let model, let version, let versions):
            return versions.isEmpty
                ? "no version \(version): \(model) has no versions yet; train one with churnd train"
                : "no version \(version); versions are \(NumberFormat.versions(versions))"
        case .unknownAlias(let model, let alias, let aliases):
            return aliases.isEmpty
                ? "no alias \"\(alias)\": \(model) has no aliases yet; train a model or use churnd promote VERSION"
                : "no alias \"\(alias)\"; aliases are \(aliases.joined(separator: ", "))"
        case .noVersionAtAlias(let model, let alias, let versions):
            let how =
                versions.isEmpty
                ? "train one with churnd train (labeled CSVs in watch/data)"
                : "promote one with churnd promote VERSION (versions are \(NumberFormat.versions(versions)))"
            return "\(model) has no \(alias) version yet: \(how), or score with --model FILE"
        case .noRollbackTarget(let message):
            return message
        case .newerSchema(let path, let unknown, let known):
            return "\(path) was written by a newer churnd (it has registry migrations this one does not know: "
                + "\(unknown.joined(separator: ", ")); this churnd knows up to \"\(known)\"). Upgrade churnd; "
                + "the file was not changed"
        case .notADatabase(let path, let detail):
            return "\(path) is not a churnd registry (\(detail)). Move it aside and churnd creates a new, empty "
                + "registry; the versions it listed are then forgotten (their artifacts stay under models/)"
        case .database(let path, let detail):
            return "\(path): \(detail)"
        case .artifactMissing(let path, let version):
            return "\(path): model file of version \(version) is missing (deleted outside churnd); restore it from a "
                + "backup, or promote another version"
        case .artifactAltered(let path, let version, let expected, let found):
            return "\(path): model file of version \(version) was changed outside churnd (SHA-256 \(found.prefix(12))… "
                + "instead of \(expected.prefix(12))…); restore it from a backup, or promote another version"
        case .championChanged(let expected, let found):
            let name = { (v: Int?) in v.map { "v\($0)" } ?? "nothing" }
            return "the serving version moved from \(name(expected)) to \(name(found)) while a candidate was judged"
        }
    }

    /// True for requests that are malformed rather than impossible (exit code 2).
    package var isUsage: Bool {
        if case .invalidAlias = self { return true }
        return false
    }
}

/// Alias names: `[A-Za-z0-9_-]+`.
package enum AliasName {
    package static let production = "production"
    /// The best eligible version that is not serving (see `ChallengerRule`); the daemon shadow-scores with it.
    package static let challenger = "challenger"

    package static func isValid(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x5F || byte == 0x2D
            }
    }

    package static func check(_ name: String) throws {
        guard isValid(name) else { throw RegistryError.invalidAlias(name) }
    }
}
