/// Number formatting for messages, independent of the locale: "3,000", "0.7312", "97%".
package enum NumberFormat {
    /// Thousands separated by commas: "1,234,567".
    package static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// "200", "0.5", "-3", "1e+300": a whole number below 10¹⁵ without a fraction, any other as Swift prints it
    /// (a number given where text is expected, a bound, a setting).
    package static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Fixed decimals, e.g. `fixed(0.73125, 4)` → "0.7313". A value beyond what fits (or not finite) is printed
    /// as Swift prints it ("1e+300", "nan"): figures computed from logs and files can be anything.
    package static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return "\(value)" }
        let whole = Int(scaled / scale)
        var fraction = String(Int(scaled) - whole * Int(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return decimals == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// `value` with at least `decimals` decimals, and more (up to 8) while rounding would hide which side of
    /// `threshold` it is on: a gain of 0.00497 against 0.005 prints "0.00497" (not "0.0050", which would read
    /// "0.0050 < 0.0050").
    package static func fixed(_ value: Double, against threshold: Double, _ decimals: Int) -> String {
        var places = decimals
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        while places < 8, value != threshold {
            let shown = (value * scale).rounded() / scale
            if shown != threshold, (shown >= threshold) == (value >= threshold) { break }
            places += 1
            scale *= 10
        }
        return fixed(value, places)
    }

    /// A share as a whole percentage, rounded down so "100%" is never claimed for less than all.
    package static func percent(_ share: Double) -> String {
        "\(Int((share * 100 + 1e-9).rounded(.down)))%"
    }

    /// Versions as "1–4" when consecutive, else "1, 2, 5"; "none" when empty.
    package static func versions(_ versions: [Int]) -> String {
        let sorted = versions.sorted()
        guard let first = sorted.first, let last = sorted.last else { return "none" }
        if sorted.count == 1 { return "\(first)" }
        if last - first + 1 == sorted.count { return "\(first)–\(last)" }
        return sorted.map(String.init).joined(separator: ", ")
    }
}
