import Foundation

/// Everything needed to score with, judge and trace a trained model, in one self-describing JSON file.
package struct ModelArtifact: Codable, Equatable, Sendable {
    /// Version of this file's layout; readers refuse newer ones.
    package static let currentFormatVersion = 1

    package var formatVersion: Int
    package var churndVersion: String
    package var name: String
    /// Registry version, once registered.
    package var version: Int?
    package var family: String
    /// Seconds since 1970 when training finished.
    package var createdAt: Double
    package var schema: Schema
    package var preprocessing: Preprocessing
    package var logistic: LogisticRegression?
    /// The booster and its early-stopping record when `family` is "xgboost".
    package var xgboost: XGBoostModel?
    /// Positive when probability ≥ threshold; tuned for F1 on the validation split (or the out-of-fold
    /// predictions of a cross-validated run).
    package var threshold: Double
    /// Judged on the test split.
    package var metrics: Metrics
    /// F1 at `threshold` on the validation split, or of the out-of-fold predictions of a cross-validated run.
    package var validationF1: Double
    package var training: TrainingInfo
    package var featureStatistics: [FeatureStatistics]
    /// The other families trained on the same split and not chosen (absent in older artifacts).
    package var alternatives: [Alternative]?
    /// How cross-validation chose this family, its settings and threshold (absent when the run used the single
    /// validation split: more than `training.cv_max_rows` rows, or an older artifact).
    package var crossValidation: CrossValidationReport? = nil

    /// A family that competed for this run, with what it scored.
    package struct Alternative: Codable, Equatable, Sendable {
        package var family: String
        package var validationF1: Double
        package var threshold: Double
        /// Test-split metrics at `threshold`.
        package var metrics: Metrics
        /// Seconds to fit, tune and test this family.
        package var seconds: Double
        /// Its cross-validation, when the run cross-validated.
        package var crossValidation: CrossValidationReport? = nil
    }

    package struct TrainingInfo: Codable, Equatable, Sendable {
        package var seed: UInt64
        package var trainRows: Int
        package var validationRows: Int
        package var testRows: Int
        package var seconds: Double
        /// Newton iterations (logistic regression) or boosting rounds kept (xgboost).
        package var iterations: Int
        package var inputs: [InputFile]
        /// Seconds spent fitting, tuning and testing this family alone (absent in older artifacts).
        package var fitSeconds: Double? = nil
    }

    /// How outputs name this model: the registry version, or a short content id for unregistered files.
    package func versionLabel(fallback: String) -> String {
        version.map(String.init) ?? fallback
    }

    package func encoded() throws -> Data {
        try JSONEncoder.readable().encode(self)
    }

    /// Decodes and checks an artifact: known format version, a usable schema, parameters that fit it.
    package static func decode(_ data: Data, path: String) throws -> ModelArtifact {
        struct Header: Decodable { var formatVersion: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw ChurnError.artifact(path: path, message: "not a churnd model file (not JSON)")
        }
        guard let format = header.formatVersion else {
            throw ChurnError.artifact(path: path, message: "not a churnd model file (no formatVersion)")
        }
        guard format <= currentFormatVersion else {
            throw ChurnError.artifact(
                path: path,
                message: "model format \(format) was written by a newer churnd; this one reads up to "
                    + "\(currentFormatVersion): upgrade churnd")
        }
        let decoder = JSONDecoder.churnd()
        let artifact: ModelArtifact
        do {
            artifact = try decoder.decode(ModelArtifact.self, from: data)
        } catch {
            throw ChurnError.artifact(path: path, message: "damaged model file: \(describe(error))")
        }
        try artifact.check(path: path)
        return artifact
    }

    func check(path: String) throws {
        if let problem = schema.problems().first { throw ChurnError.artifact(path: path, message: problem) }
        guard preprocessing.numeric.map(\.name) == schema.numeric,
            preprocessing.categorical.map(\.name) == schema.categorical
        else {
            throw ChurnError.artifact(path: path, message: "preprocessing does not match the model's schema")
        }
        switch family {
        case "logistic_regression":
            guard let logistic, logistic.coefficients.count == preprocessing.width else {
                throw ChurnError.artifact(
                    path: path, message: "logistic regression coefficients do not match the encoded features")
            }
        case "xgboost":
            guard let xgboost else {
                throw ChurnError.artifact(path: path, message: "family is xgboost but the file holds no booster")
            }
            let features: Int
            do throws(XGBoostError) {
                features = try TreeEnsemble.featureCount(json: xgboost.booster)
            } catch {
                throw ChurnError.artifact(path: path, message: "the xgboost booster cannot be loaded: \(error.message)")
            }
            guard features == preprocessing.width else {
                throw ChurnError.artifact(
                    path: path,
                    message:
                        "the xgboost booster expects \(features) features; the preprocessing makes \(preprocessing.width)"
                )
            }
        default:
            throw ChurnError.artifact(
                path: path,
                message: "unknown model family \"\(family)\"; this churnd knows logistic_regression, xgboost")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            return "corrupted at \(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
