import Foundation

/// Scores CSV rows with a model artifact and writes `.scored.csv` rows and `.errors.csv` rows.
///
/// Inputs are checked as the Python lab's API did: a numeric value outside the configured bounds is a row error
/// ("above the maximum 200"), never scored. Categorical values are normalised as the artifact's preprocessing
/// records (trimmed only for models trained before normalisation existed), then matched with its levels; a
/// level still unknown is scored as all zeros, as scikit-learn does, and counted per column in the summary.
///
/// The linear model is folded into per-column coefficients once, so a row costs one parse of each feature
/// field, a few multiply-adds, one exponential and the formatting of the output line. XGBoost models encode
/// each row into a batch of `batchRows` rows that the compiled trees predict at once (`Scorer+XGBoost.swift`).
package struct Scorer: Sendable {
    package let artifact: ModelArtifact
    package let versionLabel: String
    package let passthrough: Bool
    package let maxRecordBytes: Int
    /// Allowed ranges of the numeric columns, by name (`[schema.bounds]` of the configuration in force).
    package let bounds: [String: Bounds]

    private let bias: Double
    private let numericWeights: [Double]  // coefficient / std
    let categoricalLevels: [[[UInt8]]]
    /// Each categorical column's normalisation, as the artifact records it.
    let normalizations: [CategoryNormalization]
    let lowerBounds: [Double]
    let upperBounds: [Double]
    private let categoricalWeights: [[Double]]
    private let missingWeights: [Double?]  // weight of the "missing" level, nil when not seen in training
    /// The compiled trees of an xgboost artifact, or why they could not be compiled.
    let trees: Result<TreeEnsemble, XGBoostError>?
    /// Threads that predict a batch of rows with the trees.
    package var nthread: Int
    let layout: EncodedLayout
    /// The prediction log's line format of this model's features (`logColumns`), made once.
    package let logFormat: PredictionColumns.Format
    /// Rows encoded before the compiled trees predict them together.
    package var batchRows = 65_536
    /// Trees predict a batch on a thread of their own while the next batch is parsed (`TreeBatch`); the parallel
    /// path's workers, one per processor already, predict on theirs.
    var pipelinesTrees = true
    /// A/B serving: the rows this split gives the challenger are scored by it and labeled with its version.
    /// The split's challenger must read the same columns (same schema).
    package var split: ServingSplit?
    /// Whether clean rows take the fast path (`LinearRows`: scored for logistic regression, encoded for the
    /// trees); tests turn it off to compare its output with the general path's.
    var linearFastPath = true

    /// - Parameters:
    ///   - bounds: allowed ranges of numeric columns; rows outside are row errors. Columns the artifact does
    ///     not read are ignored.
    ///   - nthread: threads the trees predict with (xgboost artifacts only).
    package init(
        artifact: ModelArtifact, versionLabel: String, passthrough: Bool = false, maxRecordBytes: Int = 1 << 20,
        bounds: [String: Bounds] = [:], nthread: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.artifact = artifact
        self.versionLabel = versionLabel
        self.passthrough = passthrough
        self.maxRecordBytes = maxRecordBytes
        let numericNames = artifact.preprocessing.numeric.map(\.name)
        self.bounds = bounds.filter { numericNames.contains($0.key) }
        (lowerBounds, upperBounds) = Bounds.limits(bounds, columns: numericNames)
        self.normalizations = artifact.preprocessing.categorical.map(\.normalization)
        self.layout = EncodedLayout(artifact.preprocessing)
        logFormat = PredictionColumns.Format(
            numeric: artifact.schema.numeric, categorical: artifact.schema.categorical,
            levels: artifact.preprocessing.categorical.map(\.levels))
        self.nthread = max(1, nthread)
        if artifact.family == ModelFamily.xgboost.rawValue {
            trees = Result { () throws(XGBoostError) in
                guard let xgboost = artifact.xgboost else {
                    throw XGBoostError(operation: "loading the model", message: "the artifact holds no booster")
                }
                return try TreeEnsemble(json: xgboost.booster)
            }
        } else {
            trees = nil
        }
        let p = artifact.preprocessing
        // Trees use none of the folded weights; zeros keep the folding below uniform.
        let coefficients = artifact.logistic?.coefficients ?? [Double](repeating: 0, count: p.width)
        var bias = artifact.logistic?.intercept ?? 0
        var weights: [Double] = []
        for (k, feature) in p.numeric.enumerated() {
            let w = coefficients[k] / feature.std
            weights.append(w)
            bias -= w * feature.mean
        }
        var offset = p.numeric.count
        var levels: [[[UInt8]]] = []
        var levelWeights: [[Double]] = []
        var missing: [Double?] = []
        for feature in p.categorical {
            levels.append(feature.levels.map { Array($0.utf8) })
            levelWeights.append(Array(coefficients[offset..<offset + feature.levels.count]))
            offset += feature.levels.count
            if feature.hasMissingLevel {
                missing.append(coefficients[offset])
                offset += 1
            } else {
                missing.append(nil)
            }
        }
        self.bias = bias
        self.numericWeights = weights
        self.categoricalLevels = levels
        self.categoricalWeights = levelWeights
        self.missingWeights = missing
    }

    /// Probability for one row given as values (logged records, simulations). Missing numerics take the
    /// training median; categorical values are normalised as the model says, and unknown levels contribute
    /// nothing, as in file scoring. Bounds are not checked.
    package func probability(numeric: [Double?], categorical: [String?]) -> Double {
        var row = [Float](repeating: 0, count: trees == nil ? 0 : layout.width)  // scratch for trees only
        return probability(numeric: numeric, levels: levels(of: categorical), encoding: &row)
    }

    /// Each categorical value's index among this model's levels once normalised: -1 unknown, -2 missing (nil).
    func levels(of categorical: [String?]) -> [Int] {
        categoricalLevels.indices.map { k in
            guard let level = categorical[k] else { return -2 }
            return categoricalLevels[k].firstIndex(of: Array(normalizations[k].apply(level).utf8)) ?? -1
        }
    }

    package struct Summary: Equatable, Sendable {
        package var rows = 0
        package var scored = 0
        /// Rows not scored (each has at least one line in the errors file).
        package var rejected = 0
        package var errorLines = 0
        /// Scored rows the challenger served (A/B serving); the champion served the others.
        package var servedByChallenger = 0
        /// Scored rows whose value in a categorical column (by name) is a level the model never saw in
        /// training, after normalisation; columns without any are absent.
        package var unseenLevels: [String: Int] = [:]

        /// "plan_type 3, region 1" (columns by name), or nil when every level was known.
        package var unseenLevelsText: String? {
            guard !unseenLevels.isEmpty else { return nil }
            return unseenLevels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
    }

    /// Scores every record of `source`. File-level problems (no header, a required column missing, binary
    /// data) throw `ChurnError` before any output is written; row-level ones go to `errors`, which is handed
    /// bytes (its header first) only when a row is rejected.
    package func score<Source: ByteSource>(
        path: String, source: consuming Source, scored: inout ByteWriter, errors: inout ByteWriter,
        progress: ((Int) -> Void)? = nil
    ) throws -> Summary {
        var none = PredictionSampler(capacity: 0, seed: 0)
        return try score(
            path: path, source: source, scored: &scored, errors: &errors, progress: progress, sample: &none,
            timestamp: 0)
    }

    /// Scores like `score(path:source:scored:errors:progress:)` and also offers every scored row to `sample`,
    /// which keeps a uniform sample of them, stamped with `timestamp`. A kept row is its fields' bytes (and its
    /// probability when the fast path knows it): `records(of:file:)` makes the prediction-log records from them
    /// later, so the sample costs the scoring little more than a copy of the kept rows' fields.
    package func score<Source: ByteSource>(
        path: String, source: consuming Source, scored: inout ByteWriter, errors: inout ByteWriter,
        progress: ((Int) -> Void)?, sample: inout PredictionSampler, timestamp: Double
    ) throws -> Summary {
        try checkSplit()
        var reader = CSVReader(source: source, maxRecordBytes: maxRecordBytes)
        let layout = try readHeader(path: path, reader: &reader)
        try writeHeaders(layout, scored: &scored, errors: &errors)
        var marks: [Int]? = nil
        var starts: [Int]? = nil
        sample.timestamp = timestamp
        return try scoreRecords(
            path: path, reader: &reader, layout: layout, scored: &scored, errors: &errors, progress: progress,
            sample: &sample, lineMarks: &marks, recordStarts: &starts)
    }

    func checkSplit() throws {
        if let split, !split.challenger.artifact.schema.readsSameColumns(as: artifact.schema) {
            throw ChurnError.internalInconsistency("an A/B challenger must read the champion's columns")
        }
    }

    /// What the header line says: the columns bound to the schema, and those a passthrough output repeats.
    struct HeaderLayout: Sendable {
        let header: [String]
        let binding: HeaderBinding
        let passthroughColumns: [Int]
    }

    /// Reads and checks the header record. File-level problems throw `ChurnError`.
    func readHeader(path: String, reader: inout CSVReader) throws -> HeaderLayout {
        let schema = artifact.schema
        guard try reader.next() else { throw ChurnError.badFile(path: path, message: "file is empty: no header") }
        if let offset = reader.firstNULOffset {
            throw ChurnError.badFile(
                path: path, message: "binary data (NUL byte at offset \(offset)); expected CSV text")
        }
        if reader.problem != nil {
            throw ChurnError.badFile(path: path, message: "the header line cannot be read as CSV")
        }
        let header = reader.strings()
        let headerIsText = (0..<reader.fieldCount).allSatisfy { index in
            reader.withField(index) { name in FieldCheck.isValidUTF8(name) && !name.contains { $0 < 0x20 && $0 != 0x09 }
            }
        }
        guard headerIsText else {
            throw ChurnError.badFile(
                path: path, message: "line 1 is not a CSV header (control characters or invalid UTF-8 in column names)")
        }
        let binding = try HeaderBinding(header: header, schema: schema, requireLabel: false, path: path)
        return HeaderLayout(
            header: header, binding: binding,
            passthroughColumns: passthrough ? header.indices.filter { $0 != binding.id } : [])
    }

    /// The header lines of the scored and errors files.
    func writeHeaders(_ layout: HeaderLayout, scored: inout ByteWriter, errors: inout ByteWriter) throws {
        try scored.writeField(artifact.schema.id)
        try scored.write(",churn_probability,churn_prediction,model_version")
        for index in layout.passthroughColumns {
            try scored.write(byte: UInt8(ascii: ","))
            try scored.writeField(layout.header[index])
        }
        try scored.write(byte: UInt8(ascii: "\n"))
        try errors.write("line,column,value,reason\n")
    }

    /// Scores the records after the header, to the end of `reader`'s input, and flushes `scored`, and `errors`
    /// when a row was rejected (see the end).
    /// - Parameter lineMarks: when not nil, an error line's line number is not written: its position in
    ///   `errors` and the reader's line number are appended instead (the parallel path adds the lines before
    ///   the record's range and writes the numbers itself).
    func scoreRecords(
        path: String, reader: inout CSVReader, layout headerLayout: HeaderLayout, scored: inout ByteWriter,
        errors: inout ByteWriter,
        progress: ((Int) -> Void)?, sample: inout PredictionSampler, lineMarks: inout [Int]?,
        recordStarts: inout [Int]?
    ) throws -> Summary {
        let schema = artifact.schema
        let binding = headerLayout.binding
        let missing = ByteStringSet(schema.missing)
        let fieldCount = headerLayout.header.count
        let passthroughColumns = headerLayout.passthroughColumns
        let version = Array(versionLabel.utf8)
        let threshold = artifact.threshold
        var summary = Summary()
        var rowErrors: [(column: String, value: String, reason: String)] = []
        // Locals, not properties, inside the loop: no retain/release or exclusivity checks per row.
        let numericFields = binding.numeric, categoricalFields = binding.categorical
        let numericWeights = self.numericWeights, medians = layout.medians
        let categoricalLevels = self.categoricalLevels, categoricalWeights = self.categoricalWeights
        let missingWeights = self.missingWeights
        let normalizations = self.normalizations
        let lowerBounds = self.lowerBounds, upperBounds = self.upperBounds
        var unseenCounts = [Int](repeating: 0, count: categoricalFields.count)
        var rowUnseen: [Int] = []
        var batch = try treeBatch(path: path, hasID: binding.id != nil, passthroughCount: passthroughColumns.count)
        let useTrees = batch != nil
        let means = layout.means, scales = layout.scales
        let levelColumns = layout.levelColumns, missingColumns = layout.missingColumns
        var row = [Float](repeating: 0, count: layout.width)
        let sampling = sample.capacity > 0
        // Every row logged column by column (a request's rows): levels that read as themselves are kept by index.
        let keepsColumns = sample.columns != nil
        let plainLevels = keepsColumns ? levelsReadingAsThemselves() : []
        let split = self.split
        // Parsed values are kept for a request's columns and for rows the challenger serves (it scores from values).
        let keepValues = keepsColumns || split != nil
        var challengerLevels = [Int](repeating: -2, count: categoricalFields.count)
        var challengerRow = [Float](repeating: 0, count: split?.challenger.layout.width ?? 0)
        let challengerVersion = Array((split?.challenger.versionLabel ?? "").utf8)
        let challengerThreshold = split?.challenger.artifact.threshold ?? 0
        var parsed = [Double?](repeating: nil, count: numericFields.count)
        // Without A/B, clean rows take the fast path (LinearRows.swift), both families.
        let useFast = split == nil && linearFastPath
        let linear = LinearRows(
            bias: bias, numericFields: numericFields, weights: numericWeights, lower: lowerBounds,
            upper: upperBounds, categoricalFields: categoricalFields, levels: categoricalLevels,
            levelWeights: categoricalWeights, missingWeights: missingWeights, normalizations: normalizations,
            missing: missing, idField: binding.id, layout: layout)
        let treeRow = UnsafeMutablePointer<Float>.allocate(capacity: max(1, layout.width))
        defer { treeRow.deallocate() }
        let versionBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, version.count))
        _ = versionBytes.initialize(from: version)
        defer { versionBytes.deallocate() }
        let versionText = UnsafeBufferPointer(rebasing: versionBytes[0..<version.count])

        var recordStart = reader.bytesConsumed
        while try reader.next() {
            defer { recordStart = reader.bytesConsumed }
            summary.rows += 1
            if let progress, summary.rows & 0xFFFF == 0 { progress(reader.bytesConsumed) }
            if useFast, useTrees, reader.problem == nil, reader.fieldCount == fieldCount,
                case let fields = reader.fieldTable, linear.encode(fields, into: treeRow)
            {
                // As the general path below does for a row without an error, from the encoded row.
                if recordStarts != nil { recordStarts?.append(recordStart) }
                if sampling, let slot = sample.offer() {
                    keepFastRow(
                        reader, binding: binding, row: summary.rows, probability: nil, at: slot, parsed: &parsed,
                        missing: missing, plainLevels: plainLevels, in: &sample)
                }
                if let idIndex = binding.id { batch?.keep(field: fields.field(idIndex)) }
                for index in passthroughColumns { batch?.keep(field: fields.field(index)) }
                batch?.add(
                    features: UnsafeBufferPointer(start: treeRow, count: layout.width), rowNumber: summary.rows,
                    challengerProbability: nil)
                summary.scored += 1
                if batch?.isFull == true { try batch?.submit(writingPreviousTo: &scored) }
                continue
            }
            if useFast, !useTrees, reader.problem == nil, reader.fieldCount == fieldCount,
                case let fields = reader.fieldTable, let z = linear.linearScore(fields)
            {
                if recordStarts != nil { recordStarts?.append(recordStart) }
                let probability = Statistics.sigmoid(z)
                if sampling, let slot = sample.offer() {
                    // The probability is known already: `records(of:file:)` does not compute it again (same value,
                    // tested).
                    keepFastRow(
                        reader, binding: binding, row: summary.rows, probability: probability, at: slot,
                        parsed: &parsed, missing: missing, plainLevels: plainLevels, in: &sample)
                }
                if let idIndex = binding.id {
                    // A record without quotes has no byte in its fields that CSV would quote.
                    let id = fields.field(idIndex)
                    if reader.recordHadQuotes { try scored.writeField(id) } else { try scored.write(recordField: id) }
                } else {
                    try scored.write(integer: summary.rows)
                }
                let endsLine = passthroughColumns.isEmpty
                try scored.writePrediction(
                    probability, threshold: threshold, version: versionText, endingLine: endsLine)
                if !endsLine {
                    for index in passthroughColumns {
                        try scored.write(byte: UInt8(ascii: ","))
                        try scored.writeField(fields.field(index))
                    }
                    try scored.write(byte: UInt8(ascii: "\n"))
                }
                summary.scored += 1
                continue
            }
            let line = reader.line
            if !rowErrors.isEmpty { rowErrors.removeAll(keepingCapacity: true) }
            if !rowUnseen.isEmpty { rowUnseen.removeAll(keepingCapacity: true) }
            if let problem = reader.problem {
                rowErrors.append(("", "", LabeledData.describe(problem)))
            } else if reader.fieldCount != fieldCount {
                rowErrors.append(("", "", "expected \(fieldCount) fields, found \(reader.fieldCount)"))
            }
            var z = bias
            if useTrees { for j in row.indices { row[j] = 0 } }
            if rowErrors.isEmpty {
                for k in numericFields.indices {
                    let index = numericFields[k]
                    let value: Double? = reader.withField(index) { raw in
                        if let number = NumberParser.parseDouble(raw) {
                            if number < lowerBounds[k] || number > upperBounds[k] {
                                if missing.contains(FieldCheck.trimmed(raw)) {  // a marker such as "-1": missing
                                    if keepValues { parsed[k] = nil }
                                    return medians[k]
                                }
                                rowErrors.append((schema.numeric[k], FieldCheck.display(raw), outOfBounds(number, k)))
                                return nil
                            }
                            if keepValues { parsed[k] = number }
                            return number
                        }
                        if missing.contains(FieldCheck.trimmed(raw)) {
                            if keepValues { parsed[k] = nil }  // logged as missing; scored with the training median
                            return medians[k]
                        }
                        let text = FieldCheck.display(raw)
                        let lower = text.lowercased()
                        let reason =
                            ["nan", "inf", "-inf", "+inf", "infinity", "-infinity"].contains(lower)
                            ? "not a finite number" : "not a number"
                        rowErrors.append((schema.numeric[k], text, reason))
                        return nil
                    }
                    if let value {
                        if useTrees {
                            row[k] = Float((value - means[k]) * scales[k])
                        } else {
                            z += numericWeights[k] * value
                        }
                    }
                }
                for k in categoricalFields.indices {
                    let index = categoricalFields[k]
                    // The level's index, -1 for a level never seen in training, -2 for a missing value.
                    let level = reader.withField(index) { raw -> Int in
                        let value = FieldCheck.trimmed(raw)
                        if missing.contains(value) { return -2 }
                        let j = normalizations[k].index(of: value, in: categoricalLevels[k])
                        if j >= 0 { return j }
                        if !FieldCheck.isValidUTF8(value) {
                            rowErrors.append((schema.categorical[k], FieldCheck.display(value), "not valid UTF-8"))
                        }
                        rowUnseen.append(k)
                        return -1  // a level never seen in training: all zeros
                    }
                    if useTrees {
                        let column = level >= 0 ? levelColumns[k] + level : (level == -2 ? missingColumns[k] : -1)
                        if column >= 0 { row[column] = 1 }
                    } else if level >= 0 {
                        z += categoricalWeights[k][level]
                    } else if level == -2 {
                        z += missingWeights[k] ?? 0
                    }
                }
                if let idIndex = binding.id {
                    reader.withField(idIndex) { raw in
                        if !FieldCheck.isValidUTF8(raw) {
                            rowErrors.append((schema.id, FieldCheck.display(raw), "not valid UTF-8"))
                        }
                    }
                }
            }
            if !rowErrors.isEmpty {
                summary.rejected += 1
                for error in rowErrors {
                    if lineMarks != nil {
                        lineMarks?.append(errors.position)
                        lineMarks?.append(line)
                    } else {
                        try errors.write(integer: line)
                    }
                    try errors.write(byte: UInt8(ascii: ","))
                    try errors.writeField(error.column)
                    try errors.write(byte: UInt8(ascii: ","))
                    try errors.writeField(error.value)
                    try errors.write(byte: UInt8(ascii: ","))
                    try errors.writeField(error.reason)
                    try errors.write(byte: UInt8(ascii: "\n"))
                    summary.errorLines += 1
                }
                continue
            }
            for k in rowUnseen { unseenCounts[k] += 1 }
            if recordStarts != nil { recordStarts?.append(recordStart) }
            // A/B: the challenger's probability when this row's id hashes into its share.
            var challengerProbability: Double?
            if let split {
                let chosen =
                    binding.id.map { reader.withField($0) { split.servesChallenger(id: $0) } }
                    ?? split.servesChallenger(id: String(summary.rows))
                if chosen {
                    for k in categoricalFields.indices {
                        challengerLevels[k] = reader.withField(categoricalFields[k]) { raw in
                            let value = FieldCheck.trimmed(raw)
                            return missing.contains(value)
                                ? -2
                                : split.challenger.normalizations[k].index(
                                    of: value, in: split.challenger.categoricalLevels[k])
                        }
                    }
                    challengerProbability = split.challenger.probability(
                        numeric: parsed, levels: challengerLevels, encoding: &challengerRow)
                    summary.servedByChallenger += 1
                }
            }
            if sampling, keepsColumns {
                _ = sample.offer()
                keepColumns(
                    reader, binding: binding, row: summary.rows, numeric: parsed, missing: missing,
                    plainLevels: plainLevels, in: &sample)
            } else if sampling, let slot = sample.offer() {
                keepFields(reader, binding: binding, row: summary.rows, probability: nil, at: slot, in: &sample)
            }
            if useTrees {
                // Keep what the output line needs from this record; the trees predict the batch later.
                if let idIndex = binding.id { reader.withField(idIndex) { batch?.keep(field: $0) } }
                for index in passthroughColumns { reader.withField(index) { batch?.keep(field: $0) } }
                batch?.add(features: row, rowNumber: summary.rows, challengerProbability: challengerProbability)
                summary.scored += 1
                if batch?.isFull == true { try batch?.submit(writingPreviousTo: &scored) }
                continue
            }
            if let idIndex = binding.id {
                try reader.withField(idIndex) { try scored.writeField($0) }
            } else {
                try scored.write(integer: summary.rows)
            }
            if let challengerProbability {
                try challengerVersion.withUnsafeBufferPointer {
                    try scored.writePrediction(challengerProbability, threshold: challengerThreshold, version: $0)
                }
            } else {
                try version.withUnsafeBufferPointer {
                    try scored.writePrediction(Statistics.sigmoid(z), threshold: threshold, version: $0)
                }
            }
            for index in passthroughColumns {
                try scored.write(byte: UInt8(ascii: ","))
                try reader.withField(index) { try scored.writeField($0) }
            }
            try scored.write(byte: UInt8(ascii: "\n"))
            summary.scored += 1
        }
        try batch?.finish(into: &scored)
        try scored.flush()
        // Without a rejected row the errors file holds only its header: it stays in the buffer, so a caller
        // whose sink creates the file on its first bytes never creates it.
        if summary.errorLines > 0 { try errors.flush() }
        for (k, count) in unseenCounts.enumerated() where count > 0 {
            summary.unseenLevels[schema.categorical[k]] = count
        }
        return summary
    }

    typealias SampledValues = [(numeric: [Double?], categorical: [String?])]

    /// Keeps a row the fast path scored in the sample's `slot`: every numeric field parsed within its bounds, so
    /// its values are what the general path keeps. A request's rows go to the columns (`keepColumns`, its values
    /// parsed into `parsed`, scratch space), a file's as their fields (`keepFields`).
    func keepFastRow(
        _ reader: borrowing CSVReader, binding: HeaderBinding, row: Int, probability: Double?, at slot: Int,
        parsed: inout [Double?], missing: ByteStringSet, plainLevels: [[Bool]], in sample: inout PredictionSampler
    ) {
        if sample.columns != nil {
            let fields = reader.fieldTable
            for (k, field) in binding.numeric.enumerated() {
                parsed[k] = NumberParser.parseDouble(fields.field(field))
            }
            keepColumns(
                reader, binding: binding, row: row, numeric: parsed, missing: missing, plainLevels: plainLevels,
                in: &sample)
        } else {
            keepFields(reader, binding: binding, row: row, probability: probability, at: slot, in: &sample)
        }
    }

    /// Keeps the current record of `reader`, a scored row, in the sample's `slot`: its id field and its numeric
    /// then categorical fields, as read, and its probability when known (nil: `records(of:file:)` computes it).
    @inline(__always)
    func keepFields(
        _ reader: borrowing CSVReader, binding: HeaderBinding, row: Int, probability: Double?, at slot: Int,
        in sample: inout PredictionSampler
    ) {
        let table = reader.fieldTable
        let numeric = binding.numeric, categorical = binding.categorical
        sample.keep(
            row: row, id: binding.id.map { table.field($0) }, fieldCount: numeric.count + categorical.count,
            field: { k in table.field(k < numeric.count ? numeric[k] : categorical[k - numeric.count]) },
            probability: probability, at: slot)
    }

    /// The reason a row error gives for the `k`th numeric column's `value`, outside its bounds.
    func outOfBounds(_ value: Double, _ k: Int) -> String {
        bounds[artifact.schema.numeric[k]]?.violation(value) ?? "out of bounds"
    }

    /// Probability of a row given its numeric values (nil = missing: the training median) and the index of
    /// each categorical value among this model's levels (-1 unknown, -2 missing), computed as file scoring
    /// does, to the bit. `encoding` is scratch space for trees (`layout.width` floats).
    func probability(numeric: [Double?], levels: [Int], encoding row: inout [Float]) -> Double {
        if case .success(let ensemble) = trees {
            layout.encode(numeric: numeric, levels: levels, into: &row)
            return Double(row.withUnsafeBufferPointer { ensemble.probability($0) })
        }
        if trees != nil { return .nan }
        var z = bias
        for k in numericWeights.indices { z += numericWeights[k] * (numeric[k] ?? layout.medians[k]) }
        for k in levels.indices {
            let level = levels[k]
            if level >= 0 {
                z += categoricalWeights[k][level]
            } else if level == -2 {
                z += missingWeights[k] ?? 0
            }
        }
        return Statistics.sigmoid(z)
    }

    /// A categorical field as logged: its text trimmed and normalised as `normalization` matches it, nil for a
    /// missing value.
    static func loggedCategory(
        _ raw: UnsafeBufferPointer<UInt8>, missing: ByteStringSet, normalization: CategoryNormalization
    ) -> String? {
        let value = FieldCheck.trimmed(raw)
        return missing.contains(value) ? nil : normalization.apply(String(decoding: value, as: UTF8.self))
    }

    /// Probabilities of rows given as values: one pass for a logistic model, one call for trees.
    package func probabilities(of rows: [(numeric: [Double?], categorical: [String?])]) -> [Double] {
        guard case .success(let ensemble) = trees else {
            return rows.map { probability(numeric: $0.numeric, categorical: $0.categorical) }
        }
        var input: [Float] = []
        input.reserveCapacity(rows.count * layout.width)
        var encoded = [Float](repeating: 0, count: layout.width)
        for row in rows {
            layout.encode(numeric: row.numeric, levels: levels(of: row.categorical), into: &encoded)
            input += encoded
        }
        var output = [Float](repeating: .nan, count: rows.count)
        input.withUnsafeBufferPointer { features in
            output.withUnsafeMutableBufferPointer {
                ensemble.predict(features, rows: rows.count, width: layout.width, into: $0)
            }
        }
        return output.map(Double.init)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
