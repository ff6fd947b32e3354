import Foundation

/// Trains every configured model family on one split and keeps the best on validation F1 as the candidate
/// (a stratified split, a threshold tuned on validation, metrics on test). With at most `training.cvMaxRows`
/// train + validation rows, cross-validation over those rows replaces the validation split (see
/// `Trainer+CrossValidation.swift`). Pure apart from XGBoost's threads: data and time in, artifacts out.
package struct Trainer: Sendable {
    package var schema: Schema
    package var training: Config.Training
    package var xgboost: Config.XGBoost
    package var gateF1: Double
    /// Threads XGBoost uses when `xgboost.nthread` is 0.
    package var cores: Int

    package init(config: Config, cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.schema = config.schema
        self.training = config.training
        self.xgboost = config.xgboost
        self.gateF1 = config.promotion.gateF1
        self.cores = cores
    }

    /// One family's outcome on the run's split: a complete artifact, so any family can be registered.
    package struct FamilyResult: Sendable {
        package var artifact: ModelArtifact
        package var testProbabilities: [Double]
        package var eligible: Bool
        /// Seconds to fit, tune and test this family alone.
        package var seconds: Double

        package var family: String { artifact.family }
        package var validationF1: Double { artifact.validationF1 }
        package var metrics: Metrics { artifact.metrics }
    }

    /// The outcome of one run, with the split kept so a champion can be judged on the same rows.
    package struct Result: Sendable {
        /// The candidate: the family with the best validation F1.
        package var artifact: ModelArtifact
        package var split: Split
        package var testProbabilities: [Double]
        package var eligible: Bool
        /// The families not chosen, in configuration order, trained on the same split.
        package var alternatives: [FamilyResult]
    }

    package enum Failure: Error, CustomStringConvertible, Equatable {
        case tooFewRows(Int)
        case oneClass(positives: Int, rows: Int)
        case xgboost(XGBoostError)

        package var description: String {
            switch self {
            case .tooFewRows(let rows):
                return "only \(rows) labeled rows: need at least 50 to train, tune and test"
            case .oneClass(let positives, let rows):
                return positives == 0
                    ? "no positive labels among \(rows) rows: check schema.positive"
                    : "every one of \(rows) rows is positive: need both classes"
            case .xgboost(let error):
                return "\(error) (check [xgboost] in churnd.toml, or leave \"xgboost\" out of training.families)"
            }
        }
    }

    /// - Parameters:
    ///   - now: seconds since 1970 when training finished (passed in: the core reads no clock).
    ///   - elapsed: wall seconds since the caller started loading; read before and after each family.
    ///   - progress: told when each family starts and after each boosting round.
    package func train(
        _ data: LabeledData, now: Double, elapsed: () -> Double, progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> Result {
        guard data.count >= 50 else { throw Failure.tooFewRows(data.count) }
        let positives = data.labels.reduce(0) { $0 + Int($1) }
        guard positives > 0, positives < data.count else {
            throw Failure.oneClass(positives: positives, rows: data.count)
        }
        let split = Split(
            labels: data.labels, validationFraction: training.validationFraction,
            testFraction: training.testFraction, seed: training.seed)
        if crossValidates(rows: split.train.count + split.validation.count) {
            return try trainCrossValidated(data, split: split, now: now, elapsed: elapsed, progress: progress)
        }
        // Every step between two reports is one pass over the rows at most: the daemon's watchdog counts each
        // report as a sign of life.
        func beat() { progress(TrainingProgress(rows: data.count)) }
        let preprocessing = Preprocessing.fit(data, rows: split.train)
        beat()
        let train = preprocessing.encode(data, rows: split.train)
        beat()
        let validation = preprocessing.encode(data, rows: split.validation)
        beat()
        let encoded = Encoded(
            width: preprocessing.width, train: train, trainLabels: split.train.map { data.labels[$0] },
            validation: validation, validationLabels: split.validation.map { data.labels[$0] },
            test: preprocessing.encode(data, rows: split.test), testLabels: split.test.map { data.labels[$0] })
        beat()

        var statistics: [FeatureStatistics] = []
        for (k, name) in schema.numeric.enumerated() {
            statistics.append(.numeric(name: name, values: data.numeric[k], rows: split.train))
            beat()
        }
        for (k, name) in schema.categorical.enumerated() {
            statistics.append(
                .categorical(
                    name: name, codes: data.categorical[k], levels: data.levels[k].levels, rows: split.train,
                    normalize: data.schema.normalize[name]))
            beat()
        }
        var results: [FamilyResult] = []
        for family in training.families {
            let started = elapsed()
            progress(TrainingProgress(rows: data.count, family: family.rawValue))
            let fitted = try fit(family, encoded, preprocessing: preprocessing) { round in
                progress(
                    TrainingProgress(
                        rows: data.count, family: family.rawValue, round: round,
                        maxRounds: family == .xgboost ? xgboost.rounds : nil))
            }
            progress(TrainingProgress(rows: data.count, family: family.rawValue))
            let (threshold, validationF1) = Metrics.bestF1Threshold(
                probabilities: fitted.validation, labels: encoded.validationLabels)
            progress(TrainingProgress(rows: data.count, family: family.rawValue))
            let metrics = Metrics(probabilities: fitted.test, labels: encoded.testLabels, threshold: threshold)
            let seconds = elapsed() - started
            let artifact = ModelArtifact(
                formatVersion: ModelArtifact.currentFormatVersion, churndVersion: churndVersion,
                name: training.modelName, version: nil, family: family.rawValue, createdAt: now, schema: schema,
                preprocessing: preprocessing, logistic: fitted.logistic, xgboost: fitted.xgboost, threshold: threshold,
                metrics: metrics, validationF1: validationF1,
                training: .init(
                    seed: training.seed, trainRows: split.train.count, validationRows: split.validation.count,
                    testRows: split.test.count, seconds: 0, iterations: fitted.iterations, inputs: data.files,
                    fitSeconds: seconds),
                featureStatistics: statistics + [.probability(fitted.validation)])
            results.append(
                FamilyResult(
                    artifact: artifact, testProbabilities: fitted.test, eligible: metrics.f1 >= gateF1, seconds: seconds
                ))
        }
        let total = elapsed()
        for index in results.indices { results[index].artifact.training.seconds = total }

        // Best validation F1; on a tie the family listed first (the simpler one by default) wins.
        var chosen = 0
        for index in results.indices where results[index].validationF1 > results[chosen].validationF1 { chosen = index }
        var winner = results.remove(at: chosen)
        if !results.isEmpty {
            winner.artifact.alternatives = results.map {
                .init(
                    family: $0.family, validationF1: $0.validationF1, threshold: $0.artifact.threshold,
                    metrics: $0.metrics, seconds: $0.seconds)
            }
        }
        return Result(
            artifact: winner.artifact, split: split, testProbabilities: winner.testProbabilities,
            eligible: winner.eligible, alternatives: results)
    }

    /// The encoded splits every family trains and is judged on.
    struct Encoded {
        var width: Int
        var train: [Double], trainLabels: [UInt8]
        var validation: [Double], validationLabels: [UInt8]
        var test: [Double], testLabels: [UInt8]
    }

    struct Fitted {
        var logistic: LogisticRegression?
        var xgboost: XGBoostModel?
        var iterations: Int
        var validation: [Double]
        var test: [Double]
    }

    /// - Parameter roundFinished: told the number of boosting rounds done after each one (tree families).
    func fit(
        _ family: ModelFamily, _ e: Encoded, preprocessing: Preprocessing, roundFinished: (Int) -> Void = { _ in }
    ) throws -> Fitted {
        switch family {
        case .logisticRegression:
            let (model, report) = LogisticRegression.fit(
                x: e.train, width: e.width, labels: e.trainLabels, passFinished: roundFinished)
            return Fitted(
                logistic: model, xgboost: nil, iterations: report.iterations,
                validation: model.predict(x: e.validation, width: e.width),
                test: model.predict(x: e.test, width: e.width))
        case .xgboost:
            do throws(XGBoostError) {
                let model = try XGBoostModel.fit(
                    train: e.train, trainLabels: e.trainLabels, validation: e.validation,
                    validationLabels: e.validationLabels, width: e.width, featureNames: preprocessing.featureNames,
                    featureTypes: XGBoostModel.featureTypes(preprocessing), settings: xgboost, seed: training.seed,
                    nthread: xgboost.threads(cores: cores), roundFinished: roundFinished)
                // Thresholds and test metrics come from the trees churnd scores with.
                let trees = try TreeEnsemble(json: model.booster)
                let threads = xgboost.threads(cores: cores)
                return Fitted(
                    logistic: nil, xgboost: model, iterations: model.bestIteration + 1,
                    validation: trees.predict(e.validation, width: e.width, threads: threads),
                    test: trees.predict(e.test, width: e.width, threads: threads))
            } catch {
                throw Failure.xgboost(error)
            }
        }
    }
}
