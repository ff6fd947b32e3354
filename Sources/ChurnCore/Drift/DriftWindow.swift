/// Recent observations of every feature and of the predicted probability: what a drift check compares
/// with the serving model's training statistics.
public struct DriftWindow: Sendable, Equatable {
    /// Values by numeric feature name; missing values are not stored.
    public var numeric: [String: [Double]] = [:]
    /// Values by categorical feature name; nil for missing.
    public var categorical: [String: [String?]] = [:]
    public var probabilities: [Double] = []
    /// Records in the window.
    public var count = 0

    public init() {}

    /// Adds one record.
    public mutating func append(
        numeric values: [String: Double?], categorical levels: [String: String?], probability: Double?
    ) {
        count += 1
        for (name, value) in values {
            if let value { numeric[name, default: []].append(value) }
        }
        for (name, level) in levels { categorical[name, default: []].append(level) }
        if let probability { probabilities.append(probability) }
    }
}
