import ChurnCore
import Foundation

/// Train → judge → register → promote, and the alias operations around it: the one layer between the registry
/// and its callers, the CLI and the daemon alike. Safe to use from several threads and processes at once (the
/// registry serialises writes).
package struct ModelLifecycle: Sendable {
    package let registry: Registry
    private let configuration: Configuration

    /// A fixed configuration (the CLI, tests), or the one in force at each call (the daemon, which reloads it).
    private enum Configuration: Sendable {
        case fixed(Config)
        case current(@Sendable () -> Config)
    }

    /// The configuration in force now.
    package var config: Config {
        switch configuration {
        case .fixed(let config): config
        case .current(let read): read()
        }
    }

    package var modelName: String { config.training.modelName }

    /// Opens the registry under the configured state directory, resolved against `root`.
    package init(root: String, config: Config, artifactWriter: ArtifactStore.Writer? = nil) throws {
        let stateDirectory = Config.Paths.resolve(config.paths.state, root: root)
        self.init(
            config: config, registry: try Registry(stateDirectory: stateDirectory, artifactWriter: artifactWriter))
    }

    /// A lifecycle on an open registry, e.g. with a reloaded configuration.
    package init(config: Config, registry: Registry) {
        self.registry = registry
        self.configuration = .fixed(config)
    }

    /// The daemon's lifecycle: each operation reads the configuration in force when it starts (a SIGHUP applies
    /// to the next training run or label file).
    package init(registry: Registry, config: @escaping @Sendable () -> Config) {
        self.registry = registry
        self.configuration = .current(config)
    }

    /// This lifecycle with the configuration read once, so one operation never mixes two; nil when it is fixed
    /// already.
    func pinned() -> ModelLifecycle? {
        guard case .current = configuration else { return nil }
        return ModelLifecycle(config: config, registry: registry)
    }

    /// What became of a training run.
    package struct TrainingOutcome: Sendable {
        package var decision: Verdict.Decision
        package var verdict: Verdict
        /// The registered version (promoted or kept); nil when refused by the gate.
        package var version: Int?
        /// The version serving when the candidate was judged.
        package var championVersion: Int?
        package var run: TrainingRunRecord
        /// The decision and its reason in one sentence.
        package var summary: String
        package var artifact: ModelArtifact
        package var split: Split
        /// Where the artifact is stored (nil when not registered).
        package var artifactPath: String?
        /// Files refused by validation, with the reasons; the others were trained on.
        package var refusedFiles: [String]
    }

    /// What a run on `files` with this configuration would learn from (`TrainingFingerprint`). Reads every
    /// file that changed since the registry last hashed it in this process. A file that cannot be opened as a
    /// regular file (a link, a FIFO, no permission) counts by its name, as training refuses it by name; only a
    /// failing read is an error, as in training.
    package func fingerprint(files: [String]) throws -> TrainingFingerprint {
        let inputs = try files.map { path in
            do {
                return try registry.digests.sha256(path)
            } catch let error as ChurnError {
                if case .io(_, "read", _) = error { throw error }
                return "unreadable \(FileSystem.split(path).name)"
            }
        }
        return TrainingFingerprint(inputs: inputs, config: config)
    }

    /// The latest run that trained on exactly these files with this configuration (whatever its outcome), or
    /// nil when there was none: a new run would learn nothing new.
    package func previousRun(files: [String]) throws -> TrainingRunRecord? {
        if let pinned = pinned() { return try pinned.previousRun(files: files) }
        return try registry.run(model: modelName, fingerprint: fingerprint(files: files).value)
    }

    /// What `trainUnlessTrained` did.
    package enum TrainingDecision: Sendable {
        /// A run had already learned from these files with this configuration; nothing was trained.
        case alreadyTrained(TrainingRunRecord)
        case trained(TrainingOutcome)
    }

    /// Trains on `files` unless a run already learned from them with this configuration (or `force`), holding
    /// the registry's training lock from the check to the recorded run: the daemon and `churnd train` started
    /// on the same new files train them once, the later one finding the earlier one's run.
    package func trainUnlessTrained(
        files: [String], actor: AuditActor, force: Bool = false, whenBusy: () -> Void = {},
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> TrainingDecision {
        if let pinned = pinned() {
            return try pinned.trainUnlessTrained(
                files: files, actor: actor, force: force, whenBusy: whenBusy, progress: progress)
        }
        return try registry.withTrainingLock(whenBusy: whenBusy) {
            if !force, let previous = try previousRun(files: files) { return .alreadyTrained(previous) }
            return .trained(try train(files: files, actor: actor, progress: progress))
        }
    }

    /// Trains on `files`, records the run with its fingerprint and, when the candidate passes the gate,
    /// registers it as a version and promotes it to `production` when it beats the champion. A run that fails
    /// is recorded with its error before the error is rethrown. It trains whether or not a run with the same
    /// fingerprint exists: callers ask `previousRun(files:)` first. `progress` is told where the run is (rows
    /// read, family, boosting round), on the calling thread.
    package func train(
        files: [String], actor: AuditActor, progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> TrainingOutcome {
        if let pinned = pinned() { return try pinned.train(files: files, actor: actor, progress: progress) }
        let clock = ContinuousClock()
        let started = clock.now
        let startedAt = Date().timeIntervalSince1970
        var run = TrainingRunRecord(
            id: nil, modelName: modelName, startedAt: startedAt, finishedAt: startedAt, seconds: 0, actor: actor,
            outcome: .failed, reason: "", version: nil, championVersion: nil, rows: nil,
            parameters: .init(config: config), metrics: nil, verdict: nil, inputs: [], refusedFiles: [],
            churndVersion: churndVersion)
        let finish = { (run: inout TrainingRunRecord) in
            run.finishedAt = Date().timeIntervalSince1970
            run.seconds = (clock.now - started).seconds
        }
        do {
            run.fingerprint = try fingerprint(files: files).value
            let (data, refused) = try DataFiles.load(files, config: config) { progress(TrainingProgress(rows: $0)) }
            run.refusedFiles = refused
            run.inputs = data.files
            run.rows = data.count
            guard data.count > 0 else { throw NoUsableTrainingData(files: files, refused: refused) }
            progress(TrainingProgress(rows: data.count))
            let result = try Trainer(config: config).train(
                data, now: Date().timeIntervalSince1970, elapsed: { (clock.now - started).seconds }, progress: progress)
            run.metrics = result.artifact.metrics
            run.parameters.family = result.artifact.family
            run.crossValidation = result.artifact.crossValidation
            return try judgeAndRegister(result, data: data, run: &run, finish: finish)
        } catch {
            finish(&run)
            run.outcome = .failed
            run.reason = "\(error)"
            // The original error matters more than a failure to record it (e.g. on a full disk).
            _ = try? registry.record(run)
            throw error
        }
    }

    private func judgeAndRegister(
        _ result: Trainer.Result, data: LabeledData, run: inout TrainingRunRecord,
        finish: (inout TrainingRunRecord) -> Void
    ) throws -> TrainingOutcome {
        let alias = AliasName.production
        let labels = result.split.test.map { data.labels[$0] }
        let candidate = PromotionPolicy.Predictions(
            probabilities: result.testProbabilities, threshold: result.artifact.threshold)
        let policy = PromotionPolicy(config: config)
        var attempt = 0
        while true {
            attempt += 1
            let championVersion = try registry.aliasVersion(model: modelName, alias: alias)
            var verdict: Verdict
            if let championVersion {
                let champion = try loadArtifact(version: championVersion)
                if let predictions = try Self.predictions(of: champion, on: data, rows: result.split.test) {
                    verdict = policy.judge(labels: labels, candidate: candidate, champion: predictions)
                } else {
                    verdict = policy.incomparable(policy.judge(labels: labels, candidate: candidate, champion: nil))
                }
            } else {
                verdict = policy.judge(labels: labels, candidate: candidate, champion: nil)
            }
            if let fingerprint = run.fingerprint,
                let rolledBack = try registry.driftRollbacks(model: modelName).last(where: {
                    $0.fingerprint == fingerprint
                })
            {
                verdict = policy.rolledBack(verdict, version: rolledBack.version)
            }
            run.verdict = verdict
            run.championVersion = championVersion
            let positive = config.schema.label
            if verdict.decision == .refused {
                finish(&run)
                run.outcome = .refused
                run.reason = verdict.sentence(
                    candidate: nil, champion: championVersion, alias: alias, positive: positive)
                let recorded = try registry.record(run, alternatives: alternatives(result, run: run))
                return outcome(verdict, run: recorded, result: result, artifactPath: nil)
            }
            finish(&run)
            do {
                let registration = try registry.register(
                    result.artifact, run: run, alias: alias, expectedChampion: championVersion,
                    promote: verdict.decision == .promoted, actor: run.actor,
                    alternatives: alternatives(result, run: run), challenger: challengerRule,
                    reason: {
                        verdict.sentence(candidate: $0, champion: championVersion, alias: alias, positive: positive)
                    })
                var artifact = result.artifact
                artifact.version = registration.version.version
                var outcome = outcome(
                    verdict, run: registration.run, result: result,
                    artifactPath: registry.artifacts.path(registration.version.artifactPath))
                outcome.artifact = artifact
                return outcome
            } catch RegistryError.championChanged where attempt < 5 {
                continue  // someone moved production while we judged: judge against the new champion
            }
        }
    }

    /// The families the run trained but did not choose, as `not_selected` runs with their own metrics.
    func alternatives(_ result: Trainer.Result, run: TrainingRunRecord) -> [TrainingRunRecord] {
        result.alternatives.map { alternative in
            var record = run
            record.outcome = .notSelected
            record.version = nil
            record.verdict = nil
            record.metrics = alternative.metrics
            record.parameters.family = alternative.family
            record.crossValidation = alternative.artifact.crossValidation
            let measure = record.crossValidation == nil ? "validation F1" : "out-of-fold F1"
            record.reason =
                "not selected: \(alternative.family) has \(measure) \(NumberFormat.fixed(alternative.validationF1, 4)) "
                + "(test F1 \(NumberFormat.fixed(alternative.metrics.f1, 4))), \(result.artifact.family) has "
                + "\(NumberFormat.fixed(result.artifact.validationF1, 4))"
                + (result.artifact.crossValidation?.choice == nil
                    ? "" : ", within one standard error over the folds: the simpler family is kept")
            return record
        }
    }

    private func outcome(
        _ verdict: Verdict, run: TrainingRunRecord, result: Trainer.Result, artifactPath: String?
    ) -> TrainingOutcome {
        TrainingOutcome(
            decision: verdict.decision, verdict: verdict, version: run.version, championVersion: run.championVersion,
            run: run, summary: run.reason, artifact: result.artifact, split: result.split, artifactPath: artifactPath,
            refusedFiles: run.refusedFiles)
    }

    /// The champion's probabilities on the candidate's rows, at the champion's threshold; nil when it was
    /// trained on other feature columns and cannot be applied to these rows.
    static func predictions(of champion: ModelArtifact, on data: LabeledData, rows: [Int]) throws
        -> PromotionPolicy.Predictions?
    {
        guard let probabilities = try champion.predict(data, rows: rows, nthread: 2) else { return nil }
        return .init(probabilities: probabilities, threshold: champion.threshold)
    }
}

extension Duration {
    /// Seconds as a Double.
    package var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
