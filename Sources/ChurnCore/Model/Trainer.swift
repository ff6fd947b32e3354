/// Trains a logistic-regression candidate from labeled data (SPEC §4). Pure: data and time in, artifact out.
public struct Trainer: Sendable {
    public var schema: Schema
    public var training: Config.Training
    public var gateF1: Double

    public init(config: Config) {
        self.schema = config.schema
        self.training = config.training
        self.gateF1 = config.promotion.gateF1
    }

    /// The outcome of one run, with the split kept so a champion can be judged on the same rows.
    public struct Result: Sendable {
        public var artifact: ModelArtifact
        public var split: Split
        public var testProbabilities: [Double]
        public var eligible: Bool
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case tooFewRows(Int)
        case oneClass(positives: Int, rows: Int)

        public var description: String {
            switch self {
            case .tooFewRows(let rows):
                return "only \(rows) labeled rows: need at least 50 to train, tune and test"
            case .oneClass(let positives, let rows):
                return positives == 0
                    ? "no positive labels among \(rows) rows: check schema.positive"
                    : "every one of \(rows) rows is positive: need both classes"
            }
        }
    }

    /// - Parameters:
    ///   - now: seconds since 1970 when training finished (passed in: the core reads no clock).
    ///   - elapsed: wall seconds the caller measured for loading and fitting.
    public func train(_ data: LabeledData, now: Double, elapsed: () -> Double) throws -> Result {
        guard data.count >= 50 else { throw Failure.tooFewRows(data.count) }
        let positives = data.labels.reduce(0) { $0 + Int($1) }
        guard positives > 0, positives < data.count else { throw Failure.oneClass(positives: positives, rows: data.count) }
        let split = Split(
            labels: data.labels, validationFraction: training.validationFraction,
            testFraction: training.testFraction, seed: training.seed)
        let preprocessing = Preprocessing.fit(data, rows: split.train)
        let width = preprocessing.width
        let (model, report) = LogisticRegression.fit(
            x: preprocessing.encode(data, rows: split.train), width: width, labels: split.train.map { data.labels[$0] })
        let validationProbabilities = model.predict(x: preprocessing.encode(data, rows: split.validation), width: width)
        let (threshold, validationF1) = Metrics.bestF1Threshold(
            probabilities: validationProbabilities, labels: split.validation.map { data.labels[$0] })
        let testProbabilities = model.predict(x: preprocessing.encode(data, rows: split.test), width: width)
        let metrics = Metrics(
            probabilities: testProbabilities, labels: split.test.map { data.labels[$0] }, threshold: threshold)

        var statistics: [FeatureStatistics] = []
        for (k, name) in schema.numeric.enumerated() {
            statistics.append(.numeric(name: name, values: data.numeric[k], rows: split.train))
        }
        for (k, name) in schema.categorical.enumerated() {
            statistics.append(
                .categorical(name: name, codes: data.categorical[k], levels: data.levels[k].levels, rows: split.train))
        }
        statistics.append(.probability(validationProbabilities))

        let artifact = ModelArtifact(
            formatVersion: ModelArtifact.currentFormatVersion, churndVersion: churndVersion, name: training.modelName,
            version: nil, family: "logistic_regression", createdAt: now, schema: schema,
            preprocessing: preprocessing, logistic: model, threshold: threshold, metrics: metrics,
            validationF1: validationF1,
            training: .init(
                seed: training.seed, trainRows: split.train.count, validationRows: split.validation.count,
                testRows: split.test.count, seconds: elapsed(), iterations: report.iterations, inputs: data.files),
            featureStatistics: statistics)
        return Result(artifact: artifact, split: split, testProbabilities: testProbabilities, eligible: metrics.f1 >= gateF1)
    }
}
