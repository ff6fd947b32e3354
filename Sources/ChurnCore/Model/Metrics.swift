#if canImport(Glibc)
    import Glibc
#endif

/// Classification metrics on a held-out split.
package struct Metrics: Codable, Equatable, Sendable {
    package var rows: Int
    package var positives: Int
    package var threshold: Double
    package var f1: Double
    package var precision: Double
    package var recall: Double
    package var accuracy: Double
    /// nil when the split holds only one class.
    package var rocAUC: Double?
    package var logLoss: Double
    package var truePositives: Int
    package var falsePositives: Int
    package var trueNegatives: Int
    package var falseNegatives: Int
    /// F1 of predicting everything positive, 2p/(1+p); predicting everything negative scores 0.
    package var f1AllPositive: Double

    /// Computes every metric for predictions `probabilities` against `labels` at `threshold`
    /// (positive when probability ≥ threshold). Precision and F1 are 0 when nothing is predicted positive.
    package init(probabilities: [Double], labels: [UInt8], threshold: Double) {
        let counts = Confusion(probabilities: probabilities, labels: labels, threshold: threshold)
        rows = labels.count
        positives = counts.tp + counts.fn
        self.threshold = threshold
        truePositives = counts.tp
        falsePositives = counts.fp
        trueNegatives = counts.tn
        falseNegatives = counts.fn
        f1 = counts.f1
        precision = counts.tp + counts.fp == 0 ? 0 : Double(counts.tp) / Double(counts.tp + counts.fp)
        recall = positives == 0 ? 0 : Double(counts.tp) / Double(positives)
        accuracy = rows == 0 ? 0 : Double(counts.tp + counts.tn) / Double(rows)
        rocAUC = Self.rocAUC(probabilities: probabilities, labels: labels)
        logLoss = Self.logLoss(probabilities: probabilities, labels: labels)
        let rate = rows == 0 ? 0 : Double(positives) / Double(rows)
        f1AllPositive = rate == 0 ? 0 : 2 * rate / (1 + rate)
    }

    /// Area under the ROC curve from average ranks, so tied scores count one half.
    package static func rocAUC(probabilities: [Double], labels: [UInt8]) -> Double? {
        let n = labels.count
        let positives = labels.reduce(0) { $0 + Int($1) }
        let negatives = n - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var rankSum = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n, probabilities[order[j + 1]] == probabilities[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { rankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15].
    package static func logLoss(probabilities: [Double], labels: [UInt8]) -> Double {
        guard !labels.isEmpty else { return 0 }
        var sum = 0.0
        for (p, y) in zip(probabilities, labels) {
            let q = min(max(p, 1e-15), 1 - 1e-15)
            sum -= y == 1 ? log(q) : log(1 - q)
        }
        return sum / Double(labels.count)
    }

    /// The threshold among the distinct scores that maximises F1 (positive when score ≥ threshold);
    /// on equal F1 the larger threshold wins, predicting fewer positives.
    package static func bestF1Threshold(probabilities: [Double], labels: [UInt8]) -> (threshold: Double, f1: Double) {
        let positives = labels.reduce(0) { $0 + Int($1) }
        guard positives > 0 else { return (1, 0) }
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        var tp = 0
        var fp = 0
        var best = (threshold: 1.0, f1: 0.0)
        var i = 0
        while i < order.count {
            let score = probabilities[order[i]]
            while i < order.count, probabilities[order[i]] == score {
                if labels[order[i]] == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            let f1 = 2 * Double(tp) / Double(2 * tp + fp + (positives - tp))
            if f1 > best.f1 { best = (score, f1) }
        }
        return best
    }
}

/// Counts of a confusion matrix.
package struct Confusion: Equatable, Sendable {
    package var tp = 0, fp = 0, tn = 0, fn = 0

    package init(probabilities: [Double], labels: [UInt8], threshold: Double) {
        for (p, y) in zip(probabilities, labels) {
            switch (p >= threshold, y == 1) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
    }

    package var f1: Double {
        2 * tp + fp + fn == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn)
    }
}
