/// A gradient-boosted tree model trained with XGBoost's C library, as stored in the artifact.
///
/// `booster` is XGBoost's own JSON model format (what `Booster.save_model("model.json")` writes), cut to the
/// best round found by early stopping, with the encoded feature names set. A Python user loads it with
/// `xgboost.Booster(model_file=…)` and gets churnd's probabilities on rows encoded by the artifact's
/// `preprocessing` (`churnd train` also writes it next to the artifact as `model.xgb.json`).
package struct XGBoostModel: Codable, Equatable, Sendable {
    package var booster: String
    /// Zero-based round with the lowest validation log loss (the last round when early stopping is off); the
    /// booster holds rounds `0...bestIteration`.
    package var bestIteration: Int
    /// Rounds trained before early stopping ended training.
    package var roundsTrained: Int
    /// The parameters XGBoost was given (nthread included), for the record.
    package var parameters: [String: String]
    /// Version of the XGBoost library that trained the booster.
    package var libraryVersion: String

    /// XGBoost parameters for binary churn from `settings`; `scale_pos_weight` only when it is not 1.
    static func parameters(
        _ settings: Config.XGBoost, seed: UInt64, nthread: Int, scalePosWeight: Double = 1
    ) -> [(String, String)] {
        let weight = scalePosWeight == 1 ? [] : [("scale_pos_weight", "\(scalePosWeight)")]
        return weight + [
            ("objective", "binary:logistic"),
            ("eval_metric", "logloss"),
            ("tree_method", settings.treeMethod),
            ("max_depth", String(settings.maxDepth)),
            ("eta", "\(settings.eta)"),
            ("min_child_weight", "\(settings.minChildWeight)"),
            ("subsample", "\(settings.subsample)"),
            ("colsample_bytree", "\(settings.colsampleBytree)"),
            ("lambda", "\(settings.lambda)"),
            ("max_bin", String(settings.maxBin)),
            ("seed", String(seed % (1 << 31))),
            ("nthread", String(nthread)),
            ("verbosity", "1"),
        ]
    }

    /// Trains on `train` with early stopping on the validation log loss.
    ///
    /// - Parameter roundFinished: told the number of rounds done after each one.
    /// - Returns: the model cut to its best round.
    static func fit(
        train: [Double], trainLabels: [UInt8], validation: [Double], validationLabels: [UInt8], width: Int,
        featureNames: [String], featureTypes: [String], settings: Config.XGBoost, seed: UInt64, nthread: Int,
        roundFinished: (Int) -> Void = { _ in }
    ) throws(XGBoostError) -> XGBoostModel {
        let threads = max(1, nthread)
        let trainMatrix = try XGBoostMatrix(values: train, width: width, labels: trainLabels, nthread: threads)
        let validationMatrix = try XGBoostMatrix(
            values: validation, width: width, labels: validationLabels, nthread: threads)
        let parameters = Self.parameters(settings, seed: seed, nthread: threads)
        let booster = try XGBoostBooster(cache: [trainMatrix, validationMatrix], parameters: parameters)
        var best = (round: 0, loss: Double.infinity)
        var round = 0
        while round < settings.rounds {
            try booster.update(round: round, train: trainMatrix)
            let line = try booster.evaluate(round: round, on: validationMatrix, name: "validation")
            guard let loss = Self.metric(line, name: "validation-logloss") else {
                throw XGBoostError(operation: "evaluating round \(round)", message: "no log loss in \"\(line)\"")
            }
            guard loss.isFinite else {
                throw XGBoostError(
                    operation: "training round \(round)",
                    message: "validation log loss is \(loss); check the parameters")
            }
            round += 1
            roundFinished(round)
            // early_stopping_rounds = 0 keeps every round (a model of exactly `rounds` trees).
            if settings.earlyStoppingRounds == 0 {
                best = (round - 1, loss)
                continue
            }
            if loss < best.loss { best = (round - 1, loss) }
            if round - 1 - best.round >= settings.earlyStoppingRounds { break }
        }
        let kept = try booster.sliced(rounds: best.round + 1)
        try kept.setFeatures(names: featureNames, types: featureTypes)
        return XGBoostModel(
            booster: try kept.json(), bestIteration: best.round, roundsTrained: round,
            parameters: Dictionary(parameters, uniquingKeysWith: { $1 }), libraryVersion: xgboostLibraryVersion())
    }

    /// Trains exactly `rounds` rounds on `train`, with no held-out rows: the refit of settings chosen by
    /// cross-validation, whose folds' early stopping gave `rounds`.
    static func refit(
        train: [Double], trainLabels: [UInt8], width: Int, featureNames: [String], featureTypes: [String],
        settings: Config.XGBoost, scalePosWeight: Double, rounds: Int, seed: UInt64, nthread: Int,
        roundFinished: (Int) -> Void = { _ in }
    ) throws(XGBoostError) -> XGBoostModel {
        let threads = max(1, nthread)
        let trainMatrix = try XGBoostMatrix(values: train, width: width, labels: trainLabels, nthread: threads)
        let parameters = Self.parameters(settings, seed: seed, nthread: threads, scalePosWeight: scalePosWeight)
        let booster = try XGBoostBooster(cache: [trainMatrix], parameters: parameters)
        for round in 0..<max(1, rounds) {
            try booster.update(round: round, train: trainMatrix)
            roundFinished(round + 1)
        }
        try booster.setFeatures(names: featureNames, types: featureTypes)
        return XGBoostModel(
            booster: try booster.json(), bestIteration: max(1, rounds) - 1, roundsTrained: max(1, rounds),
            parameters: Dictionary(parameters, uniquingKeysWith: { $1 }), libraryVersion: xgboostLibraryVersion())
    }

    /// The value of `name` in an evaluation line such as `[3]\tvalidation-logloss:0.612`.
    static func metric(_ line: String, name: String) -> Double? {
        for part in line.split(whereSeparator: { $0 == "\t" || $0 == " " }) where part.hasPrefix(name + ":") {
            return Double(part.dropFirst(name.count + 1))
        }
        return nil
    }

    /// XGBoost feature types for the encoded columns: "q" (quantitative) for numerics, "i" (indicator) for one-hot.
    static func featureTypes(_ preprocessing: Preprocessing) -> [String] {
        Array(repeating: "q", count: preprocessing.numeric.count)
            + Array(repeating: "i", count: preprocessing.width - preprocessing.numeric.count)
    }
}
