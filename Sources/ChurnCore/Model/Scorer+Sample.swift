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
        let values = (0..<rows.count).map { sampledValues(rows, slot: $0, missing: missing) }
        let probabilities = sampledProbabilities(rows, values: { values[$0] })
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

    /// The log lines of the rows `sample` kept, exactly as `PredictionRecord.write` writes `records(of:file:)`
    /// (tested), written column by column (`PredictionColumns`, as a request's rows are): no record, dictionary
    /// or `String` per row. A logistic model's missing probabilities are computed from the values read for the
    /// columns; trees' from the rows' values, in one call.
    package func logLines(of sample: PredictionSampler, file: String? = nil) throws -> [UInt8] {
        let rows = sample.rows
        guard rows.count > 0 else { return [] }
        let schema = artifact.schema
        let missing = ByteStringSet(schema.missing)
        let numericCount = schema.numeric.count
        let normalizations = self.normalizations, levels = categoricalLevels
        let plainLevels = levelsReadingAsThemselves()
        var columns = PredictionColumns(format: logFormat, timestamp: sample.timestamp, file: file)
        columns.reserveCapacity(rows.count)
        var numeric = [Double?](repeating: nil, count: numericCount)
        // Each categorical value's level as `probability(numeric:levels:encoding:)` takes it: -1 unknown, -2 missing.
        var rowLevels = [Int](repeating: -1, count: levels.count)
        // Trees: every missing probability in one call, first; a logistic model's are computed in the loop.
        let probabilities: [Double?] =
            trees == nil
            ? rows.probabilities
            : sampledProbabilities(rows, values: { sampledValues(rows, slot: $0, missing: missing) }).map { $0 }
        let version = columns.versionCode(versionLabel)
        let threshold = artifact.threshold
        var noEncoding: [Float] = []
        var categories = [PredictionColumns.Category](repeating: .missing, count: levels.count)
        for slot in 0..<rows.count {
            for k in 0..<numericCount { numeric[k] = number(rows, slot: slot, k) }
            // As `keepColumns`: a level that reads as itself by its index, any other value by its text. (Read
            // here, not in the closure `appendRow` calls: a closure capturing `rows` copied it for every row.)
            for k in categories.indices {
                categories[k] = rows.withField(numericCount + k, of: slot) { raw in
                    let value = FieldCheck.trimmed(raw)
                    if missing.contains(value) {
                        rowLevels[k] = -2
                        return .missing
                    }
                    let index = normalizations[k].index(of: value, in: levels[k])
                    rowLevels[k] = max(index, -1)
                    if index >= 0, plainLevels[k][index] { return .level(index) }
                    return .text(normalizations[k].apply(String(decoding: value, as: UTF8.self)))
                }
            }
            if rows.hasID[slot] {
                rows.withField(-1, of: slot) {
                    columns.appendRow(id: $0, numeric: numeric, category: { categories[$0] })
                }
            } else {
                columns.appendRow(id: String(rows.rowNumbers[slot]), numeric: numeric, category: { categories[$0] })
            }
            let probability =
                probabilities[slot] ?? probability(numeric: numeric, levels: rowLevels, encoding: &noEncoding)
            columns.setOutcome(
                slot, version: version, prediction: probability >= threshold ? 1 : 0, probability: probability)
        }
        return try columns.lines()
    }

    /// Numeric field `k` of the row in `slot`: its number when within its bounds, nil (missing) otherwise.
    private func number(_ rows: SampledRows, slot: Int, _ k: Int) -> Double? {
        rows.withField(k, of: slot) { raw -> Double? in
            guard let number = NumberParser.parseDouble(raw), !(number < lowerBounds[k] || number > upperBounds[k])
            else { return nil }
            return number
        }
    }

    /// The values of the row in `slot`, as the probability of a row given as values reads them.
    private func sampledValues(
        _ rows: SampledRows, slot: Int, missing: ByteStringSet
    ) -> (numeric: [Double?], categorical: [String?]) {
        let numericCount = artifact.schema.numeric.count
        let numeric = (0..<numericCount).map { number(rows, slot: slot, $0) }
        let categorical = artifact.schema.categorical.indices.map { k in
            rows.withField(numericCount + k, of: slot) {
                Self.loggedCategory($0, missing: missing, normalization: normalizations[k])
            }
        }
        return (numeric, categorical)
    }

    /// Every kept row's probability: the scorer's when it had it, else computed from `values(slot)`, together.
    private func sampledProbabilities(
        _ rows: SampledRows, values: (Int) -> (numeric: [Double?], categorical: [String?])
    ) -> [Double] {
        var probabilities = rows.probabilities.map { $0 ?? .nan }
        let unknown = rows.probabilities.indices.filter { rows.probabilities[$0] == nil }
        guard !unknown.isEmpty else { return probabilities }
        for (slot, probability) in zip(unknown, self.probabilities(of: unknown.map(values))) {
            probabilities[slot] = probability
        }
        return probabilities
    }
}
