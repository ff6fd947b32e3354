/// The fitted feature transformation: numeric → median imputation then standardisation; categorical →
/// one-hot over the levels seen in training (sorted by code point, after the column's normalisation), missing
/// as its own level when it was seen, unknown levels → all zeros.
package struct Preprocessing: Codable, Equatable, Sendable {
    package struct Numeric: Codable, Equatable, Sendable {
        package var name: String
        package var median: Double
        package var mean: Double
        /// Population standard deviation of the imputed column; 1 when the column is constant.
        package var std: Double
    }

    package struct Categorical: Codable, Equatable, Sendable {
        package var name: String
        package var levels: [String]
        /// True when a "missing" level follows `levels` in the encoding.
        package var hasMissingLevel: Bool
        /// How values were normalised before they became `levels`; scoring applies the same. Absent in models
        /// trained before normalisation existed, and when the schema sets none: values are trimmed only.
        package var normalize: CategoryNormalization? = nil

        /// The normalisation scoring applies.
        package var normalization: CategoryNormalization { normalize ?? .trim }
    }

    package var numeric: [Numeric]
    package var categorical: [Categorical]

    /// Number of encoded columns.
    package var width: Int {
        numeric.count + categorical.reduce(0) { $0 + $1.levels.count + ($1.hasMissingLevel ? 1 : 0) }
    }

    /// Names of the encoded columns: `tenure_months`, `plan_type=basic`, `region=<missing>`.
    package var featureNames: [String] {
        numeric.map(\.name)
            + categorical.flatMap { feature in
                feature.levels.map { "\(feature.name)=\($0)" }
                    + (feature.hasMissingLevel ? ["\(feature.name)=<missing>"] : [])
            }
    }

    /// Fits on the rows `rows` of `data`.
    package static func fit(_ data: LabeledData, rows: [Int]) -> Preprocessing {
        var numeric: [Numeric] = []
        for (k, name) in data.schema.numeric.enumerated() {
            let column = data.numeric[k]
            var present = rows.compactMap { column[$0].isNaN ? nil : column[$0] }
            let median = Statistics.median(&present)
            var sum = 0.0
            for row in rows {
                let value = column[row]
                sum += value.isNaN ? median : value
            }
            let mean = rows.isEmpty ? 0 : sum / Double(rows.count)
            var squares = 0.0
            for row in rows {
                let value = column[row]
                let d = (value.isNaN ? median : value) - mean
                squares += d * d
            }
            let std = rows.isEmpty ? 0 : (squares / Double(rows.count)).squareRoot()
            numeric.append(Numeric(name: name, median: median, mean: mean, std: std > 1e-12 ? std : 1))
        }
        var categorical: [Categorical] = []
        for (k, name) in data.schema.categorical.enumerated() {
            let codes = data.categorical[k]
            var seen = [Bool](repeating: false, count: data.levels[k].levels.count)
            var sawMissing = false
            for row in rows {
                let code = codes[row]
                if code < 0 { sawMissing = true } else { seen[Int(code)] = true }
            }
            let levels = data.levels[k].levels.enumerated().filter { seen[$0.offset] }.map(\.element)
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            categorical.append(
                Categorical(
                    name: name, levels: levels, hasMissingLevel: sawMissing, normalize: data.schema.normalize[name]))
        }
        return Preprocessing(numeric: numeric, categorical: categorical)
    }

    /// Encodes rows of `data` into a dense row-major matrix of `width` columns.
    package func encode(_ data: LabeledData, rows: [Int]) -> [Double] {
        let width = self.width
        var matrix = [Double](repeating: 0, count: rows.count * width)
        // Map each data level code to its encoded column (or -1 for unseen levels).
        var columnOfCode: [[Int]] = []
        var missingColumn: [Int] = []
        var offset = numeric.count
        for (k, feature) in categorical.enumerated() {
            var position: [String: Int] = [:]
            for (j, level) in feature.levels.enumerated() { position[level] = offset + j }
            columnOfCode.append(data.levels[k].levels.map { position[$0] ?? -1 })
            missingColumn.append(feature.hasMissingLevel ? offset + feature.levels.count : -1)
            offset += feature.levels.count + (feature.hasMissingLevel ? 1 : 0)
        }
        matrix.withUnsafeMutableBufferPointer { out in
            for (k, feature) in numeric.enumerated() {
                let column = data.numeric[k]
                let scale = 1 / feature.std
                for (i, row) in rows.enumerated() {
                    let value = column[row]
                    out[i * width + k] = ((value.isNaN ? feature.median : value) - feature.mean) * scale
                }
            }
            for k in categorical.indices {
                let codes = data.categorical[k]
                for (i, row) in rows.enumerated() {
                    let code = codes[row]
                    let column = code < 0 ? missingColumn[k] : columnOfCode[k][Int(code)]
                    if column >= 0 { out[i * width + column] = 1 }
                }
            }
        }
        return matrix
    }
}
