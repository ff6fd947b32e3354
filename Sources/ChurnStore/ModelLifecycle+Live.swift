import ChurnCore

extension ModelLifecycle {
    /// What one label file did.
    package struct LabelReport: Sendable {
        package var file: String
        package var batch: LabelBatch
        /// The join's counts, as stored.
        package var joined: LabelFileRecord
        /// Log lines of labeled ids written after the label file arrived (never credited).
        package var laterLines: Int
        /// Live metrics per version after this file, over each one's window.
        package var metrics: [Int: LiveMetrics]
        /// The challenger against the champion on their paired labeled rows (nil without both).
        package var judgement: LivePromotion.Judgement?
        /// The promotion it caused, if any.
        package var promotion: Registry.AliasChange?

        /// One line for the journal, e.g. "303 labels: 300 joined, 2 too old (prediction more than 30 days
        /// before the file arrived), 1 matched no prediction; 600 outcomes stored; v1 live F1 0.7000 on 300 rows".
        package var summary: String {
            typealias F = NumberFormat
            var text =
                "\(F.grouped(joined.labels)) label\(joined.labels == 1 ? "" : "s"): "
                + "\(F.grouped(joined.joined)) joined, \(F.grouped(joined.tooOld)) too old (prediction more than "
                + "\(Self.days(joined.maxLabelAgeDays)) days before the file arrived), \(F.grouped(joined.unmatched)) "
                + "matched no prediction; \(F.grouped(joined.outcomes)) outcomes stored"
            if batch.duplicates > 0 {
                text += ", \(Self.count(batch.duplicates, "duplicate label")) (last kept)"
            }
            if batch.skipped > 0 { text += ", \(Self.count(batch.skipped, "row")) without id or label skipped" }
            if laterLines > 0 {
                text += ", \(Self.count(laterLines, "prediction")) made after the file arrived not credited"
            }
            for version in metrics.keys.sorted() {
                guard let m = metrics[version] else { continue }
                text += "; v\(version) live F1 \(F.fixed(m.f1, 4)) on \(F.grouped(m.rows)) rows"
            }
            if let move = promotion?.move {
                text += "; \(move.reason)"
            } else if let judgement {
                text += "; challenger not promoted (\(judgement.figures))"
            }
            return text
        }

        /// "1 row", "2 rows".
        static func count(_ n: Int, _ noun: String) -> String {
            "\(NumberFormat.grouped(n)) \(noun)\(n == 1 ? "" : "s")"
        }

        /// "30" for whole days, "0.5" otherwise.
        static func days(_ value: Double) -> String {
            NumberFormat.plain(value)
        }
    }

    /// Joins `batch`, which arrived at `arrivedAt`, with the predictions in `logFiles` (champion and challenger
    /// lines alike, of churnd or of other services), stores the outcomes and the join's counts, and with
    /// `[live] promote_challenger` promotes the challenger when its live F1 beats the champion's by the
    /// promotion rule. A log file that cannot be read is skipped.
    package func applyLabels(
        _ batch: LabelBatch, file: String, arrivedAt: Double, logFiles: [String], actor: AuditActor
    ) throws -> LabelReport {
        if let pinned = pinned() {
            return try pinned.applyLabels(batch, file: file, arrivedAt: arrivedAt, logFiles: logFiles, actor: actor)
        }
        let days = config.live.maxLabelAgeDays
        var join = LabelJoin(
            labels: batch, arrivedAt: arrivedAt, maxAge: days * 86_400,
            attribution: try registry.attribution(model: modelName))
        for path in logFiles {
            _ = try? PredictionLogFiles.forEachLine(in: path) { join.add(line: $0) }
        }
        let joined = try registry.recordLabels(
            model: modelName, join: join.result, file: file, arrivedAt: arrivedAt, maxLabelAgeDays: days)
        var report = LabelReport(
            file: file, batch: batch, joined: joined, laterLines: join.laterLines, metrics: [:], judgement: nil,
            promotion: nil)
        (report.judgement, report.promotion) = try judgeChallengerLive(
            actor: actor, promote: config.live.promoteChallenger)
        report.metrics = try registry.liveMetrics(model: modelName, window: config.live.windowRows)
        return report
    }

    /// Judges the challenger against the champion on their last `window_rows` labeled rows, paired by id, and
    /// (when `promote`) promotes it when it wins by the `[promotion]` rule over at least `min_live_rows` rows.
    package func judgeChallengerLive(actor: AuditActor, promote: Bool) throws
        -> (LivePromotion.Judgement?, Registry.AliasChange?)
    {
        if let pinned = pinned() { return try pinned.judgeChallengerLive(actor: actor, promote: promote) }
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
