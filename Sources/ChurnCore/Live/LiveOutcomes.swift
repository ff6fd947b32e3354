/// One scored row whose true label is now known: what a version predicted for `requestID`, and the label.
package struct LiveOutcome: Sendable, Equatable {
    package var version: Int
    /// "challenger" for shadow predictions; nil for the champion's own.
    package var alias: String?
    package var requestID: String
    /// The inbox file the prediction was made for, when the log line says.
    package var file: String?
    package var prediction: UInt8
    package var probability: Double
    package var label: UInt8
    /// When the prediction was made (the log line's `ts`).
    package var predictedAt: Double

    package init(
        version: Int, alias: String?, requestID: String, file: String? = nil, prediction: UInt8, probability: Double,
        label: UInt8, predictedAt: Double
    ) {
        self.version = version
        self.alias = alias
        self.requestID = requestID
        self.file = file
        self.prediction = prediction
        self.probability = probability
        self.label = label
        self.predictedAt = predictedAt
    }
}

/// Joins labels with the logged predictions they judge. For each label and each version, that is the most
/// recent line with the label's `request_id` (and file, when the label names one) made before the label file
/// arrived; it is credited only when it was made at most `maxAge` seconds before the arrival, so a label never
/// judges a prediction made for another, older file, nor one made after it. Lines whose `model_version` is not
/// a version number are attributed by their `ts` (`VersionAttribution`). Feed it every log line; only lines
/// whose key has a label are kept, so memory follows the labels, not the logs.
package struct LabelJoin: Sendable {
    package let labels: LabelBatch
    /// When the label file arrived (seconds since 1970).
    package let arrivedAt: Double
    /// The oldest a prediction may be, in seconds before the arrival, to be credited.
    package let maxAge: Double
    package let attribution: VersionAttribution
    private var latest: [LabelBatch.Key: [Int: PredictionRecord]] = [:]
    /// Log lines that were not prediction records, or lines of labeled keys without a `ts` or a version.
    package private(set) var unusableLines = 0
    /// Lines of labeled keys written after the label file arrived: never what it judges.
    package private(set) var laterLines = 0

    package init(labels: LabelBatch, arrivedAt: Double, maxAge: Double, attribution: VersionAttribution) {
        self.labels = labels
        self.arrivedAt = arrivedAt
        self.maxAge = maxAge
        self.attribution = attribution
    }

    package mutating func add(line: some StringProtocol) {
        guard !line.allSatisfy(\.isWhitespace) else { return }
        guard let record = try? PredictionRecord.parse(line) else {
            unusableLines += 1
            return
        }
        add(record)
    }

    package mutating func add(_ record: PredictionRecord) {
        let byID = LabelBatch.Key(requestID: record.requestID)
        let byFile = record.file.map { LabelBatch.Key(requestID: record.requestID, file: $0) }
        let keys = [byID, byFile].compactMap { $0 }.filter { labels.labels[$0] != nil }
        guard !keys.isEmpty else { return }
        guard record.timestamp > 0 else {
            unusableLines += 1  // no ts: when it was made cannot be told
            return
        }
        guard record.timestamp <= arrivedAt else {
            laterLines += 1
            return
        }
        guard case .success(let version) = attribution.version(of: record.modelVersion, at: record.timestamp) else {
            unusableLines += 1
            return
        }
        for key in keys {
            if let held = latest[key]?[version], held.timestamp > record.timestamp { continue }
            latest[key, default: [:]][version] = record
        }
    }

    /// What the labels joined: outcomes in the order the labels arrived (then by version), and per label
    /// whether some version was credited, only too old predictions were found, or nothing matched.
    package struct Result: Sendable, Equatable {
        package var outcomes: [LiveOutcome] = []
        /// Labels credited to at least one version.
        package var joined = 0
        /// Labels whose predictions were all made more than `maxAge` before the label file arrived.
        package var tooOld = 0
        /// Labels with no logged prediction made before the label file arrived.
        package var unmatched = 0

        package init() {}
    }

    package var result: Result {
        var result = Result()
        let oldest = arrivedAt - maxAge
        for (key, label) in labels.entries {
            guard let byVersion = latest[key] else {
                result.unmatched += 1
                continue
            }
            var credited = false
            for version in byVersion.keys.sorted() {
                guard let record = byVersion[version], record.timestamp >= oldest else { continue }
                credited = true
                result.outcomes.append(
                    LiveOutcome(
                        version: version, alias: record.alias, requestID: key.requestID, file: record.file,
                        prediction: record.prediction == 1 ? 1 : 0, probability: record.probability, label: label,
                        predictedAt: record.timestamp))
            }
            if credited { result.joined += 1 } else { result.tooOld += 1 }
        }
        return result
    }
}

