import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), enough to check what `/metrics` renders:
/// every line a HELP, TYPE or sample line; every sample's family declared by a TYPE line before it; label
/// values quoted with their escapes; histogram buckets cumulative and ending in `+Inf` equal to `_count`.
package struct MetricsText {
    package struct Sample: Equatable, Sendable {
        package var name: String
        package var labels: [String: String]
        package var value: Double
    }

    package struct Problem: Error, CustomStringConvertible {
        var line: Int
        var message: String
        package var description: String { "line \(line): \(message)" }
    }

    package var types: [String: String] = [:]
    package var help: [String: String] = [:]
    package var samples: [Sample] = []

    package init(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw Problem(line: 0, message: "the text must end with a newline") }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count == 4, Self.isName(parts[2]) else {
                    throw Problem(line: number, message: "bad \(line)")
                }
                if parts[1] == "TYPE" {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3])) else {
                        throw Problem(line: number, message: "unknown type \(parts[3])")
                    }
                    guard types[String(parts[2])] == nil else { throw Problem(line: number, message: "second TYPE") }
                    types[String(parts[2])] = String(parts[3])
                } else {
                    help[String(parts[2])] = String(parts[3])
                }
                continue
            }
            guard !line.hasPrefix("#"), !line.isEmpty else {
                throw Problem(line: number, message: "unexpected \(line)")
            }
            let sample = try Self.sample(line, number: number)
            guard types[family(of: sample.name)] != nil else {
                throw Problem(line: number, message: "\(sample.name) has no TYPE line before it")
            }
            samples.append(sample)
        }
        try checkHistograms()
    }

    /// The family a sample belongs to: histogram samples carry `_bucket`, `_sum`, `_count`.
    package func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" { return base }
        }
        return name
    }

    /// The value of the one sample with exactly these labels, or nil.
    package func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    package func series(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    private func checkHistograms() throws {
        for (name, type) in types where type == "histogram" {
            var groups: [[String: String]: [(Double, Double)]] = [:]
            for sample in series("\(name)_bucket") {
                var labels = sample.labels
                guard let le = labels.removeValue(forKey: "le") else {
                    throw Problem(line: 0, message: "\(name) bucket without le")
                }
                groups[labels, default: []].append((le == "+Inf" ? .infinity : Double(le) ?? .nan, sample.value))
            }
            for (labels, buckets) in groups {
                let sorted = buckets.sorted { $0.0 < $1.0 }
                guard sorted.last?.0 == .infinity else { throw Problem(line: 0, message: "\(name) has no +Inf bucket") }
                for (a, b) in zip(sorted, sorted.dropFirst()) where b.1 < a.1 {
                    throw Problem(line: 0, message: "\(name) buckets are not cumulative")
                }
                guard value("\(name)_count", labels) == sorted.last?.1, value("\(name)_sum", labels) != nil else {
                    throw Problem(line: 0, message: "\(name) +Inf bucket differs from _count or _sum is missing")
                }
            }
        }
    }

    static func isName<S: StringProtocol>(_ name: S) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == ":" }
    }

    /// `name{a="x",b="y\"z"} 1.5`
    static func sample(_ line: Substring, number: Int) throws -> Sample {
        let chars = Array(line)
        var i = 0
        while i < chars.count, chars[i] != "{", chars[i] != " " { i += 1 }
        let name = String(chars[0..<i])
        guard isName(name) else { throw Problem(line: number, message: "bad metric name in \(line)") }
        var labels: [String: String] = [:]
        if i < chars.count, chars[i] == "{" {
            i += 1
            while i < chars.count, chars[i] != "}" {
                var key = ""
                while i < chars.count, chars[i] != "=" { key.append(chars[i]); i += 1 }
                guard isName(key), i + 1 < chars.count, chars[i + 1] == "\"" else {
                    throw Problem(line: number, message: "bad label in \(line)")
                }
                i += 2
                var value = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": value.append("\n")
                        case "\\", "\"": value.append(chars[i])
                        default: throw Problem(line: number, message: "bad escape in \(line)")
                        }
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw Problem(line: number, message: "unterminated value in \(line)") }
                i += 1
                guard labels.updateValue(value, forKey: key) == nil else {
                    throw Problem(line: number, message: "label \(key) twice in \(line)")
                }
                if i < chars.count, chars[i] == "," { i += 1 }
            }
            guard i < chars.count else { throw Problem(line: number, message: "unterminated labels in \(line)") }
            i += 1
        }
        guard i < chars.count, chars[i] == " " else { throw Problem(line: number, message: "no value in \(line)") }
        let rest = String(chars[(i + 1)...]).split(separator: " ")
        guard (1...2).contains(rest.count), let value = Double(rest[0].replacingOccurrences(of: "+Inf", with: "inf"))
        else { throw Problem(line: number, message: "bad value in \(line)") }
        return Sample(name: name, labels: labels, value: value)
    }
}
