/// The drift check: the reference z-score, then distribution tests per feature and for the
/// predicted probability, combined by a Bonferroni rule so that false alarms stay rare.
///
/// Tests, each giving a p-value:
/// - numeric features and the probability: a z-test of the window mean against the training mean with the
///   standard error `σ·√(1/n + 1/N)` (the reference formula lacks `√n`), and a chi-squared test of the window
///   against training counts over training-quantile bins (catches shape changes the mean misses);
/// - categorical features: a chi-squared test of level counts against training counts, with levels unseen in
///   training pooled as their own bucket and missing values as another.
/// Each test also measures the size of the change, next to its p-value: the standardised mean difference
/// `|mean_recent − mean_train| / std_train` for means, the PSI over the bins for binned χ², and the largest
/// change of one level's share of rows for level mixes (levels unseen in training and missing values count as
/// levels, so one unseen value in 500 rows is a change of 0.2 %). With large windows or rare levels a tiny
/// difference is "significant"; a test therefore drifts only when its p-value is small AND its effect reaches
/// its floor (`minMeanShift`, `minBinPSI`, `minLevelShareChange`).
///
/// An alert fires when any test drifts, its p-value below its share of `familyAlpha` (a weighted Bonferroni
/// rule, so the chance of a false alarm per check stays below `familyAlpha`), or when the reference z-score
/// `|mean_recent − mean_train| / std_train` reaches `zThreshold` on a numeric feature. The primary tests —
/// feature means and level mixes, where the shifts that matter show first — get weight 1; the shape tests
/// (quantile bins) and the tests on the predicted probability get `secondaryWeight`, keeping power where it
/// counts: measured by `DriftSimulation`, see the `falseAlarmsAreRareAndShiftsAreDetected` test.
package struct DriftCheck: Sendable {
    package struct Settings: Codable, Equatable, Sendable {
        /// Reference rule: alert when |mean_recent − mean_train| / std_train ≥ this.
        package var zThreshold = 2.5
        /// Bound on the chance of a false alarm per check, split over the tests by weight (Bonferroni).
        package var familyAlpha = 0.006
        /// Weight of the shape and probability tests relative to the primary ones.
        package var secondaryWeight = 0.25
        /// Fewer records than this: "not enough data", no alert.
        package var minRecords = 100
        /// Effect floor of the mean tests: |mean_recent − mean_train| / std_train.
        package var minMeanShift = 0.1
        /// Effect floor of the binned χ² tests: PSI over the training-quantile bins.
        package var minBinPSI = 0.1
        /// Effect floor of the level-mix tests: the largest change of one level's share of rows.
        package var minLevelShareChange = 0.05
        package init() {}
    }

    package let settings: Settings

    package init(settings: Settings = Settings()) {
        self.settings = settings
    }

    package struct Test: Codable, Equatable, Sendable {
        package var feature: String
        /// "mean", "bins", "levels".
        package var kind: String
        package var statistic: Double
        package var pValue: Double
        /// Population stability index over the same bins/levels (smoothed).
        package var psi: Double?
        /// Significance level this test was held to.
        package var alpha: Double = 0
        /// Size of the change, in the unit of `kind`: standardised mean difference ("mean"), PSI ("bins"),
        /// largest change of one level's share of rows ("levels").
        package var effect: Double = 0
        /// Floor `effect` had to reach for the test to drift.
        package var minEffect: Double = 0
        /// The level whose share changed most ("levels" only).
        package var bucket: String? = nil
        /// p-value below `alpha` and effect at or above `minEffect`.
        package var drifted: Bool

        /// Below its significance level, whatever the effect.
        package var significant: Bool { pValue < alpha }

        /// Both halves of the rule in one line: "plan_type levels: p 9e-14 (threshold 0.001), largest share
        /// change 0.2 % (<unseen>) (floor 5.0 %): below the floor, no drift".
        package var line: String {
            let verdict = drifted ? "drift" : (significant ? "below the floor, no drift" : "not significant, no drift")
            return "\(feature) \(kind): p \(formatP(pValue)) (threshold \(formatP(alpha))), "
                + "\(DriftCheck.effectText(self)) (floor \(DriftCheck.effectValue(minEffect, kind))): \(verdict)"
        }
    }

    package struct FeatureSummary: Codable, Equatable, Sendable {
        package var feature: String
        package var kind: FeatureStatistics.Kind
        package var count: Int
        /// Reference z-score (numeric only).
        package var referenceZ: Double?
        package var trainMean: Double?
        package var recentMean: Double?
        /// Training vs recent share per bin (numeric: bin labels; categorical: levels).
        package var buckets: [String]
        package var trainShares: [Double]
        package var recentShares: [Double]
        /// Recent values that are no level of the model's training, after normalisation (categorical only).
        package var unseen: Int? = nil
    }

    package struct Report: Codable, Equatable, Sendable {
        package var records: Int
        package var enoughData: Bool
        package var alert: Bool
        /// One sentence: the strongest evidence, e.g. "num_complaints mean 1.52 vs 1.20 (z 6.1, p 1e-9)".
        package var reason: String
        package var tests: [Test]
        package var features: [FeatureSummary]
    }

    /// Runs every test of `window` against `reference` (the serving version's training statistics).
    package func run(_ window: DriftWindow, reference: [FeatureStatistics]) -> Report {
        guard window.count >= settings.minRecords else {
            return Report(
                records: window.count, enoughData: false, alert: false,
                reason: "not enough data: \(window.count) records, need \(settings.minRecords)", tests: [],
                features: [])
        }
        var tests: [Test] = []
        var features: [FeatureSummary] = []
        var referenceAlerts: [String] = []
        for stats in reference {
            switch stats.kind {
            case .numeric, .probability:
                let values = stats.kind == .probability ? window.probabilities : window.numeric[stats.name] ?? []
                guard values.count >= 2 else { continue }
                let (featureTests, summary) = numericTests(values, stats)
                tests += featureTests
                features.append(summary)
                if stats.kind == .numeric, let z = summary.referenceZ, z >= settings.zThreshold {
                    referenceAlerts.append(
                        "\(stats.name): reference z \(format(z, 2)) ≥ \(format(settings.zThreshold, 1))")
                }
            case .categorical:
                guard let levels = window.categorical[stats.name], !levels.isEmpty else { continue }
                let (test, summary) = categoricalTest(levels, stats)
                tests.append(test)
                features.append(summary)
            }
        }
        let weights = tests.map { isPrimary($0, reference) ? 1 : settings.secondaryWeight }
        let totalWeight = weights.reduce(0, +)
        for index in tests.indices {
            tests[index].alpha = totalWeight > 0 ? settings.familyAlpha * weights[index] / totalWeight : 0
            tests[index].drifted = tests[index].significant && tests[index].effect >= tests[index].minEffect
        }
        // Strongest evidence relative to each test's own level: among the drifted tests, else among all.
        func strength(_ test: Test) -> Double { test.pValue / max(test.alpha, 1e-300) }
        let strongest =
            tests.filter(\.drifted).min { strength($0) < strength($1) } ?? tests.min { strength($0) < strength($1) }
        let alert = tests.contains(where: \.drifted) || !referenceAlerts.isEmpty
        var reason = "no drift"
        if let first = referenceAlerts.first {
            reason = first
        } else if let strongest, strongest.drifted {
            reason = describe(strongest, features.first { $0.feature == strongest.feature })
        } else if let strongest, strongest.significant {
            reason =
                "no drift (\(strongest.feature) \(testNoun(strongest.kind)) has p \(formatP(strongest.pValue)) but "
                + "\(effectText(strongest)) is below its floor \(effectValue(strongest.minEffect, strongest.kind)))"
        } else if let strongest {
            reason =
                "no drift (smallest p \(formatP(strongest.pValue)) on \(strongest.feature), its threshold \(formatP(strongest.alpha)))"
        }
        return Report(
            records: window.count, enoughData: true, alert: alert, reason: reason, tests: tests, features: features)
    }

    func isPrimary(_ test: Test, _ reference: [FeatureStatistics]) -> Bool {
        let kind = reference.first { $0.name == test.feature }?.kind
        return kind != .probability && test.kind != "bins"
    }

    func numericTests(_ values: [Double], _ stats: FeatureStatistics) -> ([Test], FeatureSummary) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let trainMean = stats.mean ?? 0
        let trainStd = stats.std ?? 0
        let trainCount = Double(max(stats.count, 1))
        var tests: [Test] = []
        var referenceZ: Double?
        if trainStd > 0 {
            referenceZ = abs(mean - trainMean) / trainStd
            let z = abs(mean - trainMean) / (trainStd * (1 / n + 1 / trainCount).squareRoot())
            tests.append(
                Test(
                    feature: stats.name, kind: "mean", statistic: z, pValue: Distributions.normalTwoSided(z), psi: nil,
                    effect: referenceZ ?? 0, minEffect: settings.minMeanShift, drifted: false))
        } else if values.contains(where: { $0 != trainMean }) {
            // Constant in training, varying now: that is drift, without dividing by zero.
            tests.append(
                Test(
                    feature: stats.name, kind: "mean", statistic: .infinity, pValue: 0, psi: nil, effect: .infinity,
                    minEffect: settings.minMeanShift, drifted: false))
        }
        let edges = stats.binEdges ?? []
        var counts = [Double](repeating: 0, count: edges.count + 1)
        for value in values { counts[Self.bin(of: value, edges: edges)] += 1 }
        let trainShares = stats.binShares ?? [1]
        if trainShares.count == counts.count, counts.count > 1 {
            let (chi, degrees) = Self.homogeneity(trainShares.map { $0 * trainCount }, counts)
            let psi = Self.psi(expected: trainShares, observed: counts.map { $0 / n })
            tests.append(
                Test(
                    feature: stats.name, kind: "bins", statistic: chi,
                    pValue: Distributions.chiSquaredSurvival(chi, degrees: degrees), psi: psi, effect: psi,
                    minEffect: settings.minBinPSI, drifted: false))
        }
        let labels = Self.binLabels(edges)
        let summary = FeatureSummary(
            feature: stats.name, kind: stats.kind, count: values.count, referenceZ: referenceZ, trainMean: trainMean,
            recentMean: mean, buckets: labels, trainShares: trainShares.count == counts.count ? trainShares : [],
            recentShares: counts.map { $0 / n })
        return (tests, summary)
    }

    func categoricalTest(_ levels: [String?], _ stats: FeatureStatistics) -> (Test, FeatureSummary) {
        let frequencies = stats.frequencies ?? [:]
        let known = frequencies.keys.sorted()
        var index: [String: Int] = [:]
        for (k, level) in known.enumerated() { index[level] = k }
        let unseen = known.count
        let missing = known.count + 1
        var counts = [Double](repeating: 0, count: known.count + 2)
        // Logged values are compared as the model saw them: normalised as its training was.
        let normalization = stats.normalize ?? .trim
        for level in levels {
            if let level {
                counts[index[normalization.apply(level)] ?? unseen] += 1
            } else {
                counts[missing] += 1
            }
        }
        let trainCount = Double(stats.count + stats.missing)
        let presentShare = trainCount > 0 ? Double(stats.count) / trainCount : 1
        var trainShares = known.map { frequencies[$0]! * presentShare }
        trainShares.append(0)
        trainShares.append(trainCount > 0 ? Double(stats.missing) / trainCount : 0)
        let (chi, degrees) = Self.homogeneity(trainShares.map { $0 * trainCount }, counts)
        let n = Double(levels.count)
        let buckets = known + ["<unseen>", "<missing>"]
        let recentShares = counts.map { $0 / n }
        // The largest change of one bucket's share of rows; the first on a tie.
        var largest = (change: 0.0, bucket: buckets[0])
        for k in buckets.indices where abs(recentShares[k] - trainShares[k]) > largest.change {
            largest = (abs(recentShares[k] - trainShares[k]), buckets[k])
        }
        let test = Test(
            feature: stats.name, kind: "levels", statistic: chi,
            pValue: Distributions.chiSquaredSurvival(chi, degrees: degrees),
            psi: Self.psi(expected: trainShares, observed: recentShares), effect: largest.change,
            minEffect: settings.minLevelShareChange, bucket: largest.bucket, drifted: false)
        let summary = FeatureSummary(
            feature: stats.name, kind: .categorical, count: levels.count, referenceZ: nil, trainMean: nil,
            recentMean: nil, buckets: buckets, trainShares: trainShares, recentShares: recentShares,
            unseen: Int(counts[unseen]))
        return (test, summary)
    }

    /// Chi-squared test of homogeneity for two rows of counts; buckets empty in both rows are dropped.
    static func homogeneity(_ a: [Double], _ b: [Double]) -> (statistic: Double, degrees: Int) {
        let totalA = a.reduce(0, +)
        let totalB = b.reduce(0, +)
        let total = totalA + totalB
        guard totalA > 0, totalB > 0 else { return (0, 0) }
        var chi = 0.0
        var used = 0
        for (x, y) in zip(a, b) where x + y > 0 {
            used += 1
            let expectedA = totalA * (x + y) / total
            let expectedB = totalB * (x + y) / total
            chi += (x - expectedA) * (x - expectedA) / expectedA + (y - expectedB) * (y - expectedB) / expectedB
        }
        return (chi, max(used - 1, 0))
    }

    /// PSI with empty-bin smoothing (shares floored at 1e-4).
    static func psi(expected: [Double], observed: [Double]) -> Double {
        var total = 0.0
        for (e, o) in zip(expected, observed) where e > 0 || o > 0 {
            let p = max(e, 1e-4)
            let q = max(o, 1e-4)
            total += (q - p) * log(q / p)
        }
        return total
    }

    /// Bins are (-∞, e₀], (e₀, e₁], …, (eₖ, ∞).
    static func bin(of value: Double, edges: [Double]) -> Int {
        var lo = 0
        var hi = edges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if value <= edges[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Labels for the bins: `≤ 7`, `7–13` (meaning above 7 up to 13), `> 53`; a bin holding one integer
    /// (counts, months) is labeled by that integer.
    static func binLabels(_ edges: [Double]) -> [String] {
        guard !edges.isEmpty else { return ["all"] }
        var labels = ["≤ \(compact(edges[0]))"]
        for k in 1..<max(edges.count, 1) where k < edges.count {
            let (lo, hi) = (edges[k - 1], edges[k])
            labels.append(lo == lo.rounded() && hi == lo + 1 ? compact(hi) : "\(compact(lo))–\(compact(hi))")
        }
        labels.append("> \(compact(edges[edges.count - 1]))")
        return labels
    }

    /// A number with at most two decimals and no trailing zeros.
    static func compact(_ value: Double) -> String {
        var text = format(value, 2)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    func describe(_ test: Test, _ summary: FeatureSummary?) -> String {
        switch test.kind {
        case "mean":
            let recent = summary?.recentMean.map { format($0, 3) } ?? "?"
            let train = summary?.trainMean.map { format($0, 3) } ?? "?"
            return
                "\(test.feature) mean \(recent) vs \(train) in training (z \(format(test.statistic, 1)), p \(formatP(test.pValue)), "
                + "\(effectText(test)))"
        case "bins":
            return "\(test.feature) distribution changed (χ² \(format(test.statistic, 1)), p \(formatP(test.pValue)), "
                + "PSI \(format(test.psi ?? 0, 2)))"
        default:
            return "\(test.feature) level mix changed (χ² \(format(test.statistic, 1)), p \(formatP(test.pValue)), "
                + "PSI \(format(test.psi ?? 0, 2)), \(effectText(test)))"
        }
    }

    /// "mean test", "binned distribution", "level mix": what a test of `kind` looks at.
    func testNoun(_ kind: String) -> String {
        switch kind {
        case "mean": return "mean"
        case "bins": return "binned distribution"
        default: return "level mix"
        }
    }

    /// A test's effect in words: "shift 0.27 sd", "PSI 0.04", "largest share change 0.2 % (<unseen>)".
    package static func effectText(_ test: Test) -> String {
        switch test.kind {
        case "mean": return "shift \(effectValue(test.effect, test.kind))"
        case "bins": return "PSI \(effectValue(test.effect, test.kind))"
        default:
            return "largest share change \(effectValue(test.effect, test.kind))"
                + (test.bucket.map { " (\($0))" } ?? "")
        }
    }

    /// An effect size or floor in the unit of a test of `kind`: "0.27 sd", "0.04", "5.0 %".
    package static func effectValue(_ value: Double, _ kind: String) -> String {
        switch kind {
        case "mean": return "\(format(value, 2)) sd"
        case "bins": return format(value, 3)
        default: return "\(format(value * 100, 1)) %"
        }
    }

    func effectText(_ test: Test) -> String { Self.effectText(test) }
    func effectValue(_ value: Double, _ kind: String) -> String { Self.effectValue(value, kind) }
}

/// Fixed decimals for messages; statistics can be infinite (a feature constant in training that moved).
package func format(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "∞" : "-∞" }
    return NumberFormat.fixed(value, decimals)
}

/// A p-value for messages: "0.034" or "3e-9" (one significant digit below 0.001).
package func formatP(_ p: Double) -> String {
    if p >= 0.001 { return format(p, 3) }
    if p <= 0 { return "<1e-300" }
    guard p.isFinite else { return format(p, 3) }  // NaN, from statistics of values that overflow
    var exponent = Int(log10(p).rounded(.down))
    var mantissa = Int((p / pow(10, Double(exponent))).rounded())
    // 0.00096 is 9.6e-4, which rounds to 10e-4: carry into the exponent.
    if mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    return exponent >= -3 ? format(Double(mantissa) * pow(10, Double(exponent)), 3) : "\(mantissa)e\(exponent)"
}

#if canImport(Glibc)
    import Glibc
#endif