/// Live precision, recall and F1 of one version over its labeled rows.
package struct LiveMetrics: Sendable, Equatable, Codable {
    package var rows = 0
    package var tp = 0, fp = 0, fn = 0, tn = 0

    package init(predictions: [UInt8], labels: [UInt8]) {
        for (p, y) in zip(predictions, labels) {
            switch (p == 1, y == 1) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): tn += 1
            }
        }
        rows = tp + fp + fn + tn
    }

    /// 0 when nothing was predicted positive.
    package var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
    /// 0 when no label was positive.
    package var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
    package var f1: Double { 2 * tp + fp + fn == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn) }
}

/// Whether the challenger's live F1 beats the champion's: the same rule as at training time
/// (`PromotionPolicy`: gate, minimum gain, paired bootstrap confidence), on the labeled rows both versions
/// predicted, once there are at least `minRows` of them.
package struct LivePromotion: Sendable {
    package var policy: PromotionPolicy
    package var minRows: Int

    package init(policy: PromotionPolicy, minRows: Int) {
        self.policy = policy
        self.minRows = minRows
    }

    /// What the judgement found: paired rows, and the verdict once there are enough.
    package struct Judgement: Sendable, Equatable {
        package var pairedRows: Int
        /// nil with fewer than `minRows` paired rows.
        package var verdict: Verdict?

        /// e.g. "live F1 0.7400 vs 0.7100 on 612 labeled rows, gain holds in 96% of 1,000 bootstrap resamples".
        package var figures: String {
            guard let verdict else { return "\(NumberFormat.grouped(pairedRows)) paired labeled rows" }
            typealias F = NumberFormat
            return "live F1 \(F.fixed(verdict.candidateF1, 4)) vs \(F.fixed(verdict.championF1 ?? 0, 4)) on "
                + "\(F.grouped(pairedRows)) labeled rows, gain holds in \(F.percent(verdict.winShare ?? 0)) of "
                + "\(F.grouped(verdict.resamples ?? 0)) bootstrap resamples"
        }
    }

    /// Pairs the two windows by request id and scored file (the challenger's outcomes order the rows).
    package func judge(challenger: [LiveOutcome], champion: [LiveOutcome]) -> Judgement {
        var championByID: [LabelBatch.Key: LiveOutcome] = [:]
        for outcome in champion { championByID[.init(requestID: outcome.requestID, file: outcome.file)] = outcome }
        var labels: [UInt8] = []
        var candidate: [Double] = []
        var serving: [Double] = []
        for outcome in challenger {
            guard let other = championByID[.init(requestID: outcome.requestID, file: outcome.file)] else { continue }
            labels.append(outcome.label)
            candidate.append(Double(outcome.prediction))
            serving.append(Double(other.prediction))
        }
        guard labels.count >= minRows, labels.count > 0 else { return Judgement(pairedRows: labels.count) }
        // Predictions are already 0/1 at each version's own threshold: compare them at 0.5.
        let verdict = policy.judge(
            labels: labels, candidate: .init(probabilities: candidate, threshold: 0.5),
            champion: .init(probabilities: serving, threshold: 0.5))
        return Judgement(pairedRows: labels.count, verdict: verdict)
    }
}
