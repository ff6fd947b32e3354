import Crypto

/// Labeled rows held by column, as read from one or more training files.
package struct LabeledData: Sendable {
    package let schema: Schema
    /// One array per numeric feature; NaN marks a missing value.
    package internal(set) var numeric: [[Double]]
    /// One array per categorical feature: codes into `levels`, -1 for missing.
    package internal(set) var categorical: [[Int32]]
    package internal(set) var levels: [LevelTable]
    /// 1 for the positive class, 0 otherwise.
    package internal(set) var labels: [UInt8] = []
    package internal(set) var files: [InputFile] = []

    package var count: Int { labels.count }

    package init(schema: Schema) {
        self.schema = schema
        numeric = Array(repeating: [], count: schema.numeric.count)
        categorical = Array(repeating: [], count: schema.categorical.count)
        levels = Array(repeating: LevelTable(), count: schema.categorical.count)
    }
}

/// A training input: where it came from and what it held.
package struct InputFile: Codable, Equatable, Sendable {
    package var path: String
    package var sha256: String
    package var bytes: Int
    package var rows: Int
    /// Rows left out because a value was outside `[schema.bounds]` (absent when none were).
    package var outOfBoundsRows: Int? = nil
}

/// Why a training file was refused: every problem found, each with its place.
package struct ValidationFailure: Error, CustomStringConvertible, Equatable {
    package let path: String
    package let problems: [String]
    /// Problems beyond those listed.
    package let more: Int

    package var description: String {
        var text = "\(path): refused for training:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        if more > 0 { text += "\n  - … and \(more) more problem\(more == 1 ? "" : "s")" }
        return text
    }
}

