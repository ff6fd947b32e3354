import Foundation

/// What a training run learned from, as one SHA-256: the sorted SHA-256s of its input files, every setting that
/// changes the model it trains, and the churnd version. Two runs with the same fingerprint train the same
/// model (up to thread scheduling), so the daemon trains a data set only when no run has its fingerprint, and
/// a candidate repeating a version taken out of production can be recognised.
///
/// Settings that only judge the candidate (the gate, the promotion rule) or say how to run (threads, folders,
/// the daemon's timings) are left out: changing them does not make a different model.
package struct TrainingFingerprint: Codable, Equatable, Sendable {
    /// Lower-case hexadecimal SHA-256 of `basis`.
    package let value: String

    /// - Parameter inputs: the SHA-256 of every input file (duplicates kept: a file given twice trains twice).
    package init(inputs: [String], config: Config, version: String = churndVersion) {
        let basis = Basis(inputs: inputs.sorted(), config: config, version: version)
        // Only strings, integers and numbers from a parsed configuration: encoding cannot fail on them, and if
        // it ever did an empty basis would still give a stable (if coarse) fingerprint.
        let bytes = (try? JSONEncoder.canonical().encode(basis)) ?? Data()
        value = sha256Hex(bytes)
    }

    /// Everything hashed, in a stable JSON form (sorted keys).
    struct Basis: Encodable {
        /// 2: cross-validation and the settings search (`cv_max_rows`, `cv_folds`, `search_budget_seconds`).
        var format = 2
        var inputs: [String]
        var version: String
        var schema: Schema
        var modelName: String
        var seed: UInt64
        var validationFraction: Double
        var testFraction: Double
        var maxMissingFraction: Double
        var maxRecordBytes: Int
        var families: [String]
        var cvMaxRows: Int
        var cvFolds: Int
        var searchBudgetSeconds: Double
        var xgboost: XGBoost

        struct XGBoost: Encodable {
            var treeMethod: String
            var maxDepth: Int
            var eta: Double
            var rounds: Int
            var earlyStoppingRounds: Int
            var minChildWeight: Double
            var subsample: Double
            var colsampleBytree: Double
            var lambda: Double
            var maxBin: Int
        }

        init(inputs: [String], config: Config, version: String) {
            self.inputs = inputs
            self.version = version
            schema = config.schema
            let t = config.training
            modelName = t.modelName
            seed = t.seed
            validationFraction = t.validationFraction
            testFraction = t.testFraction
            maxMissingFraction = t.maxMissingFraction
            maxRecordBytes = config.scoring.maxRecordBytes
            families = t.families.map(\.rawValue)
            cvMaxRows = t.cvMaxRows
            cvFolds = t.cvFolds
            searchBudgetSeconds = t.searchBudgetSeconds
            let x = config.xgboost
            xgboost = XGBoost(
                treeMethod: x.treeMethod, maxDepth: x.maxDepth, eta: x.eta, rounds: x.rounds,
                earlyStoppingRounds: x.earlyStoppingRounds, minChildWeight: x.minChildWeight, subsample: x.subsample,
                colsampleBytree: x.colsampleBytree, lambda: x.lambda, maxBin: x.maxBin)
        }
    }
}
