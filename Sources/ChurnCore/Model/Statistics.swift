/// Small numeric helpers shared by fitting and drift statistics.
package enum Statistics {
    /// Median with numpy's rule (mean of the two middle values for an even count); 0 for no values.
    /// Reorders `values`.
    package static func median(_ values: inout [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        values.sort()
        let mid = values.count / 2
        return values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }

    /// Quantile of sorted values by linear interpolation (numpy's default).
    package static func quantile(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let position = q * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] + (values[upper] - values[lower]) * fraction
    }

    @inline(__always)
    package static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)  // once: the same value both times
        return e / (1 + e)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
