/// Which columns of a CSV mean what. Configuration, not code: the defaults are the reference churn data.
package struct Schema: Codable, Equatable, Sendable {
    /// Column passed through to outputs to identify a row; optional in inputs (row numbers stand in).
    package var id: String
    package var label: String
    /// Label values that mean the positive class; every other non-missing value is negative.
    package var positive: [String]
    package var numeric: [String]
    package var categorical: [String]
    /// Field values that mean "missing" (compared after trimming spaces).
    package var missing: [String]
    /// Allowed ranges of numeric columns (`[schema.bounds]`): a value outside is a row error when scoring and
    /// drops the row in training. Columns not named here are not bounded.
    package var bounds: [String: Bounds]
    /// How categorical columns' values are normalised before they become levels (`[schema.normalize]`), the
    /// same in training and scoring. Columns not named here are trimmed only.
    package var normalize: [String: CategoryNormalization]

    package init(
        id: String = "customer_id",
        label: String = "churn",
        positive: [String] = ["1"],
        numeric: [String] = ["tenure_months", "num_complaints", "avg_session_minutes"],
        categorical: [String] = ["plan_type", "region"],
        missing: [String] = [""],
        bounds: [String: Bounds] = [:],
        normalize: [String: CategoryNormalization] = [:]
    ) {
        self.id = id
        self.label = label
        self.positive = positive
        self.numeric = numeric
        self.categorical = categorical
        self.missing = missing
        self.bounds = bounds
        self.normalize = normalize
    }

    /// The reference churn schema.
    package static let reference = Schema()

    /// What the Python lab's API checked on the reference schema; `churnd init` writes these.
    package static let labBounds: [String: Bounds] = [
        "tenure_months": Bounds(min: 0, max: 200), "num_complaints": Bounds(min: 0, max: 50),
        "avg_session_minutes": Bounds(min: 0, max: 500),
    ]
    package static let labNormalization: [String: CategoryNormalization] = ["plan_type": .lower, "region": .upper]

    /// Feature columns in model order: numeric first, then categorical.
    package var features: [String] { numeric + categorical }

    /// True when rows read with `other` bind to the same columns and mean the same missing values: a model of
    /// either schema can score the other's rows (bounds are checked by the caller, normalisation by each model).
    package func readsSameColumns(as other: Schema) -> Bool {
        id == other.id && numeric == other.numeric && categorical == other.categorical && missing == other.missing
    }

    /// Problems that make the schema unusable, as sentences.
    package func problems() -> [String] {
        var problems: [String] = []
        if features.isEmpty { problems.append("no feature columns: set schema.numeric or schema.categorical") }
        var seen: Set<String> = []
        for name in features + [label] {
            if !seen.insert(name).inserted { problems.append("column \"\(name)\" is named twice in the schema") }
        }
        if positive.isEmpty {
            problems.append("schema.positive is empty: name the label value(s) of the positive class")
        }
        for name in bounds.keys.sorted() where !numeric.contains(name) {
            problems.append("schema.bounds names \"\(name)\", which is not a numeric column of the schema")
        }
        for name in normalize.keys.sorted() where !categorical.contains(name) {
            problems.append("schema.normalize names \"\(name)\", which is not a categorical column of the schema")
        }
        return problems
    }

    enum CodingKeys: String, CodingKey {
        case id, label, positive, numeric, categorical, missing, bounds, normalize
    }

    /// Artifacts written before bounds and normalisation existed have neither: they decode as empty.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        label = try container.decode(String.self, forKey: .label)
        positive = try container.decode([String].self, forKey: .positive)
        numeric = try container.decode([String].self, forKey: .numeric)
        categorical = try container.decode([String].self, forKey: .categorical)
        missing = try container.decode([String].self, forKey: .missing)
        bounds = try container.decodeIfPresent([String: Bounds].self, forKey: .bounds) ?? [:]
        normalize = try container.decodeIfPresent([String: CategoryNormalization].self, forKey: .normalize) ?? [:]
    }

    /// Empty bounds and normalisation are left out, so a schema without them encodes as it always did.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(label, forKey: .label)
        try container.encode(positive, forKey: .positive)
        try container.encode(numeric, forKey: .numeric)
        try container.encode(categorical, forKey: .categorical)
        try container.encode(missing, forKey: .missing)
        if !bounds.isEmpty { try container.encode(bounds, forKey: .bounds) }
        if !normalize.isEmpty { try container.encode(normalize, forKey: .normalize) }
    }
}

/// An inclusive range for a numeric column; either side may be open.
package struct Bounds: Codable, Equatable, Sendable {
    package var min: Double?
    package var max: Double?

    package init(min: Double? = nil, max: Double? = nil) {
        self.min = min
        self.max = max
    }

    /// Why `value` is outside, or nil when it is inside: "above the maximum 200", "below the minimum 0".
    package func violation(_ value: Double) -> String? {
        if let min, value < min { return "below the minimum \(NumberFormat.plain(min))" }
        if let max, value > max { return "above the maximum \(NumberFormat.plain(max))" }
        return nil
    }

    /// The bounds as two arrays over `columns` (-∞ and +∞ where open), for a scoring loop.
    static func limits(_ bounds: [String: Bounds], columns: [String]) -> (lower: [Double], upper: [Double]) {
        (
            columns.map { bounds[$0]?.min ?? -.infinity },
            columns.map { bounds[$0]?.max ?? .infinity }
        )
    }
}
