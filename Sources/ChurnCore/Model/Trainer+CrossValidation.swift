import Foundation

/// Training on small data: stratified k-fold cross-validation over train + validation, a small seeded search,
/// and a refit on every one of those rows.
///
/// The test rows are set aside first (the same stratified split as the single-split path) and touched only to
/// judge the refit models: preprocessing, folds, settings, family and threshold come from train + validation
/// alone. For each family, every setting (`ModelSearch`) is cross-validated: preprocessing is fitted on each
/// fold's training rows, the fold's held-out rows are predicted, and the pooled out-of-fold predictions give
/// the setting's F1 at its best threshold. XGBoost's folds train in lockstep and stop together at the round
/// with the best mean held-out log loss (as `xgboost.cv` does). The best setting of each family (F1; the
/// earlier on a tie) is refit on all train + validation rows (XGBoost with its folds' rounds × k / (k − 1)),
/// with the out-of-fold threshold; the family with the best out-of-fold F1 is the candidate.
extension Trainer {
    /// True when a run on this many train + validation rows cross-validates.
    package func crossValidates(rows: Int) -> Bool {
        training.cvMaxRows > 0 && rows <= training.cvMaxRows && training.cvFolds >= 2
    }

    /// One fold's rows, encoded by preprocessing fitted on its training rows.
    struct FoldEncoding {
        var width: Int
        var train: [Double], trainLabels: [UInt8]
        var heldOut: [Double], heldOutLabels: [UInt8]
    }

    /// A setting's cross-validated predictions.
    struct Validated {
        var settings: ModelSettings
        /// Out-of-fold probabilities, fold after fold (fold 0's held-out rows first).
        var outOfFold: [Double]
        var threshold: Double
        var f1: Double
        var logLoss: Double
    }

    func trainCrossValidated(
        _ data: LabeledData, split: Split, now: Double, elapsed: () -> Double,
        progress: (TrainingProgress) -> Void
    ) throws -> Result {
        let pool = (split.train + split.validation).sorted()
        let folds = Folds(rows: pool, labels: data.labels, folds: training.cvFolds, seed: training.seed)
        var encodings: [FoldEncoding] = []
        for fold in 0..<folds.count {
            let rows = folds.training(fold)
            let preprocessing = Preprocessing.fit(data, rows: rows)
            encodings.append(
                FoldEncoding(
                    width: preprocessing.width, train: preprocessing.encode(data, rows: rows),
                    trainLabels: rows.map { data.labels[$0] },
                    heldOut: preprocessing.encode(data, rows: folds.heldOut[fold]),
                    heldOutLabels: folds.heldOut[fold].map { data.labels[$0] }))
        }
        let labels = encodings.flatMap(\.heldOutLabels)
        let positives = labels.reduce(0) { $0 + Int($1) }
        let rate = Double(positives) / Double(labels.count)
        // Below the imbalance rate the search compares weighing positives as all negatives together against none.
        let positiveWeight =
            rate < ModelSearch.imbalancedBelow ? Double(labels.count - positives) / Double(positives) : nil

        let preprocessing = Preprocessing.fit(data, rows: pool)
        let poolX = preprocessing.encode(data, rows: pool)
        let poolLabels = pool.map { data.labels[$0] }
        let testX = preprocessing.encode(data, rows: split.test)
        let testLabels = split.test.map { data.labels[$0] }
        progress(TrainingProgress(rows: data.count))

        // Drift checks compare scored rows with the rows learned from, and probabilities with out-of-sample ones.
        let statistics = featureStatistics(data, rows: pool)
        var results: [FamilyResult] = []
        // The budget is shared by the families' searches, in the order `families` lists them.
        var spent = 0.0
        for family in training.families {
            let started = elapsed()
            progress(TrainingProgress(rows: data.count, family: family.rawValue))
            let (best, report) = try search(
                family, encodings: encodings, positiveWeight: positiveWeight, spent: &spent
            ) { round in
                progress(TrainingProgress(rows: data.count, family: family.rawValue, round: round))
            }
            let fitted = try refit(
                best.settings, x: poolX, labels: poolLabels, test: testX, preprocessing: preprocessing,
                folds: folds.count
            ) { round in
                progress(TrainingProgress(rows: data.count, family: family.rawValue, round: round))
            }
            let metrics = Metrics(probabilities: fitted.test, labels: testLabels, threshold: best.threshold)
            let seconds = elapsed() - started
            var artifact = ModelArtifact(
                formatVersion: ModelArtifact.currentFormatVersion, churndVersion: churndVersion,
                name: training.modelName, version: nil, family: family.rawValue, createdAt: now, schema: schema,
                preprocessing: preprocessing, logistic: fitted.logistic, xgboost: fitted.xgboost,
                threshold: best.threshold, metrics: metrics, validationF1: best.f1,
                training: .init(
                    seed: training.seed, trainRows: pool.count, validationRows: 0, testRows: split.test.count,
                    seconds: 0, iterations: fitted.iterations, inputs: data.files, fitSeconds: seconds),
                featureStatistics: statistics + [.probability(best.outOfFold)])
            artifact.crossValidation = report
            results.append(
                FamilyResult(
                    artifact: artifact, testProbabilities: fitted.test, eligible: metrics.f1 >= gateF1, seconds: seconds
                ))
        }
        let total = elapsed()
        for index in results.indices { results[index].artifact.training.seconds = total }

        let (chosen, choice) = Self.chooseFamily(results.map { $0.artifact.crossValidation })
        var winner = results.remove(at: chosen)
        winner.artifact.crossValidation?.choice = choice
        if !results.isEmpty {
            winner.artifact.alternatives = results.map {
                .init(
                    family: $0.family, validationF1: $0.validationF1, threshold: $0.artifact.threshold,
                    metrics: $0.metrics, seconds: $0.seconds, crossValidation: $0.artifact.crossValidation)
            }
        }
        return Result(
            artifact: winner.artifact, split: split, testProbabilities: winner.testProbabilities,
            eligible: winner.eligible, alternatives: results)
    }

