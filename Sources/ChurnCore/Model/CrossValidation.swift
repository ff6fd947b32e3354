/// Stratified, seeded k-fold cross-validation over the rows a run may learn from (train + validation; never
/// the test rows): what a small data set uses instead of one validation split to choose a family, its settings
/// and the threshold.
///
/// Each class is shuffled on its own and dealt round-robin into the folds, the dealing carried on from one
/// class to the next, so every fold keeps the positive rate and fold sizes differ by at most one row. The same
/// rows, labels and seed give the same folds on every platform.
package struct Folds: Equatable, Sendable {
    /// The rows held out by each fold, sorted; together they are exactly the rows given.
    package let heldOut: [[Int]]

    package var count: Int { heldOut.count }

    /// - Parameters:
    ///   - rows: indices into `labels` to cross-validate (train + validation).
    ///   - seed: the run's seed; mixed with a constant so the folds do not repeat the split's shuffle.
    package init(rows: [Int], labels: [UInt8], folds k: Int, seed: UInt64) {
        precondition(k >= 2)
        var random = RandomSource(seed: seed ^ 0x6376_2D66_6F6C_6473)  // "cv-folds"
        var heldOut = [[Int]](repeating: [], count: k)
        var next = 0
        for cls: UInt8 in [0, 1] {
            var members = rows.filter { labels[$0] == cls }
            members.shuffle(using: &random)
            for row in members {
                heldOut[next].append(row)
                next = (next + 1) % k
            }
        }
        self.heldOut = heldOut.map { $0.sorted() }
    }

    /// The rows fold `fold` trains on: every other fold's, sorted.
    package func training(_ fold: Int) -> [Int] {
        heldOut.enumerated().filter { $0.offset != fold }.flatMap(\.element).sorted()
    }
}

/// One set of model settings a cross-validated run tried.
package struct ModelSettings: Codable, Equatable, Sendable, CustomStringConvertible {
    package var family: String
    /// Logistic regression's inverse L2 strength (scikit-learn's `C`).
    package var c: Double?
    /// Weight of the positive class's rows (`class_weight` / XGBoost's `scale_pos_weight`); 1 = unweighted.
    package var positiveWeight: Double
    package var maxDepth: Int?
    package var minChildWeight: Double?
    package var eta: Double?
    package var subsample: Double?
    /// XGBoost: the rounds the folds' early stopping kept (the best mean held-out log loss); the refit on
    /// every row trains this many × folds / (folds − 1).
    package var rounds: Int?

    package init(
        family: String, c: Double? = nil, positiveWeight: Double = 1, maxDepth: Int? = nil,
        minChildWeight: Double? = nil, eta: Double? = nil, subsample: Double? = nil, rounds: Int? = nil
    ) {
        self.family = family
        self.c = c
        self.positiveWeight = positiveWeight
        self.maxDepth = maxDepth
        self.minChildWeight = minChildWeight
        self.eta = eta
        self.subsample = subsample
        self.rounds = rounds
    }

    /// "C 0.1", "C 1 · positive weight 5.7", "max_depth 3 · min_child_weight 5 · eta 0.1 · subsample 0.8 ·
    /// 143 rounds".
    package var description: String {
        var parts: [String] = []
        if let c { parts.append("C \(NumberFormat.plain(c))") }
        if let maxDepth { parts.append("max_depth \(maxDepth)") }
        if let minChildWeight { parts.append("min_child_weight \(NumberFormat.plain(minChildWeight))") }
        if let eta { parts.append("eta \(NumberFormat.plain(eta))") }
        if let subsample { parts.append("subsample \(NumberFormat.plain(subsample))") }
        if let rounds { parts.append("\(rounds) rounds") }
        if positiveWeight != 1 {
            parts.append(
                "\(family == ModelFamily.xgboost.rawValue ? "scale_pos_weight" : "positive class weight") "
                    + NumberFormat.fixed(positiveWeight, 2))
        }
        return parts.joined(separator: " · ")
    }
}

/// What cross-validation found for one family: the settings it chose, how they did fold by fold, and every
/// setting tried. Recorded in the artifact and the registry's run, printed by `churnd train`.
package struct CrossValidationReport: Codable, Equatable, Sendable {
    /// One setting tried, with its out-of-fold F1 (at its own best threshold) and log loss.
    package struct Trial: Codable, Equatable, Sendable {
        package var settings: ModelSettings
        package var f1: Double
        package var logLoss: Double
    }

    package var folds: Int
    /// Rows cross-validated, and then refit on: train + validation.
    package var rows: Int
    /// F1 of the pooled out-of-fold predictions at `threshold` (the run's "validation F1").
    package var f1: Double
    /// Mean and sample standard deviation of the folds' F1 at `threshold`.
    package var f1Mean: Double
    package var f1Std: Double
    package var foldF1: [Double]
    /// Best F1 threshold of the pooled out-of-fold predictions; the refit model uses it.
    package var threshold: Double
    package var chosen: ModelSettings
    /// Every setting tried for this family, in the order tried (the configured one first).
    package var tried: [Trial]
    /// The search's work, in seconds of the reference machine (`ModelSearch.referenceSeconds`), and its budget
    /// (`training.search_budget_seconds`).
    package var searchSeconds: Double
    package var budgetSeconds: Double
    /// Why this family was chosen over one with a higher out-of-fold F1 (the one-standard-error rule); nil
    /// when it had the best F1.
    package var choice: String? = nil

    /// "5-fold CV F1 0.6012 ± 0.0153".
    package var summary: String {
        "\(folds)-fold CV F1 \(NumberFormat.fixed(f1Mean, 4)) ± \(NumberFormat.fixed(f1Std, 4))"
    }
}

