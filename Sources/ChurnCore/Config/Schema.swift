/// Which columns of a CSV mean what. Configuration, not code: the defaults are the reference churn data.
public struct Schema: Codable, Equatable, Sendable {
    /// Column passed through to outputs to identify a row; optional in inputs (row numbers stand in).
    public var id: String
    public var label: String
    /// Label values that mean the positive class; every other non-missing value is negative.
    public var positive: [String]
    public var numeric: [String]
    public var categorical: [String]
    /// Field values that mean "missing" (compared after trimming spaces).
    public var missing: [String]

    public init(
        id: String = "customer_id",
        label: String = "churn",
        positive: [String] = ["1"],
        numeric: [String] = ["tenure_months", "num_complaints", "avg_session_minutes"],
        categorical: [String] = ["plan_type", "region"],
        missing: [String] = [""]
    ) {
        self.id = id
        self.label = label
        self.positive = positive
        self.numeric = numeric
        self.categorical = categorical
        self.missing = missing
    }

    /// The reference churn schema.
    public static let reference = Schema()

    /// Feature columns in model order: numeric first, then categorical.
    public var features: [String] { numeric + categorical }

    /// Problems that make the schema unusable, as sentences.
    public func problems() -> [String] {
        var problems: [String] = []
        if features.isEmpty { problems.append("no feature columns: set schema.numeric or schema.categorical") }
        var seen: Set<String> = []
        for name in features + [label] {
            if !seen.insert(name).inserted { problems.append("column \"\(name)\" is named twice in the schema") }
        }
        if positive.isEmpty {
            problems.append("schema.positive is empty: name the label value(s) of the positive class")
        }
        return problems
    }
}