    /// The family to refit: the best out-of-fold F1 (on a tie the family listed first), unless a simpler family
    /// (logistic regression is simpler than XGBoost) is within one standard error of it. The standard error is
    /// that of the fold-by-fold F1 differences between the two (the folds are the same rows for every family),
    /// so a more complex model must beat the simpler one by more than the folds' own noise to be chosen: the
    /// one-standard-error rule, which keeps a model that generalises as well and risks less.
    ///
    /// - Returns: the index chosen, and why, when the rule chose another family than the best F1.
    static func chooseFamily(_ reports: [CrossValidationReport?]) -> (index: Int, choice: String?) {
        var best = 0
        for index in reports.indices where (reports[index]?.f1 ?? -1) > (reports[best]?.f1 ?? -1) { best = index }
        guard let top = reports[best] else { return (best, nil) }
        func rank(_ report: CrossValidationReport) -> Int {
            ModelFamily.allCases.firstIndex { $0.rawValue == report.chosen.family } ?? Int.max
        }
        var chosen = best
        var choice: String?
        for (index, candidate) in reports.enumerated() {
            guard let candidate, index != best, rank(candidate) < rank(top),
                candidate.foldF1.count == top.foldF1.count, top.foldF1.count >= 2,
                rank(candidate) < rank(reports[chosen] ?? top)
            else { continue }
            let differences = zip(top.foldF1, candidate.foldF1).map { $0 - $1 }
            let k = Double(differences.count)
            let mean = differences.reduce(0, +) / k
            let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (k - 1)
            let standardError = (variance / k).squareRoot()
            if mean <= standardError {
                chosen = index
                choice =
                    "\(candidate.chosen.family) rather than \(top.chosen.family): the folds' F1 differ by "
                    + "\(NumberFormat.fixed(mean, 4)) ± \(NumberFormat.fixed(standardError, 4)) (mean ± standard error), "
                    + "within one standard error, so the simpler family"
            }
        }
        return (chosen, choice)
    }

