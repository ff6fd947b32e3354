#if canImport(Glibc)
    import Glibc
#endif

/// L2-regularised logistic regression with the objective of scikit-learn's `LogisticRegression(C:)`:
/// `C · Σ logloss + ½‖w‖²`, the intercept not penalised.
package struct LogisticRegression: Codable, Equatable, Sendable {
    package var intercept: Double
    package var coefficients: [Double]

    package init(intercept: Double, coefficients: [Double]) {
        self.intercept = intercept
        self.coefficients = coefficients
    }

    package struct FitReport: Sendable {
        package var iterations: Int
        package var objective: Double
        /// Largest absolute gradient component at the solution.
        package var gradientNorm: Double
    }

    /// Fits by Newton's method with a Cholesky solve and step halving. The problem is strictly convex, so this
    /// reaches the unique optimum to near machine precision in a handful of passes over the data.
    ///
    /// - Parameters:
    ///   - x: row-major matrix, `labels.count` rows of `width` columns.
    ///   - positiveWeight: weight of each positive row's loss (negative rows weigh 1), as scikit-learn's
    ///     `class_weight={1: w}`; 1 is the unweighted objective.
    ///   - passFinished: told the number of passes over the data so far, after each one.
    package static func fit(
        x: [Double], width d: Int, labels: [UInt8], c: Double = 1.0, positiveWeight: Double = 1.0,
        maxIterations: Int = 100, passFinished: (Int) -> Void = { _ in }
    ) -> (model: LogisticRegression, report: FitReport) {
        let n = labels.count
        let m = d + 1
        var theta = [Double](repeating: 0, count: m)
        var gradient = [Double](repeating: 0, count: m)
        var hessian = [Double](repeating: 0, count: m * m)
        var objective = Double.infinity
        var iterations = 0
        var gradientNorm = Double.infinity
        var step = [Double](repeating: 0, count: m)
        var previous = theta
        var scale = 1.0

        while iterations < maxIterations {
            iterations += 1
            let value = x.withUnsafeBufferPointer { xs in
                labels.withUnsafeBufferPointer { ys in
                    accumulate(
                        xs, ys, n: n, d: d, theta: theta, c: c, positiveWeight: positiveWeight, gradient: &gradient,
                        hessian: &hessian)
                }
            }
            passFinished(iterations)
            if value > objective * (1 + 1e-13) + 1e-12 && scale > 1e-6 {
                // The full step went uphill: halve it from the previous point.
                scale /= 2
                for j in 0..<m { theta[j] = previous[j] - scale * step[j] }
                continue
            }
            objective = value
            gradientNorm = gradient.map(abs).max() ?? 0
            guard Cholesky.solve(hessian, m: m, rhs: gradient, into: &step) else { break }
            previous = theta
            scale = 1
            var largest = 0.0
            for j in 0..<m {
                theta[j] -= step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-11 * (1 + (theta.map(abs).max() ?? 0)) { break }
        }
        let model = LogisticRegression(intercept: theta[0], coefficients: Array(theta[1...]))
        return (model, FitReport(iterations: iterations, objective: objective, gradientNorm: gradientNorm))
    }

    /// One pass: objective, gradient and Hessian (lower triangle mirrored) at `theta`.
    private static func accumulate(
        _ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<UInt8>, n: Int, d: Int, theta: [Double],
        c: Double, positiveWeight: Double, gradient: inout [Double], hessian: inout [Double]
    ) -> Double {
        let weighted = positiveWeight != 1
        let m = d + 1
        var loss = 0.0
        var g = [Double](repeating: 0, count: m)
        var h = [Double](repeating: 0, count: m * m)
        theta.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { g in
                h.withUnsafeMutableBufferPointer { h in
                    for i in 0..<n {
                        let row = x.baseAddress! + i * d
                        var z = t[0]
                        for j in 0..<d { z += t[j + 1] * row[j] }
                        let label = Double(y[i])
                        // log(1 + e^z) - y z, computed stably; the unweighted objective keeps its exact arithmetic.
                        let w = weighted && y[i] == 1 ? positiveWeight : 1
                        let rowLoss = (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - label * z
                        loss += weighted ? w * rowLoss : rowLoss
                        let p = Statistics.sigmoid(z)
                        let r = weighted ? w * (p - label) : p - label
                        let s = weighted ? w * (p * (1 - p)) : p * (1 - p)
                        g[0] += r
                        h[0] += s
                        for j in 0..<d {
                            let xj = row[j]
                            g[j + 1] += r * xj
                            let sx = s * xj
                            h[(j + 1) * m] += sx
                            let base = (j + 1) * m + 1
                            for k in 0...j { h[base + k] += sx * row[k] }
                        }
                    }
                }
            }
        }
        var penalty = 0.0
        for j in 1..<m { penalty += theta[j] * theta[j] }
        for j in 0..<m {
            gradient[j] = c * g[j] + (j > 0 ? theta[j] : 0)
            for k in 0...j {
                let value = c * h[j * m + k] + (j == k && j > 0 ? 1 : 0)
                hessian[j * m + k] = value
                hessian[k * m + j] = value
            }
        }
        return c * loss + 0.5 * penalty
    }

    /// Probability of the positive class for each row of a row-major matrix.
    package func predict(x: [Double], width d: Int) -> [Double] {
        let n = d == 0 ? 0 : x.count / d
        var out = [Double](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xs in
            for i in 0..<n {
                var z = intercept
                for j in 0..<d { z += coefficients[j] * xs[i * d + j] }
                out[i] = Statistics.sigmoid(z)
            }
        }
        return out
    }
}

/// Solves symmetric positive-definite systems; the matrices here are tiny (features + 1).
enum Cholesky {
    static func solve(_ a: [Double], m: Int, rhs: [Double], into x: inout [Double]) -> Bool {
        var l = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0...i {
                var sum = a[i * m + j]
                for k in 0..<j { sum -= l[i * m + k] * l[j * m + k] }
                if i == j {
                    guard sum > 0 else { return false }
                    l[i * m + i] = sum.squareRoot()
                } else {
                    l[i * m + j] = sum / l[j * m + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: m)
        for i in 0..<m {
            var sum = rhs[i]
            for k in 0..<i { sum -= l[i * m + k] * y[k] }
            y[i] = sum / l[i * m + i]
        }
        for i in stride(from: m - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<m { sum -= l[k * m + i] * x[k] }
            x[i] = sum / l[i * m + i]
        }
        return true
    }
}
