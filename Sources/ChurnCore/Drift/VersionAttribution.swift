/// Which registered version made a logged prediction, whoever wrote the line.
///
/// churnd writes the version number (`"model_version": "3"`). Other services write what they loaded: an
/// MLflow URI (`models:/churn_model@production`, `models:/churn_model/3`, `models:/churn_model/Production`),
/// a file name (`model_v2.pkl`), or nothing. Every line that does not name a version number is attributed to
/// the version its alias pointed to at the line's `ts` (production for anything that names no alias), from
/// the registry's audited alias moves. A line that still cannot be attributed gets a reason, counted by the
/// readers (drift windows, label joins), never dropped silently. Pure: the alias moves are passed in.
package struct VersionAttribution: Sendable, Equatable {
    /// One audited alias move: from `at` on, `alias` pointed to `version` (nil: removed).
    package struct Move: Sendable, Equatable {
        package var alias: String
        package var at: Double
        package var version: Int?

        package init(alias: String, at: Double, version: Int?) {
            self.alias = alias
            self.at = at
            self.version = version
        }
    }

    /// The alias a line that names none is attributed to.
    package static let serving = "production"

    /// The registered model name; a URI naming another model is not attributed.
    package var model: String
    /// Moves per alias, oldest first.
    private var moves: [String: [Move]] = [:]

    /// - Parameter moves: audited alias moves in any order.
    package init(model: String, moves: [Move] = []) {
        self.model = model
        for move in moves { self.moves[move.alias, default: []].append(move) }
        for alias in self.moves.keys { self.moves[alias]?.sort { $0.at < $1.at } }
    }

    /// Why a line names no version.
    package enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// The line has no `ts` (or 0) to find the version serving then.
        case noTimestamp
        /// The alias pointed to no version at the line's `ts` (before its first move, or removed then).
        case noVersionAt(alias: String)
        /// An MLflow URI of another registered model.
        case otherModel(String)
        /// An MLflow URI naming a stage churnd has no alias for (Staging, Archived, None, latest).
        case unknownStage(String)

        package var description: String {
            switch self {
            case .noTimestamp: return "model_version is not a version number and the line has no ts"
            case .noVersionAt(let alias): return "no version was at \(alias) at the line's ts"
            case .otherModel(let name): return "model_version names another model (\(name))"
            case .unknownStage(let stage): return "model_version names stage \(stage), which churnd does not map"
            }
        }
    }

    /// How a line's `model_version` names its version.
    package enum Reference: Equatable, Sendable {
        case version(Int)
        /// The version at this alias when the line was written.
        case alias(String)
        case unattributable(Failure)
    }

    /// Reads a `model_version` value: a version number, `models:/NAME/N`, `models:/NAME@ALIAS`,
    /// `models:/NAME/Production` (MLflow's stage; `champion` is production too); anything else (file names,
    /// empty) means production.
    package func reference(_ modelVersion: String) -> Reference {
        let text = modelVersion.trimmingSpaces()
        if let number = Int(text), number >= 1 { return .version(number) }
        let prefix = "models:/"
        guard text.hasPrefix(prefix) else { return .alias(Self.serving) }
        let path = text.dropFirst(prefix.count)
        let name: Substring
        let target: Substring
        let isAlias: Bool
        if let at = path.lastIndex(of: "@") {
            (name, target, isAlias) = (path[..<at], path[path.index(after: at)...], true)
        } else if let slash = path.lastIndex(of: "/") {
            (name, target, isAlias) = (path[..<slash], path[path.index(after: slash)...], false)
        } else {
            return .alias(Self.serving)  // "models:/NAME": MLflow's latest; read as what serves
        }
        guard name == model else { return .unattributable(.otherModel(String(name))) }
        if !isAlias, let number = Int(target), number >= 1 { return .version(number) }
        let lowered = target.lowercased()
        if lowered == Self.serving || lowered == "champion" { return .alias(Self.serving) }
        if isAlias { return .alias(String(target)) }
        return .unattributable(.unknownStage(String(target)))
    }

    /// The version that made a line with this `model_version` at `timestamp` (seconds since 1970; 0 when the
    /// line has none).
    package func version(of modelVersion: String, at timestamp: Double) -> Result<Int, Failure> {
        resolve(reference(modelVersion), at: timestamp)
    }

    /// The version a reference read from a line written at `timestamp` means.
    package func resolve(_ reference: Reference, at timestamp: Double) -> Result<Int, Failure> {
        switch reference {
        case .version(let number): return .success(number)
        case .unattributable(let failure): return .failure(failure)
        case .alias(let alias):
            guard timestamp > 0 else { return .failure(.noTimestamp) }
            guard let version = version(at: alias, time: timestamp) else { return .failure(.noVersionAt(alias: alias)) }
            return .success(version)
        }
    }

    /// The version `alias` pointed to at `time`, from its moves.
    package func version(at alias: String, time: Double) -> Int? {
        guard let list = moves[alias] else { return nil }
        // Binary search for the last move at or before `time`.
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].at <= time { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : list[low - 1].version
    }
}
