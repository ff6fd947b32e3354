/// The prediction-log records of a file's sampled rows, made from the fields the scorer kept (`keepFields`) once
/// the file is scored: the sample costs the scoring a copy of the kept rows' fields, and the records, their
/// probabilities and their texts are made after the outputs are published.
extension Scorer {
    /// The records of the rows `sample` kept while this scorer scored a file, stamped with the sample's time and
    /// with `file`: each row's id (or its row number when the file has no id column), its features as the
    /// scorer read them, its probability and its prediction at this model's threshold.
    ///
    /// A kept row was scored, so each of its numeric fields is a number within its bounds (its value) or a
    /// missing marker (a missing value, scored with the training median); each categorical field is a missing
    /// marker or a text, normalised as the scorer matches it. Probabilities the scorer did not have are computed
    /// here, together (one call for trees), from those values: the value file scoring computed, to the bit.
    package func records(of sample: PredictionSampler, file: String? = nil) -> [PredictionRecord] {
        let rows = sample.rows
        guard rows.count > 0 else { return [] }
        let schema = artifact.schema
        let missing = ByteStringSet(schema.missing)
        let numericCount = schema.numeric.count
        let lowerBounds = self.lowerBounds, upperBounds = self.upperBounds
        let normalizations = self.normalizations
        var values: SampledValues = []
        values.reserveCapacity(rows.count)
        for slot in 0..<rows.count {
            let numeric = (0..<numericCount).map { k in
                rows.withField(k, of: slot) { raw -> Double? in
                    guard let number = NumberParser.parseDouble(raw),
                        !(number < lowerBounds[k] || number > upperBounds[k])
                    else { return nil }
                    return number
                }
            }
            let categorical = schema.categorical.indices.map { k in
                rows.withField(numericCount + k, of: slot) {
                    Self.loggedCategory($0, missing: missing, normalization: normalizations[k])
                }
            }
            values.append((numeric, categorical))
        }
        var probabilities = rows.probabilities.map { $0 ?? .nan }
        let unknown = rows.probabilities.indices.filter { rows.probabilities[$0] == nil }
        for (slot, probability) in zip(unknown, self.probabilities(of: unknown.map { values[$0] })) {
            probabilities[slot] = probability
        }
        let threshold = artifact.threshold
        return values.indices.map { slot in
            var features: [String: PredictionRecord.Value] = [:]
            features.reserveCapacity(schema.numeric.count + schema.categorical.count)
            for (k, name) in schema.numeric.enumerated() {
                features[name] = values[slot].numeric[k].map { .number($0) } ?? .missing
            }
            for (k, name) in schema.categorical.enumerated() {
                features[name] = values[slot].categorical[k].map { .text($0) } ?? .missing
            }
            let id =
                rows.hasID[slot]
                ? rows.withField(-1, of: slot) { String(decoding: $0, as: UTF8.self) } : String(rows.rowNumbers[slot])
            return PredictionRecord(
                requestID: id, modelVersion: versionLabel, file: file,
                prediction: probabilities[slot] >= threshold ? 1 : 0, probability: probabilities[slot],
                features: features, timestamp: sample.timestamp)
        }
    }
}
