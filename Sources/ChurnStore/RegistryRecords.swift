import ChurnCore
import Foundation
import GRDB

/// Who moved an alias or started a training run: the daemon, or a user at the command line.
public struct AuditActor: Hashable, Codable, Sendable, CustomStringConvertible, DatabaseValueConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public static let daemon = AuditActor("daemon")
    public static let user = AuditActor("user")
    /// A user identified by login name, e.g. "user:alice".
    public static func user(_ login: String) -> AuditActor {
        login.isEmpty ? .user : AuditActor("user:\(login)")
    }

    public var description: String { name }

    public init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    public var databaseValue: DatabaseValue { name.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> AuditActor? {
        String.fromDatabaseValue(dbValue).map(AuditActor.init)
    }
}

/// Shared record settings (public only because GRDB's protocols are): snake_case columns, JSON columns that accept NaN and infinities like artifacts do.
public protocol RegistryRecord: Codable, FetchableRecord, MutablePersistableRecord {}

extension RegistryRecord {
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }

    public static func databaseJSONEncoder(for column: String) -> JSONEncoder {
        JSONEncoder.canonical()
    }

    public static func databaseJSONDecoder(for column: String) -> JSONDecoder {
        JSONDecoder.churnd()
    }
}

/// One registered model version: an eligible candidate whose artifact is stored under `state/models/`.
public struct ModelVersionRecord: RegistryRecord, PersistableRecord, Equatable, Sendable {
    public static let databaseTableName = "model_version"

    public var modelName: String
    public var version: Int
    public var family: String
    /// Seconds since 1970 when training finished.
    public var createdAt: Double
    public var registeredAt: Double
    /// Relative to the state directory: `models/<name>/<version>/model.json`.
    public var artifactPath: String
    public var artifactSha256: String
    public var artifactBytes: Int
    public var threshold: Double
    /// Test-split metrics, as judged at training time.
    public var f1: Double
    public var rocAuc: Double?
    public var metrics: Metrics
    public var trainRows: Int
    public var validationRows: Int
    public var testRows: Int
    /// Seed, row counts, seconds, iterations and every input file with its SHA-256.
    public var training: ModelArtifact.TrainingInfo
    public var featureStatistics: [FeatureStatistics]
    public var churndVersion: String
}

/// One training run, whatever became of it: promoted, kept (registered, not serving), refused (below the
/// gate, not registered), failed (with the error), or not selected (a family trained alongside the chosen one).
public struct TrainingRunRecord: RegistryRecord, Equatable, Sendable {
    public static let databaseTableName = "training_run"

    public enum Outcome: String, Codable, Sendable, DatabaseValueConvertible {
        case promoted, kept, refused, failed
        /// A family the run trained on the same split but did not choose (lower validation F1); its metrics
        /// are recorded, no version is registered.
        case notSelected = "not_selected"

        /// Every outcome, in the order reports list them.
        public static let all: [Outcome] = [.promoted, .kept, .refused, .failed, .notSelected]
    }

    /// Settings the run was made with.
    public struct Parameters: Codable, Equatable, Sendable {
        public var family: String
        public var seed: UInt64
        public var validationFraction: Double
        public var testFraction: Double
        public var maxMissingFraction: Double
        public var gateF1: Double
        public var minF1Gain: Double
        public var confidence: Double
        public var bootstrapResamples: Int
        public var bootstrapMaxRows: Int

        public init(config: Config) {
            family = "logistic_regression"
            seed = config.training.seed
            validationFraction = config.training.validationFraction
            testFraction = config.training.testFraction
            maxMissingFraction = config.training.maxMissingFraction
            gateF1 = config.promotion.gateF1
            minF1Gain = config.promotion.minF1Gain
            confidence = config.promotion.confidence
            bootstrapResamples = config.promotion.bootstrapResamples
            bootstrapMaxRows = config.promotion.bootstrapMaxRows
        }
    }

    public var id: Int64?
    public var modelName: String
    public var startedAt: Double
    public var finishedAt: Double
    public var seconds: Double
    public var actor: AuditActor
    public var outcome: Outcome
    /// The decision in one sentence, or the error of a failed run.
    public var reason: String
    /// The version registered by this run (promoted or kept).
    public var version: Int?
    /// The version serving when the candidate was judged.
    public var championVersion: Int?
    public var rows: Int?
    public var parameters: Parameters
    public var metrics: Metrics?
    public var verdict: Verdict?
    /// Every input file with its SHA-256 (the data fingerprint).
    public var inputs: [InputFile]
    /// Files refused by validation, with the reasons.
    public var refusedFiles: [String]
    public var churndVersion: String
    /// What the run learned from (`TrainingFingerprint`): every given file, accepted or refused, and the
    /// settings that shape the model. nil for runs recorded before fingerprints, or whose files could not be read.
    public var fingerprint: String? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The outcome in a few words: "promoted v4", "kept v5", "refused", "failed".
    public var briefOutcome: String {
        switch outcome {
        case .promoted, .kept: return version.map { "\(outcome.rawValue) v\($0)" } ?? outcome.rawValue
        case .refused, .failed, .notSelected: return outcome.rawValue
        }
    }
}

/// Where an alias points now.
public struct AliasRecord: RegistryRecord, PersistableRecord, Equatable, Sendable {
    public static let databaseTableName = "alias"

    public var modelName: String
    public var name: String
    public var version: Int
    public var movedAt: Double
}

/// One alias move, as audited: never updated or deleted (triggers refuse it).
public struct AliasEventRecord: RegistryRecord, Equatable, Sendable {
    public static let databaseTableName = "alias_event"

    public var id: Int64?
    public var modelName: String
    public var alias: String
    public var at: Double
    public var fromVersion: Int?
    /// nil when the alias was removed (`kind == .remove`).
    public var toVersion: Int?
    public var kind: AliasHistory.Kind
    public var actor: AuditActor
    public var reason: String
    /// Why the daemon made the move, when it was not the promotion rule: `.driftAlert` for a drift rollback.
    public var cause: AliasCause? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AliasHistory.Kind: DatabaseValueConvertible {}

/// What made the daemon move an alias on its own, beyond the promotion rule.
public enum AliasCause: String, Codable, Sendable, DatabaseValueConvertible {
    /// A drift alert rolled production back: the version left, and candidates trained on its data, are not
    /// promoted automatically again.
    case driftAlert = "drift_alert"
}