    /// Cross-validates `family`'s settings in `ModelSearch` order (XGBoost's until the budget is spent; the
    /// first always) and returns the best with the report of everything tried.
    func search(
        _ family: ModelFamily, encodings: [FoldEncoding], positiveWeight: Double?, spent: inout Double,
        roundFinished: (Int) -> Void
    ) throws -> (best: Validated, report: CrossValidationReport) {
        let spentBefore = spent
        var trials: [CrossValidationReport.Trial] = []
        var best: Validated?
        let budget = training.searchBudgetSeconds
        func consider(_ validated: Validated) {
            trials.append(.init(settings: validated.settings, f1: validated.f1, logLoss: validated.logLoss))
            if best == nil || validated.f1 > best!.f1 { best = validated }
        }
        switch family {
        case .logisticRegression:
            for (index, settings) in ModelSearch.logistic(positiveWeight: positiveWeight).enumerated() {
                if index > 0 && spent >= budget { break }
                let (outOfFold, passes) = Self.logisticFolds(settings, encodings: encodings, parallel: cores > 1)
                roundFinished(passes)
                consider(validated(settings, outOfFold: outOfFold, encodings: encodings))
                spent += ModelSearch.logisticSeconds(
                    passes: passes, rows: encodings[0].trainLabels.count, width: encodings[0].width)
            }
        case .xgboost:
            let candidates = ModelSearch.xgboost(base: xgboost, positiveWeight: positiveWeight, seed: training.seed)
            let threads = xgboost.threads(cores: cores)
            do throws(XGBoostError) {
                let matrices = try encodings.map { fold throws(XGBoostError) in
                    (
                        train: try XGBoostMatrix(
                            values: fold.train, width: fold.width, labels: fold.trainLabels, nthread: threads),
                        heldOut: try XGBoostMatrix(
                            values: fold.heldOut, width: fold.width, labels: fold.heldOutLabels, nthread: threads)
                    )
                }
                for (index, candidate) in candidates.enumerated() {
                    if index > 0 && spent >= budget { break }
                    let settings = ModelSearch.xgboostConfig(candidate, base: xgboost)
                    let (rounds, trained, outOfFold) = try XGBoostModel.crossValidate(
                        matrices, encodings: encodings, settings: settings,
                        scalePosWeight: candidate.positiveWeight, seed: training.seed, nthread: threads,
                        roundFinished: roundFinished)
                    var tried = candidate
                    tried.rounds = rounds
                    consider(validated(tried, outOfFold: outOfFold, encodings: encodings))
                    spent += ModelSearch.xgboostSeconds(
                        rounds: trained, folds: encodings.count,
                        rows: encodings[0].trainLabels.count + encodings[0].heldOutLabels.count,
                        width: encodings[0].width, numeric: schema.numeric.count, maxBin: xgboost.maxBin,
                        depth: settings.maxDepth)
                }
            } catch {
                throw Failure.xgboost(error)
            }
        }
        guard let best else { preconditionFailure("every family tries at least one setting") }
        // The folds' F1 at the chosen threshold: how much the estimate moves from one fold to the next.
        var foldF1: [Double] = []
        var start = 0
        for fold in encodings {
            let end = start + fold.heldOutLabels.count
            foldF1.append(
                Confusion(
                    probabilities: Array(best.outOfFold[start..<end]), labels: fold.heldOutLabels,
                    threshold: best.threshold
                ).f1)
            start = end
        }
        let mean = foldF1.reduce(0, +) / Double(foldF1.count)
        let variance = foldF1.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, foldF1.count - 1))
        let report = CrossValidationReport(
            folds: encodings.count, rows: encodings.reduce(0) { $0 + $1.heldOutLabels.count }, f1: best.f1,
            f1Mean: mean, f1Std: variance.squareRoot(), foldF1: foldF1, threshold: best.threshold,
            chosen: best.settings, tried: trials, searchSeconds: spent - spentBefore, budgetSeconds: budget)
        return (best, report)
    }

    /// Fits logistic regression with `settings` on every fold's training rows and predicts its held-out rows,
    /// several folds at a time when `parallel` (each fit is single-threaded and independent of the others, so
    /// the results are the same bits whatever the order the folds finish in).
    ///
    /// - Returns: the out-of-fold probabilities, fold after fold, and the Newton passes of all the fits.
    static func logisticFolds(_ settings: ModelSettings, encodings: [FoldEncoding], parallel: Bool)
        -> (outOfFold: [Double], passes: Int)
    {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var folds: [(probabilities: [Double], passes: Int)?]
            init(_ count: Int) { folds = Array(repeating: nil, count: count) }
        }
        let results = Results(encodings.count)
        let (c, weight) = (settings.c ?? 1, settings.positiveWeight)
        let fit: @Sendable (Int) -> Void = { index in
            let fold = encodings[index]
            let (model, report) = LogisticRegression.fit(
                x: fold.train, width: fold.width, labels: fold.trainLabels, c: c, positiveWeight: weight)
            let probabilities = model.predict(x: fold.heldOut, width: fold.width)
            results.lock.withLock { results.folds[index] = (probabilities, report.iterations) }
        }
        if parallel {
            DispatchQueue.concurrentPerform(iterations: encodings.count, execute: fit)
        } else {
            for index in encodings.indices { fit(index) }
        }
        let folds = results.folds.map { $0! }
        return (folds.flatMap(\.probabilities), folds.reduce(0) { $0 + $1.passes })
    }

    func validated(_ settings: ModelSettings, outOfFold: [Double], encodings: [FoldEncoding]) -> Validated {
        let labels = encodings.flatMap(\.heldOutLabels)
        let (threshold, f1) = Metrics.bestF1Threshold(probabilities: outOfFold, labels: labels)
        return Validated(
            settings: settings, outOfFold: outOfFold, threshold: threshold, f1: f1,
            logLoss: Metrics.logLoss(probabilities: outOfFold, labels: labels))
    }

    /// Fits `settings` on every train + validation row (`x`) and predicts the test rows.
    func refit(
        _ settings: ModelSettings, x: [Double], labels: [UInt8], test: [Double], preprocessing: Preprocessing,
        folds: Int, roundFinished: (Int) -> Void
    ) throws -> Fitted {
        let width = preprocessing.width
        if settings.family == ModelFamily.logisticRegression.rawValue {
            let (model, report) = LogisticRegression.fit(
                x: x, width: width, labels: labels, c: settings.c ?? 1, positiveWeight: settings.positiveWeight,
                passFinished: roundFinished)
            return Fitted(
                logistic: model, xgboost: nil, iterations: report.iterations, validation: [],
                test: model.predict(x: test, width: width))
        }
        let config = ModelSearch.xgboostConfig(settings, base: xgboost)
        // The folds trained on (k − 1)/k of these rows: more rows, proportionally more rounds.
        let rounds = max(
            1, Int((Double(settings.rounds ?? config.rounds) * Double(folds) / Double(folds - 1)).rounded()))
        do throws(XGBoostError) {
            let threads = xgboost.threads(cores: cores)
            let model = try XGBoostModel.refit(
                train: x, trainLabels: labels, width: width, featureNames: preprocessing.featureNames,
                featureTypes: XGBoostModel.featureTypes(preprocessing), settings: config,
                scalePosWeight: settings.positiveWeight, rounds: rounds, seed: training.seed, nthread: threads,
                roundFinished: roundFinished)
            let trees = try TreeEnsemble(json: model.booster)
            return Fitted(
                logistic: nil, xgboost: model, iterations: rounds, validation: [],
                test: trees.predict(test, width: width, threads: threads))
        } catch {
            throw Failure.xgboost(error)
        }
    }

    /// Training statistics of every feature over `rows`, for drift checks.
    func featureStatistics(_ data: LabeledData, rows: [Int]) -> [FeatureStatistics] {
        var statistics: [FeatureStatistics] = []
        for (k, name) in schema.numeric.enumerated() {
            statistics.append(.numeric(name: name, values: data.numeric[k], rows: rows))
        }
        for (k, name) in schema.categorical.enumerated() {
            statistics.append(
                .categorical(
                    name: name, codes: data.categorical[k], levels: data.levels[k].levels, rows: rows,
                    normalize: data.schema.normalize[name]))
        }
        return statistics
    }
}

