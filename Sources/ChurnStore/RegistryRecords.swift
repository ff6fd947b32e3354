import ChurnCore
import Foundation
import GRDB

/// Who moved an alias or started a training run: the daemon, or a user at the command line.
package struct AuditActor: Hashable, Codable, Sendable, CustomStringConvertible, DatabaseValueConvertible {
    package let name: String

    package init(_ name: String) { self.name = name }

    package static let daemon = AuditActor("daemon")
    package static let user = AuditActor("user")
    /// A user identified by login name, e.g. "user:alice".
    package static func user(_ login: String) -> AuditActor {
        login.isEmpty ? .user : AuditActor("user:\(login)")
    }

    package var description: String { name }

    package init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    package var databaseValue: DatabaseValue { name.databaseValue }

    package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> AuditActor? {
        String.fromDatabaseValue(dbValue).map(AuditActor.init)
    }
}

/// Shared record settings (public only because GRDB's protocols are): snake_case columns, JSON columns that accept NaN and infinities like artifacts do.
package protocol RegistryRecord: Codable, FetchableRecord, MutablePersistableRecord {}

extension RegistryRecord {
    package static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    package static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }

    package static func databaseJSONEncoder(for column: String) -> JSONEncoder {
        JSONEncoder.canonical()
    }

    package static func databaseJSONDecoder(for column: String) -> JSONDecoder {
        JSONDecoder.churnd()
    }
}

/// One registered model version: an eligible candidate whose artifact is stored under `state/models/`.
package struct ModelVersionRecord: RegistryRecord, PersistableRecord, Equatable, Sendable {
    package static let databaseTableName = "model_version"

    package var modelName: String
    package var version: Int
    package var family: String
    /// Seconds since 1970 when training finished.
    package var createdAt: Double
    package var registeredAt: Double
    /// Relative to the state directory: `models/<name>/<version>/model.json`.
    package var artifactPath: String
    package var artifactSha256: String
    package var artifactBytes: Int
    package var threshold: Double
    /// Test-split metrics, as judged at training time.
    package var f1: Double
    package var rocAuc: Double?
    package var metrics: Metrics
    package var trainRows: Int
    package var validationRows: Int
    package var testRows: Int
    /// Seed, row counts, seconds, iterations and every input file with its SHA-256.
    package var training: ModelArtifact.TrainingInfo
    package var featureStatistics: [FeatureStatistics]
    package var churndVersion: String
}

/// One training run, whatever became of it: promoted, kept (registered, not serving), refused (below the
/// gate, not registered), failed (with the error), or not selected (a family trained alongside the chosen one).
package struct TrainingRunRecord: RegistryRecord, Equatable, Sendable {
    package static let databaseTableName = "training_run"

    package enum Outcome: String, Codable, Sendable, DatabaseValueConvertible {
        case promoted, kept, refused, failed
        /// A family the run trained on the same split but did not choose (lower validation F1); its metrics
        /// are recorded, no version is registered.
        case notSelected = "not_selected"

        /// Every outcome, in the order reports list them.
        package static let all: [Outcome] = [.promoted, .kept, .refused, .failed, .notSelected]
    }

    /// Settings the run was made with.
    package struct Parameters: Codable, Equatable, Sendable {
        package var family: String
        package var seed: UInt64
        package var validationFraction: Double
        package var testFraction: Double
        package var maxMissingFraction: Double
        package var gateF1: Double
        package var minF1Gain: Double
        package var confidence: Double
        package var bootstrapResamples: Int
        package var bootstrapMaxRows: Int

        package init(config: Config) {
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

    package var id: Int64?
    package var modelName: String
    package var startedAt: Double
    package var finishedAt: Double
    package var seconds: Double
    package var actor: AuditActor
    package var outcome: Outcome
    /// The decision in one sentence, or the error of a failed run.
    package var reason: String
    /// The version registered by this run (promoted or kept).
    package var version: Int?
    /// The version serving when the candidate was judged.
    package var championVersion: Int?
    package var rows: Int?
    package var parameters: Parameters
    package var metrics: Metrics?
    package var verdict: Verdict?
    /// Every input file with its SHA-256 (the data fingerprint).
    package var inputs: [InputFile]
    /// Files refused by validation, with the reasons.
    package var refusedFiles: [String]
    package var churndVersion: String
    /// What the run learned from (`TrainingFingerprint`): every given file, accepted or refused, and the
    /// settings that shape the model. nil for runs recorded before fingerprints, or whose files could not be read.
    package var fingerprint: String? = nil
    /// How a cross-validated run chose its family's settings and threshold; nil for runs on the single
    /// validation split (more rows than `training.cv_max_rows`), failed runs, and runs from before.
    package var crossValidation: CrossValidationReport? = nil

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The outcome in a few words: "promoted v4", "kept v5", "refused", "failed".
    package var briefOutcome: String {
        switch outcome {
        case .promoted, .kept: return version.map { "\(outcome.rawValue) v\($0)" } ?? outcome.rawValue
        case .refused, .failed, .notSelected: return outcome.rawValue
        }
    }
}

/// Where an alias points now.
package struct AliasRecord: RegistryRecord, PersistableRecord, Equatable, Sendable {
    package static let databaseTableName = "alias"

    package var modelName: String
    package var name: String
    package var version: Int
    package var movedAt: Double
}

/// One alias move, as audited: never updated or deleted (triggers refuse it).
package struct AliasEventRecord: RegistryRecord, Equatable, Sendable {
    package static let databaseTableName = "alias_event"

    package var id: Int64?
    package var modelName: String
    package var alias: String
    package var at: Double
    package var fromVersion: Int?
    /// nil when the alias was removed (`kind == .remove`).
    package var toVersion: Int?
    package var kind: AliasHistory.Kind
    package var actor: AuditActor
    package var reason: String
    /// Why the daemon made the move, when it was not the promotion rule: `.driftAlert` for a drift rollback.
    package var cause: AliasCause? = nil

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AliasHistory.Kind: DatabaseValueConvertible {}

/// What made the daemon move an alias on its own, beyond the promotion rule.
package enum AliasCause: String, Codable, Sendable, DatabaseValueConvertible {
    /// A drift alert rolled production back: the version left, and candidates trained on its data, are not
    /// promoted automatically again.
    case driftAlert = "drift_alert"
}
