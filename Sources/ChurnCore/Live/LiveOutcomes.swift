/// One scored row whose true label is now known: what a version predicted for `requestID`, and the label.
public struct LiveOutcome: Sendable, Equatable {
    public var version: Int
    /// "challenger" for shadow predictions; nil for the champion's own.
    public var alias: String?
    public var requestID: String
    public var prediction: UInt8
    public var probability: Double
    public var label: UInt8
    /// When the prediction was made (the log line's `ts`).
    public var predictedAt: Double

    public init(
        version: Int, alias: String?, requestID: String, prediction: UInt8, probability: Double, label: UInt8,
        predictedAt: Double
    ) {
        self.version = version
        self.alias = alias
        self.requestID = requestID
        self.prediction = prediction
        self.probability = probability
        self.label = label
        self.predictedAt = predictedAt
    }
}

/// Joins labels with logged predictions by `request_id` (the customer id): one outcome per version and id,
/// from the newest line when a version logged the same id more than once. Feed it every log line; only lines
/// whose id has a label are kept, so memory follows the labels, not the logs.
public struct LabelJoin: Sendable {
    public let labels: LabelBatch
    private var latest: [String: [Int: PredictionRecord]] = [:]
    /// Log lines that were not prediction records, or carried a non-numeric `model_version`.
    public private(set) var unusableLines = 0

    public init(labels: LabelBatch) {
        self.labels = labels
    }

    public mutating func add(line: some StringProtocol) {
        guard !line.allSatisfy(\.isWhitespace) else { return }
        guard let record = try? PredictionRecord.parse(line) else {
            unusableLines += 1
            return
        }
        add(record)
    }

    public mutating func add(_ record: PredictionRecord) {
        guard labels.labels[record.requestID] != nil else { return }
        guard let version = Int(record.modelVersion) else {
            unusableLines += 1
            return
        }
        if let held = latest[record.requestID]?[version], held.timestamp > record.timestamp { return }
        latest[record.requestID, default: [:]][version] = record
    }

    /// Outcomes in the order the labels arrived (then by version).
    public var outcomes: [LiveOutcome] {
        var result: [LiveOutcome] = []
        for (id, label) in labels.entries {
            guard let byVersion = latest[id] else { continue }
            for version in byVersion.keys.sorted() {
                let record = byVersion[version]!
                result.append(
                    LiveOutcome(
                        version: version, alias: record.alias, requestID: id,
                        prediction: record.prediction == 1 ? 1 : 0, probability: record.probability, label: label,
                        predictedAt: record.timestamp))
            }
        }
        return result
    }

    /// Labeled ids that no logged prediction matched: counted and ignored.
    public var unknownIDs: Int {
        labels.labels.keys.reduce(0) { $0 + (latest[$1] == nil ? 1 : 0) }
    }
}

/// Live precision, recall and F1 of one version over its labeled rows.
public struct LiveMetrics: Sendable, Equatable, Codable {
    public var rows = 0
    public var tp = 0, fp = 0, fn = 0, tn = 0

    public init(predictions: [UInt8], labels: [UInt8]) {
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
    public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
    /// 0 when no label was positive.
    public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
    public var f1: Double { 2 * tp + fp + fn == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn) }
}

/// Whether the challenger's live F1 beats the champion's: the same rule as at training time
/// (`PromotionPolicy`: gate, minimum gain, paired bootstrap confidence), on the labeled rows both versions
/// predicted, once there are at least `minRows` of them.
public struct LivePromotion: Sendable {
    public var policy: PromotionPolicy
    public var minRows: Int

    public init(policy: PromotionPolicy, minRows: Int) {
        self.policy = policy
        self.minRows = minRows
    }

    /// What the judgement found: paired rows, and the verdict once there are enough.
    public struct Judgement: Sendable, Equatable {
        public var pairedRows: Int
        /// nil with fewer than `minRows` paired rows.
        public var verdict: Verdict?

        /// e.g. "live F1 0.7400 vs 0.7100 on 612 labeled rows, gain holds in 96% of 1,000 bootstrap resamples".
        public var figures: String {
            guard let verdict else { return "\(NumberFormat.grouped(pairedRows)) paired labeled rows" }
            typealias F = NumberFormat
            return "live F1 \(F.fixed(verdict.candidateF1, 4)) vs \(F.fixed(verdict.championF1 ?? 0, 4)) on "
                + "\(F.grouped(pairedRows)) labeled rows, gain holds in \(F.percent(verdict.winShare ?? 0)) of "
                + "\(F.grouped(verdict.resamples ?? 0)) bootstrap resamples"
        }
    }

    /// Pairs the two windows by request id (the challenger's outcomes order the rows).
    public func judge(challenger: [LiveOutcome], champion: [LiveOutcome]) -> Judgement {
        var championByID: [String: LiveOutcome] = [:]
        for outcome in champion { championByID[outcome.requestID] = outcome }
        var labels: [UInt8] = []
        var candidate: [Double] = []
        var serving: [Double] = []
        for outcome in challenger {
            guard let other = championByID[outcome.requestID] else { continue }
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
