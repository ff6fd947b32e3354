/// Recent observations of every feature and of the predicted probability: what a drift check compares
/// with the serving model's training statistics.
package struct DriftWindow: Sendable, Equatable {
    /// Values by numeric feature name; missing values are not stored.
    package var numeric: [String: [Double]] = [:]
    /// Values by categorical feature name; nil for missing.
    package var categorical: [String: [String?]] = [:]
    package var probabilities: [Double] = []
    /// Records in the window.
    package var count = 0

    package init() {}

    /// Adds one record.
    package mutating func append(
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
