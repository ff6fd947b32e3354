/// Where each schema column sits in one file's header.
package struct HeaderBinding: Sendable {
    package let header: [String]
    /// Field index of each numeric feature, in schema order.
    package let numeric: [Int]
    /// Field index of each categorical feature, in schema order.
    package let categorical: [Int]
    package let id: Int?
    package let label: Int?

    /// Binds `header` to `schema`. Columns match by exact name after trimming spaces, in any order.
    /// Fails, naming every missing column, when a feature (or the label, if `requireLabel`) is absent,
    /// and when a column the schema uses appears twice.
    package init(header rawHeader: [String], schema: Schema, requireLabel: Bool, path: String) throws {
        let header = rawHeader.map { String($0.trimmingSpaces()) }
        self.header = header
        var positions: [String: [Int]] = [:]
        for (index, name) in header.enumerated() { positions[name, default: []].append(index) }
        let used = schema.features + [schema.id] + (requireLabel ? [schema.label] : [])
        for name in used {
            if let found = positions[name], found.count > 1 {
                let columns = found.map { String($0 + 1) }.joined(separator: " and ")
                throw ChurnError.badInput(
                    path: path, line: 1, column: name,
                    message: "column \"\(name)\" appears twice in the header (fields \(columns)); keep one")
            }
        }
        let required = schema.features + (requireLabel ? [schema.label] : [])
        let missing = required.filter { positions[$0] == nil }
        if !missing.isEmpty {
            let list = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            let shown = header.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
            let hint = Self.foreignDelimiter(in: header).map {
                "; looks like a \($0)-separated file; churnd reads comma-separated CSV"
            }
            throw ChurnError.badInput(
                path: path, line: 1, column: nil,
                message: "header lacks required column\(missing.count > 1 ? "s" : "") \(list); header is \(shown)"
                    + (hint ?? ""))
        }
        numeric = schema.numeric.map { positions[$0]![0] }
        categorical = schema.categorical.map { positions[$0]![0] }
        id = positions[schema.id]?.first
        label = positions[schema.label]?.first
    }
}

extension HeaderBinding {
    /// "semicolon", "tab" or "pipe" when a header that did not split on commas (one field) splits on that
    /// delimiter instead; nil otherwise. The delimiter giving the most columns wins.
    package static func foreignDelimiter(in header: [String]) -> String? {
        guard header.count == 1 else { return nil }
        let candidates: [(Character, String)] = [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")]
        let counts = candidates.map { delimiter, name in (name, header[0].split(separator: delimiter).count) }
        guard let best = counts.max(by: { $0.1 < $1.1 }), best.1 > 1 else { return nil }
        return best.0
    }
}

/// Checks applied to fields as they are read.
package enum FieldCheck {
    /// The bytes with leading and trailing spaces and tabs removed.
    @inline(__always)
    package static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0
        var hi = bytes.count
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[lo..<hi])
    }

    /// True when the bytes are valid UTF-8 (fast for ASCII).
    @inline(__always)
    package static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 {
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
        return true
    }

    /// A short, printable rendering of a field for error reports.
    package static func display(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = 120) -> String {
        let text = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
        if text.count > limit || bytes.count > limit * 4 { return String(text.prefix(limit)) + "…" }
        return text
    }
}

/// A set of byte strings compared without allocating, e.g. the configured missing-value markers.
package struct ByteStringSet: Sendable {
    let members: [[UInt8]]

    package init(_ strings: [String]) {
        members = strings.map { Array($0.utf8) }
    }

    @inline(__always)
    package func contains(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for member in members where member.count == bytes.count {
            if member.isEmpty { return true }
            if member.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return true
            }
        }
        return false
    }
}

#if canImport(Glibc)
    import Glibc
#endif
