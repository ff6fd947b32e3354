/// Logging every scored row of a request column by column (`PredictionColumns`), as `records(of:file:)` would
/// record it, without a dictionary, an array or a `String` per row.
extension Scorer {
    /// Empty log columns for this model's rows, stamped with `timestamp`.
    package func logColumns(timestamp: Double) -> PredictionColumns {
        PredictionColumns(format: logFormat, timestamp: timestamp)
    }

    /// For each categorical column, whether each level reads as itself once normalised: a value matched with
    /// such a level is logged as that level's text (`Self.loggedCategory` gives the same text for it). Any other level
    /// (none in practice) is logged from the value, as `Self.loggedCategory` does.
    func levelsReadingAsThemselves() -> [[Bool]] {
        zip(artifact.preprocessing.categorical, normalizations).map { feature, normalization in
            feature.levels.map { Array(normalization.apply($0).utf8) == Array($0.utf8) }
        }
    }

    /// Appends the current record of `reader` (a scored row, with its numeric values `numeric`: a number within
    /// its bounds, or nil for a missing marker) to `sample`'s columns: the same id, values and categorical texts
    /// as `records(of:file:)` gives a kept row.
    func keepColumns(
        _ reader: borrowing CSVReader, binding: HeaderBinding, row: Int, numeric: [Double?],
        missing: ByteStringSet, plainLevels: [[Bool]], in sample: inout PredictionSampler
    ) {
        let fields = binding.categorical
        let normalizations = self.normalizations
        let levels = categoricalLevels
        let table = reader.fieldTable
        sample.updateColumns { columns in
            func category(_ k: Int) -> PredictionColumns.Category {
                let value = FieldCheck.trimmed(table.field(fields[k]))
                if missing.contains(value) { return .missing }
                let index = normalizations[k].index(of: value, in: levels[k])
                if index >= 0, plainLevels[k][index] { return .level(index) }
                return .text(normalizations[k].apply(String(decoding: value, as: UTF8.self)))
            }
            if let idIndex = binding.id {
                columns.appendRow(id: table.field(idIndex), numeric: numeric, category: category)
            } else {
                columns.appendRow(id: String(row), numeric: numeric, category: category)
            }
        }
    }
}
