import ChurnCore
import ChurnStore
import Foundation

/// Scores checked request rows with one `ServingModels.Snapshot`, the rules of the file path applied per
/// request: the A/B split by id hash (`[shadow] serve_fraction`, `ServingSplit`), the champion's bounds and
/// normalisation, shadow scoring by the challenger (`[shadow] enabled`, `ShadowPredictions`), and a prediction
/// log record for every served and shadow prediction.
package struct Predictor: Sendable {
    package var snapshot: ServingModels.Snapshot
    package var shadowEnabled: Bool
    package var serveFraction: Double

    /// One row of a request: its fields, its request id, and the id it is split by.
    package struct Row: Sendable {
        package var fields: [String: Scorer.FieldValue]
        package var requestID: String
        /// The customer id when given, else the request id: the A/B split hashes it.
        package var splitID: String
    }

    /// One served prediction.
    package struct Prediction: Sendable {
        package var requestID: String
        package var version: Int
        package var alias: String
        package var probability: Double
        package var prediction: Int
        package var threshold: Double
    }

    package init(snapshot: ServingModels.Snapshot, shadowEnabled: Bool, serveFraction: Double) {
        self.snapshot = snapshot
        self.shadowEnabled = shadowEnabled
        self.serveFraction = serveFraction
    }

    /// The feature fields a request must carry, in model order.
    package var features: [String] { snapshot.scorer.artifact.schema.features }
    package var schema: Schema { snapshot.scorer.artifact.schema }

    /// Checks every row: the checked rows, and every problem of every row (by row index).
    package func check(_ rows: [Row]) -> (
        checked: [Scorer.CheckedRow], problems: [(row: Int, problem: Scorer.FieldProblem)]
    ) {
        collect(snapshot.scorer.check(rows.map(\.fields)))
    }

    /// Checks `rows` rows given field by field (`Scorer.check(rows:field:)`), as `check(_:)` does.
    package func check(rows: Int, field: (Int, Int) -> Scorer.FieldValue?) -> (
        checked: [Scorer.CheckedRow], problems: [(row: Int, problem: Scorer.FieldProblem)]
    ) {
        collect(snapshot.scorer.check(rows: rows, field: field))
    }

    private func collect(_ checks: [Scorer.Check]) -> (
        checked: [Scorer.CheckedRow], problems: [(row: Int, problem: Scorer.FieldProblem)]
    ) {
        var checked: [Scorer.CheckedRow] = []
        var problems: [(row: Int, problem: Scorer.FieldProblem)] = []
        for (index, check) in checks.enumerated() {
            switch check {
            case .valid(let row): checked.append(row)
            case .invalid(let found): problems += found.map { (row: index, problem: $0) }
            }
        }
        return (checked, problems)
    }

    /// What `score` gives: the answers, the log lines of the served predictions (columns, without latency), and
    /// the shadow predictions' records (without latency).
    package struct Scored: Sendable {
        package var predictions: [Prediction]
        package var log: PredictionColumns
        package var shadow: [PredictionRecord]

        /// Every log line as a record: served, then shadow.
        package var records: [PredictionRecord] { log.records + shadow }

        /// Stamps every log line with the request's latency.
        package mutating func setLatency(_ milliseconds: Double) {
            log.latencyMS = milliseconds
            for index in shadow.indices { shadow[index].latencyMS = milliseconds }
        }
    }

    /// Scores checked rows: the answers and the prediction log lines (served, then shadow).
    package func score(_ rows: [Row], checked: [Scorer.CheckedRow], at timestamp: Double) -> Scored {
        let champion = snapshot.scorer
        var split: ServingSplit?
        if serveFraction > 0, let challenger = snapshot.challenger,
            challenger.scorer.artifact.schema.readsSameColumns(as: champion.artifact.schema)
        {
            split = ServingSplit(challenger: challenger.scorer, fraction: serveFraction)
        }
        var predictions: [Prediction] = []
        predictions.reserveCapacity(rows.count)
        var log = champion.logColumns(timestamp: timestamp)
        log.reserveCapacity(rows.count)
        // Taken once: a `Scorer` copied per row costs more than the row's score.
        let challenger = split == nil ? nil : snapshot.challenger
        let championThreshold = champion.artifact.threshold
        let championCode = log.versionCode(String(snapshot.version))
        let challengerCode = challenger.map { log.versionCode(String($0.version)) } ?? championCode
        let levels = log.levels
        for (row, values) in zip(rows, checked) {
            var version = snapshot.version
            var alias = AliasName.production
            let probability: Double
            let threshold: Double
            if let split, let challenger, split.servesChallenger(id: row.splitID) {
                version = challenger.version
                alias = AliasName.challenger
                probability = challenger.scorer.probability(ofRowCheckedElsewhere: values)
                threshold = challenger.scorer.artifact.threshold
            } else {
                probability = champion.probability(of: values)
                threshold = championThreshold
            }
            let prediction = probability >= threshold ? 1 : 0
            predictions.append(
                Prediction(
                    requestID: row.requestID, version: version, alias: alias, probability: probability,
                    prediction: prediction, threshold: threshold))
            log.appendRow(id: row.requestID, numeric: values.numeric) { k in
                PredictionColumns.category(values.categorical[k], level: values.levels[k], among: levels[k])
            }
            log.setOutcome(
                log.count - 1, version: alias == AliasName.production ? championCode : challengerCode,
                prediction: prediction, probability: probability)
        }
        var shadow: [PredictionRecord] = []
        if shadowEnabled, let challenger = snapshot.challenger {
            let served = predictions.indices.filter { predictions[$0].alias == AliasName.production }
            shadow = ShadowPredictions.score(
                served.map { log.record(at: $0) }, with: challenger.scorer, alias: AliasName.challenger)
        }
        return Scored(predictions: predictions, log: log, shadow: shadow)
    }
}
