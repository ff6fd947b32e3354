/// Scoring one record given as typed values (a JSON request) instead of CSV text.
///
/// The checks are the file path's, field for field: a number outside `[schema.bounds]` is refused with the
/// same reason ("above the maximum 200") unless its text is a missing marker (e.g. "-1"); a missing value
/// (`null` where "" is a marker, or a marker string) takes the training median or the missing level; a
/// categorical value is trimmed, normalised as the model records and matched with its levels, an unseen level
/// scoring as all zeros. What JSON adds is types: a string for a numeric field or a number for a categorical
/// one is refused instead of being parsed. The probability is `probability(numeric:levels:encoding:)`, the
/// file path's own, so a row gives the same probability to the bit either way (`ScorerValuesTests`).
extension Scorer {
    /// One field of a request as JSON gave it.
    package enum FieldValue: Equatable, Sendable {
        /// A JSON number and its text (for missing markers such as "-1"); an empty text stands for
        /// `NumberFormat.plain` of the number, made only when a check needs it.
        case number(Double, text: String)
        case text(String)
        case bool(Bool)
        case null
        /// An array or an object.
        case other(String)

        var typeName: String {
            switch self {
            case .number: return "a number"
            case .text: return "a string"
            case .bool: return "a boolean"
            case .null: return "null"
            case .other(let name): return name
            }
        }
    }

    /// Why a field was refused: the field's name and a sentence.
    package struct FieldProblem: Equatable, Sendable {
        package var field: String
        package var message: String

        package init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// A checked row: parsed numbers (nil = missing), categorical values as logged (normalised text, nil =
    /// missing), and each categorical value's level index (-1 unseen, -2 missing).
    package struct CheckedRow: Equatable, Sendable {
        package var numeric: [Double?]
        package var categorical: [String?]
        /// Categorical values trimmed only, as a CSV field would reach another model.
        package var rawCategorical: [String?]
        package var levels: [Int]
        /// Categorical fields (by name) whose value is a level the model never saw in training.
        package var unseen: [String]

        /// The features as a prediction log line records them.
        package func features(schema: Schema) -> [String: PredictionRecord.Value] {
            var features: [String: PredictionRecord.Value] = [:]
            for (k, name) in schema.numeric.enumerated() { features[name] = numeric[k].map { .number($0) } ?? .missing }
            for (k, name) in schema.categorical.enumerated() {
                features[name] = categorical[k].map { .text($0) } ?? .missing
            }
            return features
        }
    }

    /// A record checked: the row to score, or every problem found, one per field.
    package enum Check: Equatable, Sendable {
        case valid(CheckedRow)
        case invalid([FieldProblem])
    }

    /// Checks the model's feature fields of one record. Every problem is reported, one per field; fields the
    /// model does not read are not looked at (the caller decides about unknown fields).
    package func check(_ values: [String: FieldValue]) -> Check {
        check(values, limits: FieldLimits(self))
    }

    /// Checks many records, each as `check(_:)` does; what every record is checked against is prepared once.
    package func check(_ records: [[String: FieldValue]]) -> [Check] {
        let limits = FieldLimits(self)
        return records.map { check($0, limits: limits) }
    }

    /// Checks `rows` records given field by field, each as `check(_:)` does, without a dictionary per record:
    /// `field(row, feature)` is the value of `artifact.schema.features[feature]` (numeric, then categorical
    /// columns) in record `row`, nil when the record lacks it.
    package func check(rows: Int, field: (Int, Int) -> FieldValue?) -> [Check] {
        let limits = FieldLimits(self)
        return (0..<rows).map { row in check(limits: limits) { field(row, $0) } }
    }

    /// The missing markers and the numeric bounds, by numeric column.
    private struct FieldLimits {
        var missing: ByteStringSet
        var lower: [Double]
        var upper: [Double]

        init(_ scorer: Scorer) {
            missing = ByteStringSet(scorer.artifact.schema.missing)
            (lower, upper) = Bounds.limits(scorer.bounds, columns: scorer.artifact.schema.numeric)
        }
    }

    private func check(_ values: [String: FieldValue], limits: FieldLimits) -> Check {
        let schema = artifact.schema
        return check(limits: limits) { feature in
            values[
                feature < schema.numeric.count
                    ? schema.numeric[feature] : schema.categorical[feature - schema.numeric.count]]
        }
    }

    /// Checks one record whose value of feature `k` (numeric, then categorical columns) is `value(k)`.
    private func check(limits: FieldLimits, value: (Int) -> FieldValue?) -> Check {
        let schema = artifact.schema
        let missing = limits.missing
        let (lower, upper) = (limits.lower, limits.upper)
        var problems: [FieldProblem] = []
        func isMarker(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { missing.contains(FieldCheck.trimmed($0)) }
        }
        var numeric = [Double?](repeating: nil, count: schema.numeric.count)
        for (k, name) in schema.numeric.enumerated() {
            switch value(k) {
            case nil:
                problems.append(.init(field: name, message: "field required"))
            case .number(let number, let text):
                if number < lower[k] || number > upper[k] {
                    // A marker such as "-1": missing.
                    if isMarker(text.isEmpty ? NumberFormat.plain(number) : text) { continue }
                    problems.append(.init(field: name, message: outOfBounds(number, k)))
                } else {
                    numeric[k] = number
                }
            case .text(let text) where isMarker(text):
                continue  // missing: scored with the training median
            case .null where isMarker(""):
                continue
            case .some(let value):
                problems.append(.init(field: name, message: "expected a number, found \(value.typeName)"))
            }
        }
        var categorical = [String?](repeating: nil, count: schema.categorical.count)
        var raw = [String?](repeating: nil, count: schema.categorical.count)
        var levels = [Int](repeating: -2, count: schema.categorical.count)
        var unseen: [String] = []
        for (k, name) in schema.categorical.enumerated() {
            switch value(schema.numeric.count + k) {
            case nil:
                problems.append(.init(field: name, message: "field required"))
            case .text(let text) where !isMarker(text):
                var text = text
                let level = text.withUTF8 {
                    normalizations[k].index(of: FieldCheck.trimmed($0), in: categoricalLevels[k])
                }
                levels[k] = level
                categorical[k] = normalizations[k].apply(text)
                raw[k] = text.spacesTrimmed
                if level < 0 { unseen.append(name) }
            case .text:
                continue  // a marker: the missing level
            case .null where isMarker(""):
                continue
            case .some(let value):
                problems.append(.init(field: name, message: "expected a string, found \(value.typeName)"))
            }
        }
        guard problems.isEmpty else { return .invalid(problems) }
        return .valid(
            CheckedRow(
                numeric: numeric, categorical: categorical, rawCategorical: raw, levels: levels, unseen: unseen))
    }

    /// The probability of a checked row, as file scoring computes it.
    package func probability(of row: CheckedRow) -> Double {
        var encoding = [Float](repeating: 0, count: trees == nil ? 0 : layout.width)
        return probability(numeric: row.numeric, levels: row.levels, encoding: &encoding)
    }

    /// The probability of a row checked by another scorer that reads the same columns (an A/B challenger), as
    /// the file path computes it for the challenger's rows: its categorical values matched with this model's
    /// own levels and normalisation.
    package func probability(ofRowCheckedElsewhere row: CheckedRow) -> Double {
        probability(numeric: row.numeric, categorical: row.rawCategorical)
    }
}
