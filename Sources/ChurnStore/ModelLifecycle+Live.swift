import ChurnCore

extension ModelLifecycle {
    /// What one label file did.
    public struct LabelReport: Sendable {
        public var file: String
        public var batch: LabelBatch
        /// Labeled ids that matched no logged prediction: counted and ignored.
        public var unknownIDs: Int
        /// Outcomes stored (one per version and id).
        public var stored: Int
        /// Live metrics per version after this file, over each one's window.
        public var metrics: [Int: LiveMetrics]
        /// The challenger against the champion on their paired labeled rows (nil without both).
        public var judgement: LivePromotion.Judgement?
        /// The promotion it caused, if any.
        public var promotion: Registry.AliasChange?

        /// One line for the journal.
        public var summary: String {
            typealias F = NumberFormat
            var text = "\(F.grouped(batch.rows)) label rows, \(F.grouped(stored)) outcomes stored"
            if batch.duplicates > 0 { text += ", \(F.grouped(batch.duplicates)) duplicate ids (last label kept)" }
            if unknownIDs > 0 { text += ", \(F.grouped(unknownIDs)) ids without a logged prediction ignored" }
            if batch.skipped > 0 { text += ", \(F.grouped(batch.skipped)) rows without id or label skipped" }
            for version in metrics.keys.sorted() {
                let m = metrics[version]!
                text += "; v\(version) live F1 \(F.fixed(m.f1, 4)) on \(F.grouped(m.rows)) rows"
            }
            if let move = promotion?.move {
                text += "; \(move.reason)"
            } else if let judgement {
                text += "; challenger not promoted (\(judgement.figures))"
            }
            return text
        }
    }

    /// Joins `batch` with the predictions in `logFiles` (champion and challenger lines alike), stores the
    /// outcomes, and with `[live] promote_challenger` promotes the challenger when its live F1 beats the
    /// champion's by the promotion rule. A log file that cannot be read is skipped.
    public func applyLabels(_ batch: LabelBatch, file: String, logFiles: [String], actor: AuditActor) throws
        -> LabelReport
    {
        var join = LabelJoin(labels: batch)
        for path in logFiles {
            _ = try? PredictionLogFiles.forEachLine(in: path) { join.add(line: $0) }
        }
        let stored = try registry.recordLive(model: modelName, outcomes: join.outcomes, file: file).stored
        var report = LabelReport(
            file: file, batch: batch, unknownIDs: join.unknownIDs, stored: stored, metrics: [:], judgement: nil,
            promotion: nil)
        (report.judgement, report.promotion) = try judgeChallengerLive(
            actor: actor, promote: config.live.promoteChallenger)
        report.metrics = try registry.liveMetrics(model: modelName, window: config.live.windowRows)
        return report
    }

    /// Judges the challenger against the champion on their last `window_rows` labeled rows, paired by id, and
    /// (when `promote`) promotes it when it wins by the `[promotion]` rule over at least `min_live_rows` rows.
    public func judgeChallengerLive(actor: AuditActor, promote: Bool) throws
        -> (LivePromotion.Judgement?, Registry.AliasChange?)
    {
        guard let champion = try servingVersion(), let challenger = try servingVersion(alias: AliasName.challenger),
            champion != challenger
        else { return (nil, nil) }
        let window = config.live.windowRows
        let judgement = LivePromotion(policy: PromotionPolicy(config: config), minRows: config.live.minLiveRows)
            .judge(
                challenger: try registry.liveWindow(model: modelName, version: challenger, limit: window),
                champion: try registry.liveWindow(model: modelName, version: champion, limit: window))
        guard promote, let verdict = judgement.verdict, verdict.decision == .promoted else { return (judgement, nil) }
        let reason = "promoted challenger v\(challenger) to production over v\(champion): \(judgement.figures)"
        do {
            let change = try registry.promote(
                model: modelName, version: challenger, actor: actor, reason: reason, challenger: challengerRule,
                onlyFrom: champion)
            return (judgement, change)
        } catch RegistryError.championChanged {
            return (judgement, nil)  // production moved while we judged: the next label file judges again
        }
    }
}
