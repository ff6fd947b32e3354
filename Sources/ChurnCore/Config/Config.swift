/// Everything churnd can be told in `churnd.toml`. Every field has a default, so no file is needed
/// for the reference churn data.
public struct Config: Equatable, Sendable {
    public var schema = Schema()
    public var training = Training()
    public var xgboost = XGBoost()
    public var promotion = Promotion()
    public var scoring = Scoring()
    public var paths = Paths()
    public var daemon = Daemon()
    public var drift = Drift()
    public var shadow = Shadow()
    public var live = Live()
    public var retention = Retention()

    public init() {}

    public struct Training: Equatable, Sendable {
        public var modelName = "churn_model"
        public var seed: UInt64 = 42
        /// Share of labeled rows held out for threshold tuning and model selection.
        public var validationFraction = 0.2
        /// Share of labeled rows held out for the final judgement.
        public var testFraction = 0.2
        /// A training file fails validation when any schema column has more missing values than this.
        public var maxMissingFraction = 0.05
        /// Model families trained on every run; the best on validation F1 becomes the candidate.
        public var families: [ModelFamily] = [.logisticRegression, .xgboost]
        public init() {}
    }

    /// Gradient-boosted trees (XGBoost). Defaults suit 1k..10M rows: histogram trees of depth 6, learning rate
    /// 0.1, up to 300 rounds, stopping 20 rounds after the validation log loss last improved.
    public struct XGBoost: Equatable, Sendable {
        /// Threads for training and scoring; 0 means one per core.
        public var nthread = 0
        public var treeMethod = "hist"
        public var maxDepth = 6
        public var eta = 0.1
        public var rounds = 300
        /// Stop when validation log loss has not improved for this many rounds; 0 keeps every round.
        public var earlyStoppingRounds = 20
        public var minChildWeight = 1.0
        public var subsample = 1.0
        public var colsampleBytree = 1.0
        public var lambda = 1.0
        public var maxBin = 256
        public init() {}

        /// `nthread`, with 0 resolved to `cores`.
        public func threads(cores: Int) -> Int { nthread > 0 ? nthread : max(1, cores) }
    }

    public struct Promotion: Equatable, Sendable {
        /// A candidate is eligible for promotion only with test F1 at or above this.
        public var gateF1 = 0.65
        /// An eligible candidate replaces the champion only when its F1 on the same test rows is higher by this much.
        public var minF1Gain = 0.005
        /// ... and the candidate's F1 is higher in at least this share of paired bootstrap resamples.
        public var confidence = 0.90
        public var bootstrapResamples = 1000
        /// Each resample draws at most this many rows (an m-out-of-n bootstrap above it: slightly
        /// conservative, and it bounds the cost on very large test splits).
        public var bootstrapMaxRows = 100_000
        public init() {}
    }

    public struct Scoring: Equatable, Sendable {
        /// Copy every input column into the scored file as well.
        public var passthrough = false
        /// Records longer than this are reported as row errors and skipped.
        public var maxRecordBytes = 1 << 20
        public init() {}
    }

    /// Folders, relative to the root directory unless absolute.
    public struct Paths: Equatable, Sendable {
        public var watch = "watch"
        public var inbox = "inbox"
        public var outbox = "outbox"
        public var state = "state"
        public init() {}

        /// `path` resolved against `root`: as given when absolute or when the root is ".", else under the root.
        public static func resolve(_ path: String, root: String) -> String {
            path.hasPrefix("/") || root == "." ? path : "\(root)/\(path)"
        }
    }
}

/// A kind of model churnd can train.
public enum ModelFamily: String, CaseIterable, Codable, Sendable {
    case logisticRegression = "logistic_regression"
    case xgboost = "xgboost"
}