extension XGBoostModel {
    /// Trains one booster per fold in lockstep (same settings and seed) and stops them together at the round
    /// with the lowest mean held-out log loss over the folds, `settings.earlyStoppingRounds` rounds after it
    /// last improved (0: every round).
    ///
    /// - Returns: the rounds kept, the rounds trained, and every fold's held-out probabilities at the rounds
    ///   kept, fold after fold.
    static func crossValidate(
        _ matrices: [(train: XGBoostMatrix, heldOut: XGBoostMatrix)], encodings: [Trainer.FoldEncoding],
        settings: Config.XGBoost, scalePosWeight: Double, seed: UInt64, nthread: Int, roundFinished: (Int) -> Void
    ) throws(XGBoostError) -> (rounds: Int, trained: Int, outOfFold: [Double]) {
        let parameters = Self.parameters(settings, seed: seed, nthread: nthread, scalePosWeight: scalePosWeight)
        var boosters: [XGBoostBooster] = []
        for pair in matrices {
            boosters.append(try XGBoostBooster(cache: [pair.train, pair.heldOut], parameters: parameters))
        }
        var best = (round: 0, loss: Double.infinity)
        var round = 0
        while round < settings.rounds {
            var sum = 0.0
            for (booster, pair) in zip(boosters, matrices) {
                try booster.update(round: round, train: pair.train)
                let line = try booster.evaluate(round: round, on: pair.heldOut, name: "heldout")
                guard let loss = Self.metric(line, name: "heldout-logloss"), loss.isFinite else {
                    throw XGBoostError(
                        operation: "cross-validating round \(round)",
                        message: "no finite log loss in \"\(line)\"; check the parameters")
                }
                sum += loss
            }
            let loss = sum / Double(boosters.count)
            round += 1
            roundFinished(round)
            if settings.earlyStoppingRounds == 0 || loss < best.loss { best = (round - 1, loss) }
            if settings.earlyStoppingRounds > 0, round - 1 - best.round >= settings.earlyStoppingRounds { break }
        }
        // XGBoost's own predictor gives the same probabilities as churnd's trees (the tests hold them to it),
        // without a trip through the JSON model for every fold of every setting.
        var outOfFold: [Double] = []
        for (booster, fold) in zip(boosters, encodings) {
            let kept = try booster.sliced(rounds: best.round + 1)
            let rows = fold.heldOutLabels.count
            let features = fold.heldOut.map(Float.init)
            var output = [Float](repeating: 0, count: rows)
            try features.withUnsafeBufferPointer { input throws(XGBoostError) in
                try output.withUnsafeMutableBufferPointer { out throws(XGBoostError) in
                    try kept.predict(input, rows: rows, width: fold.width, into: out)
                }
            }
            outOfFold += output.map(Double.init)
        }
        return (best.round + 1, round, outOfFold)
    }
}