/// The settings a cross-validated run tries, in a fixed, seeded order, and the budget that bounds the search.
package enum ModelSearch {
    /// A positive rate below this weighs the classes as one of the settings compared.
    package static let imbalancedBelow = 0.2

    /// Logistic regression's `C`: scikit-learn's default first (it wins ties), then stronger and weaker
    /// regularisation. Cheap, so always tried whole.
    static let logisticC: [Double] = [1, 0.1, 0.01, 10]

    static let depths = [2, 3, 4, 6]
    static let minChildWeights: [Double] = [1, 3, 10]
    static let etas: [Double] = [0.05, 0.1, 0.2]
    static let subsamples: [Double] = [0.8, 1.0]

    /// Logistic regression settings: each `C`, unweighted and (when imbalanced) with `positiveWeight`.
    static func logistic(positiveWeight: Double?) -> [ModelSettings] {
        let weights = [1.0] + (positiveWeight.map { [$0] } ?? [])
        return logisticC.flatMap { c in
            weights.map { ModelSettings(family: ModelFamily.logisticRegression.rawValue, c: c, positiveWeight: $0) }
        }
    }

    /// XGBoost settings: the configured ones first (and weighted, when imbalanced), then the grid of depth ×
    /// min_child_weight × eta × subsample (× weight) in an order shuffled by `seed`. The search takes them in
    /// this order until its budget is spent.
    static func xgboost(base: Config.XGBoost, positiveWeight: Double?, seed: UInt64) -> [ModelSettings] {
        let weights = [1.0] + (positiveWeight.map { [$0] } ?? [])
        func settings(_ depth: Int, _ mcw: Double, _ eta: Double, _ subsample: Double, _ w: Double) -> ModelSettings {
            ModelSettings(
                family: ModelFamily.xgboost.rawValue, positiveWeight: w, maxDepth: depth, minChildWeight: mcw,
                eta: eta, subsample: subsample)
        }
        let first = weights.map { settings(base.maxDepth, base.minChildWeight, base.eta, base.subsample, $0) }
        var grid: [ModelSettings] = []
        for depth in depths {
            for mcw in minChildWeights {
                for eta in etas {
                    for subsample in subsamples {
                        for w in weights {
                            let candidate = settings(depth, mcw, eta, subsample, w)
                            if !first.contains(candidate) { grid.append(candidate) }
                        }
                    }
                }
            }
        }
        var random = RandomSource(seed: seed ^ 0x7365_6172_6368_2121)  // "search!!"
        grid.shuffle(using: &random)
        return first + grid
    }

    /// The XGBoost configuration of `settings` (everything else as configured). A smaller eta gets
    /// proportionally more rounds and early-stopping patience, so it is not cut short.
    static func xgboostConfig(_ settings: ModelSettings, base: Config.XGBoost) -> Config.XGBoost {
        var x = base
        x.maxDepth = settings.maxDepth ?? base.maxDepth
        x.minChildWeight = settings.minChildWeight ?? base.minChildWeight
        x.eta = settings.eta ?? base.eta
        x.subsample = settings.subsample ?? base.subsample
        let stretch = max(1, base.eta / x.eta)
        x.rounds = Int((Double(base.rounds) * stretch).rounded())
        x.earlyStoppingRounds = Int((Double(base.earlyStoppingRounds) * stretch).rounded())
        return x
    }

    /// Processor seconds one XGBoost cross-validation of one setting takes on the reference machine (the
    /// shared 2-core machine of `bench/search-cost.sh`, 2 threads), estimated from the work done. Per boosting
    /// round and fold: a fixed cost (the round's bookkeeping, the held-out log loss, waking the threads), the
    /// split search (every node of the tree × every histogram bin: up to `maxBin` per numeric column, 2 per
    /// one-hot column), the histograms (rows × encoded columns × depth) and the gradients and predictions
    /// (rows × encoded columns). A count, not the clock, so the search stops at the same setting on every
    /// machine and the model is the same bit for bit.
    ///
    /// - Parameter rows: a fold's rows, training and held-out.
    static func xgboostSeconds(
        rounds: Int, folds: Int, rows: Int, width: Int, numeric: Int, maxBin: Int, depth: Int
    ) -> Double {
        let numeric = min(numeric, width)
        let bins = Double(numeric * max(2, min(maxBin, rows)) + (width - numeric) * 2)
        let cells = Double(rows) * Double(max(1, width))
        let perRound =
            xgboostRoundSeconds + xgboostNodeBinSeconds * Double(1 << min(depth, 20)) * bins
            + xgboostCellLevelSeconds * cells * Double(depth) + xgboostCellSeconds * cells
        return Double(rounds * folds) * perRound
    }

    /// Processor seconds of logistic regression's Newton passes on the reference machine: each pass reads
    /// every training row and adds its outer product to the Hessian (rows × (columns + 1)²).
    static func logisticSeconds(passes: Int, rows: Int, width: Int) -> Double {
        let m = Double(width + 1)
        return Double(passes) * Double(rows) * m * m * logisticCellSeconds
    }

    // Fitted on the reference machine (2 shared cores) to the processor time of XGBoost's lockstep rounds at
    // 455 to 64,000 rows, 30 to 73 encoded columns and depths 2, 4 and 6 (within a factor 0.55–1.4 of every
    // measurement), scaled to the time of the same rounds inside churnd (two thirds of it, measured setting
    // by setting at 1,000 and 2,500 rows), and to whole logistic regression searches at 1,000 to 10,000 rows.
    // `bench/search-cost.sh` compares the estimate with whole runs.
    static let xgboostRoundSeconds = 0.46e-3
    static let xgboostNodeBinSeconds = 0.52e-8
    static let xgboostCellLevelSeconds = 0.35e-9
    static let xgboostCellSeconds = 1.19e-9
    static let logisticCellSeconds = 3.9e-10
}
