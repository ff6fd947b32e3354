#if canImport(Glibc)
    import Glibc
#endif

/// Tail probabilities for the drift tests.
package enum Distributions {
    /// P(|Z| ≥ z) for a standard normal Z.
    package static func normalTwoSided(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// P(X ≥ x) for X chi-squared with `degrees` degrees of freedom.
    package static func chiSquaredSurvival(_ x: Double, degrees: Int) -> Double {
        guard degrees > 0 else { return 1 }
        guard x > 0 else { return 1 }
        return regularizedGammaQ(Double(degrees) / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): a power series below a + 1, a continued fraction above (Lentz's method).
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return min(1, exp(logPrefix) * h)
    }
}
