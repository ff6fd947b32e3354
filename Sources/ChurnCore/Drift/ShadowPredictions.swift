/// Shadow scoring (challenger): another model's predictions for rows the champion already logged.
/// Pure: the champion's sampled records carry every feature value as read, so the challenger scores exactly
/// those rows without reading the file again, and the two sets of lines pair up by `request_id`.
package enum ShadowPredictions {
    /// The challenger's records for the rows of `records`: same `request_id`, file, features and time, the
    /// challenger's version, probability and prediction (at its own threshold), and `alias` set. Empty when
    /// the challenger needs a feature the records lack (trained on another schema). Rows the challenger
    /// cannot score (NaN) are left out.
    package static func score(_ records: [PredictionRecord], with scorer: Scorer, alias: String) -> [PredictionRecord] {
        guard let first = records.first else { return [] }
        let schema = scorer.artifact.schema
        guard schema.features.allSatisfy({ first.features[$0] != nil }) else { return [] }
        var rows: [(numeric: [Double?], categorical: [String?])] = []
        rows.reserveCapacity(records.count)
        for record in records {
            let numeric: [Double?] = schema.numeric.map { name in
                if case .number(let value) = record.features[name] { return value }
                return nil
            }
            let categorical: [String?] = schema.categorical.map { name in
                switch record.features[name] {
                case .text(let text): return text
                case .number(let value): return NumberFormat.plain(value)
                default: return nil
                }
            }
            rows.append((numeric, categorical))
        }
        let probabilities = scorer.probabilities(of: rows)
        let threshold = scorer.artifact.threshold
        var shadow: [PredictionRecord] = []
        shadow.reserveCapacity(records.count)
        for (record, probability) in zip(records, probabilities) where probability.isFinite {
            shadow.append(
                PredictionRecord(
                    requestID: record.requestID, modelVersion: scorer.versionLabel, alias: alias, file: record.file,
                    prediction: probability >= threshold ? 1 : 0, probability: probability, features: record.features,
                    timestamp: record.timestamp))
        }
        return shadow
    }
}
