/// Paired bootstrap of the F1 difference between two classifiers judged on the same rows.
///
/// Each row falls into one of 16 cells (the candidate's TP/FP/FN/TN outcome × the champion's), and F1 depends
/// only on cell counts, so a resample draws row cells and never touches probabilities again. Resampling rows
/// (not each model separately) keeps the pairing: a row that is hard for both moves both F1s together.
package struct PairedBootstrap: Sendable, Equatable {
    /// Cell of each row: 4 × candidate outcome + champion outcome, outcomes as in `outcome(_:_:_:)`.
    package let cells: [UInt8]

    /// - Parameters:
    ///   - labels: 1 positive, 0 negative, one per row.
    ///   - candidate, champion: each model's probabilities on the same rows, with its own threshold.
    package init(
        labels: [UInt8], candidate: [Double], candidateThreshold: Double, champion: [Double],
        championThreshold: Double
    ) {
        precondition(labels.count == candidate.count && labels.count == champion.count, "one prediction per row")
        var cells = [UInt8](repeating: 0, count: labels.count)
        for i in labels.indices {
            let c = Self.outcome(candidate[i] >= candidateThreshold, labels[i] == 1)
            let h = Self.outcome(champion[i] >= championThreshold, labels[i] == 1)
            cells[i] = c << 2 | h
        }
        self.cells = cells
    }

    /// 0 TN, 1 FP, 2 FN, 3 TP.
    @inline(__always)
    static func outcome(_ predicted: Bool, _ positive: Bool) -> UInt8 {
        (positive ? 2 : 0) | (predicted ? 1 : 0)
    }

    /// F1 of the candidate and the champion from cell counts.
    static func f1s(_ counts: [Int]) -> (candidate: Double, champion: Double) {
        var c = (tp: 0, fp: 0, fn: 0)
        var h = (tp: 0, fp: 0, fn: 0)
        for cell in 0..<16 where counts[cell] > 0 {
            let n = counts[cell]
            switch cell >> 2 {
            case 3: c.tp += n
            case 1: c.fp += n
            case 2: c.fn += n
            default: break
            }
            switch cell & 3 {
            case 3: h.tp += n
            case 1: h.fp += n
            case 2: h.fn += n
            default: break
            }
        }
        func f1(_ x: (tp: Int, fp: Int, fn: Int)) -> Double {
            let denominator = 2 * x.tp + x.fp + x.fn
            return denominator == 0 ? 0 : 2 * Double(x.tp) / Double(denominator)
        }
        return (f1(c), f1(h))
    }

    /// Share of `resamples` resamples in which the candidate's F1 is strictly higher than the champion's.
    /// Each resample draws `min(rows, maxRows)` rows with replacement, seeded by `seed`.
    package func winShare(resamples: Int, maxRows: Int, seed: UInt64) -> Double {
        let n = cells.count
        guard n > 0, resamples > 0 else { return 0 }
        let draws = min(n, max(1, maxRows))
        var random = RandomSource(seed: seed)
        var wins = 0
        var counts = [Int](repeating: 0, count: 16)
        cells.withUnsafeBufferPointer { cells in
            for _ in 0..<resamples {
                for k in 0..<16 { counts[k] = 0 }
                for _ in 0..<draws {
                    // Multiply-high maps 64 random bits to 0..<n without a division.
                    let index = Int(random.next().multipliedFullWidth(by: UInt64(n)).high)
                    counts[Int(cells[index])] += 1
                }
                let (candidate, champion) = Self.f1s(counts)
                if candidate > champion { wins += 1 }
            }
        }
        return Double(wins) / Double(resamples)
    }
}
