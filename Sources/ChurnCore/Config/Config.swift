/// Everything churnd can be told in `churnd.toml`. Every field has a default, so no file is needed
/// for the reference churn data.
package struct Config: Equatable, Sendable {
    package var schema = Schema()
    package var training = Training()
    package var xgboost = XGBoost()
    package var promotion = Promotion()
    package var scoring = Scoring()
    package var paths = Paths()
    package var daemon = Daemon()
    package var drift = Drift()
    package var shadow = Shadow()
    package var live = Live()
    package var retention = Retention()
    package var mlflow = MLflow()
    package var registry = RegistrySettings()
    package var http = HTTP()
    package var cluster = Cluster()

    package init() {}

    package struct Training: Equatable, Sendable {
        package var modelName = "churn_model"
        package var seed: UInt64 = 42
        /// Share of labeled rows held out for threshold tuning and model selection.
        package var validationFraction = 0.2
        /// Share of labeled rows held out for the final judgement.
        package var testFraction = 0.2
        /// A training file fails validation when any schema column has more missing values than this.
        package var maxMissingFraction = 0.05
        /// Model families trained on every run; the best on validation F1 becomes the candidate.
        package var families: [ModelFamily] = [.logisticRegression, .xgboost]
        /// With at most this many train + validation rows, families, settings and the threshold are chosen by
        /// stratified k-fold cross-validation over those rows and the choice is refit on all of them; above
        /// it, on the single validation split. 0 turns cross-validation off.
        package var cvMaxRows = 100_000
        /// Folds of the cross-validation.
        package var cvFolds = 5
        /// How much searching for settings (L2 strength, tree depth, ...) a cross-validated run may do, in
        /// processor seconds of a reference 2-core machine, shared by the families in the order listed and
        /// estimated from the work done (not the clock, so the same data and configuration try the same
        /// settings everywhere). Each family's configured settings are always tried. 0: only those.
        package var searchBudgetSeconds = 5.0
        package init() {}
    }

    /// Gradient-boosted trees (XGBoost). Defaults suit 1k..10M rows: histogram trees of depth 6, learning rate
    /// 0.1, up to 300 rounds, stopping 20 rounds after the validation log loss last improved.
    package struct XGBoost: Equatable, Sendable {
        /// Threads for training and scoring; 0 means one per core.
        package var nthread = 0
        package var treeMethod = "hist"
        package var maxDepth = 6
        package var eta = 0.1
        package var rounds = 300
        /// Stop when validation log loss has not improved for this many rounds; 0 keeps every round.
        package var earlyStoppingRounds = 20
        package var minChildWeight = 1.0
        package var subsample = 1.0
        package var colsampleBytree = 1.0
        package var lambda = 1.0
        package var maxBin = 256
        package init() {}

        /// `nthread`, with 0 resolved to `cores`.
        package func threads(cores: Int) -> Int { nthread > 0 ? nthread : max(1, cores) }
    }

    package struct Promotion: Equatable, Sendable {
        /// A candidate is eligible for promotion only with test F1 at or above this.
        package var gateF1 = 0.65
        /// An eligible candidate replaces the champion only when its F1 on the same test rows is higher by this much.
        package var minF1Gain = 0.005
        /// ... and the candidate's F1 is higher in at least this share of paired bootstrap resamples.
        package var confidence = 0.90
        package var bootstrapResamples = 1000
        /// Each resample draws at most this many rows (an m-out-of-n bootstrap above it: slightly
        /// conservative, and it bounds the cost on very large test splits).
        package var bootstrapMaxRows = 100_000
        package init() {}
    }

    package struct Scoring: Equatable, Sendable {
        /// Copy every input column into the scored file as well.
        package var passthrough = false
        /// Records longer than this are reported as row errors and skipped.
        package var maxRecordBytes = 1 << 20
        package init() {}
    }

    /// Folders, relative to the root directory unless absolute.
    package struct Paths: Equatable, Sendable {
        package var watch = "watch"
        package var inbox = "inbox"
        package var outbox = "outbox"
        package var state = "state"
        package init() {}

        /// `path` resolved against `root`: as given when absolute or when the root is ".", else under the root.
        package static func resolve(_ path: String, root: String) -> String {
            path.hasPrefix("/") || root == "." ? path : "\(root)/\(path)"
        }
    }
}

/// A kind of model churnd can train.
package enum ModelFamily: String, CaseIterable, Codable, Sendable {
    case logisticRegression = "logistic_regression"
    case xgboost = "xgboost"
}