extension LabeledData {
    /// Reads one labeled CSV and appends its rows, applying the validation rules of the reference pipeline:
    /// every schema column present, no column over `maxMissingFraction` missing, numeric fields parse as
    /// finite numbers, every record well-formed. A file that fails adds nothing and throws
    /// `ValidationFailure` (or `ChurnError` for a file that is not CSV at all).
    ///
    /// Categorical values are normalised as `schema.normalize` says. A row with a value outside
    /// `schema.bounds` is left out and counted (`InputFile.outOfBoundsRows`), as the Python lab's API refused
    /// such a request; a column with more such values than `maxMissingFraction` of the rows refuses the file.
    ///
    /// - Parameter progress: told the rows held so far (this file's included) every 65,536 rows.
    package mutating func append<Source: ByteSource>(
        path: String, source: consuming Source, maxMissingFraction: Double, maxRecordBytes: Int = 1 << 20,
        progress: (Int) -> Void = { _ in }
    ) throws {
        var hasher = SHA256()
        var byteCount = 0
        var reader = CSVReader(source: source, maxRecordBytes: maxRecordBytes) { chunk in
            hasher.update(bufferPointer: chunk)
            byteCount += chunk.count
        }
        guard try reader.next() else { throw ChurnError.badFile(path: path, message: "file is empty: no header") }
        if let offset = reader.firstNULOffset {
            throw ChurnError.badFile(
                path: path, message: "binary data (NUL byte at offset \(offset)); expected CSV text")
        }
        let binding = try HeaderBinding(header: reader.strings(), schema: schema, requireLabel: true, path: path)
        let missing = ByteStringSet(schema.missing)
        let positive = ByteStringSet(schema.positive)
        let fieldCount = binding.header.count
        let labelIndex = binding.label!

        // Work on copies so a refused file leaves `self` untouched.
        var numeric = self.numeric
        var categorical = self.categorical
        var levels = self.levels
        var labels = self.labels
        let startCount = labels.count
        var missingCounts = [Int](repeating: 0, count: schema.features.count + 1)
        var problems: [String] = []
        var problemCount = 0
        func report(_ problem: String) {
            problemCount += 1
            if problems.count < 10 { problems.append(problem) }
        }
        let numericNames = schema.numeric
        let categoricalNames = schema.categorical
        let bounds = schema.bounds
        let (lower, upper) = Bounds.limits(bounds, columns: numericNames)
        let normalizations = categoricalNames.map { schema.normalize[$0] ?? .trim }
        var normalized: [UInt8] = []
        var outOfBounds = [Int](repeating: 0, count: numericNames.count)
        var firstOutOfBounds = [String?](repeating: nil, count: numericNames.count)
        var outOfBoundsRows = 0

        while try reader.next() {
            let line = reader.line
            if let problem = reader.problem {
                report("line \(line): \(Self.describe(problem))")
                continue
            }
            guard reader.fieldCount == fieldCount else {
                report("line \(line): expected \(fieldCount) fields, found \(reader.fieldCount)")
                continue
            }
            var rowOK = true
            var inBounds = true
            for (k, index) in binding.numeric.enumerated() {
                let value: Double = reader.withField(index) { raw in
                    if missing.contains(FieldCheck.trimmed(raw)) {
                        missingCounts[k] += 1
                        return .nan
                    }
                    if let number = NumberParser.parseDouble(raw) {
                        if number < lower[k] || number > upper[k] {
                            inBounds = false
                            outOfBounds[k] += 1
                            if firstOutOfBounds[k] == nil, let reason = bounds[numericNames[k]]?.violation(number) {
                                firstOutOfBounds[k] = "line \(line): \"\(FieldCheck.display(raw))\" is \(reason)"
                            }
                        }
                        return number
                    }
                    report(
                        "line \(line), column \(numericNames[k]): \"\(FieldCheck.display(raw))\" is not a number")
                    rowOK = false
                    return .nan
                }
                numeric[k].append(value)
            }
            for (k, index) in binding.categorical.enumerated() {
                let code: Int32 = reader.withField(index) { raw in
                    let value = FieldCheck.trimmed(raw)
                    if missing.contains(value) {
                        missingCounts[numericNames.count + k] += 1
                        return -1
                    }
                    guard FieldCheck.isValidUTF8(value) else {
                        report("line \(line), column \(categoricalNames[k]): value is not valid UTF-8")
                        rowOK = false
                        return -1
                    }
                    if normalizations[k] == .trim { return levels[k].code(for: value) }
                    normalizations[k].normalize(trimmed: value, into: &normalized)
                    return normalized.withUnsafeBufferPointer { levels[k].code(for: $0) }
                }
                categorical[k].append(code)
            }
            let label: UInt8? = reader.withField(labelIndex) { raw in
                let value = FieldCheck.trimmed(raw)
                if missing.contains(value) { return nil }
                return positive.contains(value) ? 1 : 0
            }
            guard rowOK, inBounds, let label else {
                if rowOK, inBounds { missingCounts[missingCounts.count - 1] += 1 }
                if rowOK, !inBounds { outOfBoundsRows += 1 }
                // Roll back this row's feature values.
                for k in numeric.indices { numeric[k].removeLast() }
                for k in categorical.indices { categorical[k].removeLast() }
                continue
            }
            labels.append(label)
            if labels.count & 0xFFFF == 0 { progress(labels.count) }
        }
        let rows = labels.count - startCount
        let total = rows + missingCounts[missingCounts.count - 1] + outOfBoundsRows
        if total == 0 { report("no data rows after the header") }
        if total > 0 {
            for (k, name) in (schema.features + [schema.label]).enumerated() {
                let fraction = Double(missingCounts[k]) / Double(total)
                if fraction > maxMissingFraction {
                    report(
                        "column \(name): \(missingCounts[k]) of \(total) values missing "
                            + "(\(Self.percent(fraction)); the limit is \(Self.percent(maxMissingFraction)))")
                }
            }
            for (k, name) in numericNames.enumerated() {
                let fraction = Double(outOfBounds[k]) / Double(total)
                if fraction > maxMissingFraction {
                    report(
                        "column \(name): \(outOfBounds[k]) of \(total) values out of bounds "
                            + "(\(Self.percent(fraction)); the limit is \(Self.percent(maxMissingFraction))), "
                            + "first at \(firstOutOfBounds[k] ?? "?"); fix the data or [schema.bounds]")
                }
            }
        }
        if problemCount > 0 {
            throw ValidationFailure(path: path, problems: problems, more: problemCount - problems.count)
        }
        self.numeric = numeric
        self.categorical = categorical
        self.levels = levels
        self.labels = labels
        files.append(
            InputFile(
                path: path, sha256: hexString(hasher.finalize()), bytes: byteCount, rows: rows,
                outOfBoundsRows: outOfBoundsRows > 0 ? outOfBoundsRows : nil))
    }

    static func describe(_ problem: CSVRecordProblem) -> String {
        switch problem {
        case .tooLong(let bytes): return "record of \(bytes) bytes is longer than the limit; skipped"
        case .unterminatedQuote: return "quoted field is not closed before the end of the file"
        }
    }

    static func percent(_ fraction: Double) -> String {
        let tenths = (fraction * 1000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }
}
