import ChurnCore
import ChurnStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Logs what the registry recorded to MLflow: every training run (every family, every outcome) as an MLflow
/// run, promoted and kept versions as versions of the registered model, and drift reports as artifacts of the
/// run of the version they checked.
///
/// The registry is the queue: each recorded run and each report gets an outbox row (`mlflow_outbox`) that
/// remembers how far its logging got, so a pass interrupted anywhere (MLflow down, churnd killed) resumes where
/// it stopped on the next pass and never creates a second MLflow run or model version for the same thing. A run
/// created just before a crash, whose id the registry did not save, is found again by its `churnd.run_key` tag.
package struct MLflowTracker: Sendable {
    package let registry: Registry
    package let settings: Config.MLflow
    /// churnd's model name (`[training] model_name`), whose runs and versions are logged.
    package let modelName: String
    /// `[registry] backend = "mlflow"`: MLflow's aliases decide which version serves.
    package let followsAliases: Bool
    /// `[cluster] role = "scorer"`: versions the aliases point at are fetched from MLflow (this registry is a
    /// cache of the trainer's), and churnd's own alias moves are never published (the trainer publishes).
    package let isScorer: Bool
    let gateF1: Double
    /// `state/reports`, where drift reports are.
    package let reportsDirectory: String
    package let client: MLflowClient

    package init(config: Config, registry: Registry, reportsDirectory: String, timeout: Double = 10) {
        self.registry = registry
        self.settings = config.mlflow
        self.modelName = config.training.modelName
        self.followsAliases = config.registry.backend == .mlflow
        self.isScorer = config.cluster.role == .scorer
        self.gateF1 = config.promotion.gateF1
        self.reportsDirectory = reportsDirectory
        self.client = MLflowClient(trackingURI: config.mlflow.trackingURI, timeout: timeout)
    }

    /// What one pass did.
    package struct Pass: Sendable {
        /// Items fully logged in this pass.
        package var logged = 0
        /// Items still waiting after it.
        package var pending = 0
        /// The error that stopped the pass: MLflow unreachable or failing; the items wait for the next pass.
        package var stoppedBy: MLflowError?
        /// Items that failed for a reason of their own (retried later, with backoff), with the error.
        package var failures: [String] = []
        /// False when another process held the MLflow lock (it is logging the same queue).
        package var ran = true
        /// Alias moves followed, published or refused (`[registry] backend = "mlflow"`).
        package var aliases: [AliasNote] = []
    }

    /// Queues what is new in the registry, then logs every due item, oldest first. Stops at the first error
    /// that says MLflow is unreachable or failing (the next pass retries); an error of one item's own puts that
    /// item back with backoff and goes on with the others.
    package func pass() throws -> Pass {
        guard
            let result = try registry.withMLflowLockIfFree({ () throws -> Pass in
                try registry.queueMLflowLogging(reports: reportNames())
                var pass = Pass()
                var experimentID: String?
                // Aliases first: following a move made in MLflow must not wait for uploads.
                if followsAliases {
                    do {
                        pass.aliases += try syncAliases()
                    } catch let error as MLflowError where error.isTransient {
                        pass.stoppedBy = error
                        pass.pending = try registry.pendingMLflowCount()
                        return pass
                    }
                }
                for var item in try registry.dueMLflowItems() {
                    do {
                        if experimentID == nil { experimentID = try client.experimentID(name: settings.experiment) }
                        try log(&item, experimentID: experimentID ?? "")
                        pass.logged += 1
                    } catch let error as MLflowError where error.isTransient {
                        item.lastError = error.description
                        try registry.saveMLflowItem(item)
                        pass.stoppedBy = error
                        break
                    } catch {
                        item.attempts += 1
                        item.lastError = "\(error)"
                        item.nextAttemptAt = Date().timeIntervalSince1970 + Self.backoff(attempts: item.attempts)
                        try registry.saveMLflowItem(item)
                        pass.failures.append("\(describe(item)): \(error)")
                    }
                }
                // A version registered in this pass can be published now.
                if followsAliases, pass.stoppedBy == nil, pass.logged > 0 {
                    do {
                        pass.aliases += try syncAliases()
                    } catch let error as MLflowError where error.isTransient {
                        pass.stoppedBy = error
                    }
                }
                pass.pending = try registry.pendingMLflowCount()
                return pass
            })
        else {
            var pass = Pass()
            pass.ran = false
            pass.pending = (try? registry.pendingMLflowCount()) ?? 0
            return pass
        }
        return result
    }

    /// Seconds before an item that failed on its own is tried again: 30 s, doubling, at most an hour.
    static func backoff(attempts: Int) -> Double {
        min(3600, 30 * pow(2, Double(max(0, attempts - 1))))
    }

    private func describe(_ item: MLflowOutboxRecord) -> String {
        switch item.kind {
        case .run: return "training run \(item.trainingRunId ?? 0)"
        case .driftReport: return "drift report \(item.subject)"
        }
    }

    /// Drift reports (`drift-*.json`) in the reports directory, by name.
    private func reportNames() -> [String] {
        let names = (try? FileSystem.list(reportsDirectory)) ?? []
        return names.filter { $0.hasPrefix("drift-") && $0.hasSuffix(".json") }.sorted()
    }

    private func log(_ item: inout MLflowOutboxRecord, experimentID: String) throws {
        switch item.kind {
        case .run: try logRun(&item, experimentID: experimentID)
        case .driftReport: try logReport(&item)
        }
    }

    // MARK: Runs

    private func logRun(_ item: inout MLflowOutboxRecord, experimentID: String) throws {
        guard let runID = item.trainingRunId, let run = try registry.trainingRun(id: runID) else {
            item.doneAt = Date().timeIntervalSince1970
            item.lastError = "the training run is no longer in the registry"
            try registry.saveMLflowItem(item)
            return
        }
        let version = try run.version.map { try registry.version(model: run.modelName, $0) }
        let artifact = try version.map { try registry.artifacts.load($0) }
        // A family not selected has no version of its own: its validation F1 is in the chosen one's artifact.
        let alongside =
            artifact == nil && run.outcome == .notSelected
            ? try registry.versionTrainedAlongside(run).flatMap {
                try? registry.artifacts.load(registry.version(model: run.modelName, $0))
            }
            : nil
        let runKey = "\(try registry.mlflowRegistryID()):\(runID)"
        if item.step < 1 {
            // Find the run a crash may have left unsaved before creating one.
            let existing = try client.searchRuns(
                experimentID: experimentID, filter: "tags.`churnd.run_key` = '\(runKey)'", maxResults: 1)
            let created =
                try existing.first
                ?? client.createRun(
                    experimentID: experimentID, name: Self.runName(run), startTime: Self.millis(run.startedAt),
                    tags: ["churnd.run_key": runKey, "mlflow.user": run.actor.name, "mlflow.source.name": "churnd"])
            item.mlflowRunId = created.id
            item.step = 1
            try registry.saveMLflowItem(item)
        }
        let mlflowRunID = item.mlflowRunId ?? ""
        if item.step < 2 {
            try client.logBatch(
                runID: mlflowRunID, metrics: Self.metrics(run, artifact: artifact ?? alongside),
                params: Self.params(run, artifact: artifact),
                tags: Self.tags(run, artifact: artifact), timestamp: Self.millis(run.finishedAt))
            item.step = 2
            try registry.saveMLflowItem(item)
        }
        if item.step < 3 {
            let info = try client.getRun(id: mlflowRunID)
            try upload(run: run, version: version, artifact: artifact, to: info)
            item.step = 3
            try registry.saveMLflowItem(item)
        }
        if item.step < 4 {
            if let version {
                try client.ensureRegisteredModel(name: settings.registeredModel)
                let made =
                    try client.modelVersions(name: settings.registeredModel, runID: mlflowRunID).first
                    ?? client.createModelVersion(
                        name: settings.registeredModel,
                        source: try client.getRun(id: mlflowRunID).artifactURI + "/model",
                        runID: mlflowRunID,
                        tags: [
                            "churnd.model_version": "\(version.version)", "churnd.family": version.family,
                            "churnd.artifact_sha256": version.artifactSha256,
                        ])
                item.mlflowVersion = made.version
            }
            item.step = 4
            try registry.saveMLflowItem(item)
        }
        if item.step < 5 {
            try client.updateRun(
                runID: mlflowRunID, status: run.outcome == .failed ? "FAILED" : "FINISHED",
                endTime: Self.millis(run.finishedAt))
            item.step = 5
            item.doneAt = Date().timeIntervalSince1970
            item.lastError = nil
            try registry.saveMLflowItem(item)
        }
    }

    /// model.json, the drift reference statistics and the MLflow model directory for a registered version;
    /// the run record for every run.
    private func upload(
        run: TrainingRunRecord, version: ModelVersionRecord?, artifact: ModelArtifact?, to info: MLflowClient.Run
    ) throws {
        let uri = info.artifactURI
        let encoder = JSONEncoder.readable()
        try client.uploadArtifact(artifactURI: uri, path: "churnd/training_run.json", bytes: try encoder.encode(run))
        guard let version, let artifact else { return }
        let bytes = Data(try FileSystem.readAll(registry.artifacts.path(version.artifactPath)))
        guard sha256Hex(bytes) == version.artifactSha256 else {
            throw RegistryError.artifactAltered(
                path: registry.artifacts.path(version.artifactPath), version: version.version,
                expected: version.artifactSha256, found: sha256Hex(bytes))
        }
        try client.uploadArtifact(artifactURI: uri, path: "model.json", bytes: bytes)
        try client.uploadArtifact(
            artifactURI: uri, path: "drift/reference_statistics.json",
            bytes: try encoder.encode(artifact.featureStatistics))
        let directory = MLflowModelDirectory(
            artifact: artifact, artifactBytes: bytes, runID: info.id, createdAt: version.registeredAt)
        for file in directory.files {
            try client.uploadArtifact(artifactURI: uri, path: "model/" + file.path, bytes: file.bytes)
        }
    }

    static func runName(_ run: TrainingRunRecord) -> String {
        let outcome = run.version.map { "\(run.outcome.rawValue)-v\($0)" } ?? run.outcome.rawValue
        return "\(run.parameters.family)-\(outcome)-run\(run.id ?? 0)"
    }

    static func millis(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    static func params(_ run: TrainingRunRecord, artifact: ModelArtifact?) -> [(key: String, value: String)] {
        let p = run.parameters
        var params: [(String, String)] = [
            ("family", p.family), ("seed", "\(p.seed)"), ("validation_fraction", "\(p.validationFraction)"),
            ("test_fraction", "\(p.testFraction)"), ("max_missing_fraction", "\(p.maxMissingFraction)"),
            ("gate_f1", "\(p.gateF1)"), ("min_f1_gain", "\(p.minF1Gain)"), ("confidence", "\(p.confidence)"),
            ("bootstrap_resamples", "\(p.bootstrapResamples)"), ("bootstrap_max_rows", "\(p.bootstrapMaxRows)"),
        ]
        if let rows = run.rows { params.append(("rows", "\(rows)")) }
        // The chosen family's own settings, as its artifact records them.
        if let artifact, artifact.family == p.family {
            let t = artifact.training
            params += [
                ("train_rows", "\(t.trainRows)"), ("validation_rows", "\(t.validationRows)"),
                ("test_rows", "\(t.testRows)"), ("iterations", "\(t.iterations)"),
            ]
            if let xgboost = artifact.xgboost {
                params += xgboost.parameters.sorted { $0.key < $1.key }.map { ("xgboost.\($0.key)", $0.value) }
                params += [
                    ("xgboost.best_iteration", "\(xgboost.bestIteration)"),
                    ("xgboost.rounds_trained", "\(xgboost.roundsTrained)"),
                    ("xgboost.library_version", xgboost.libraryVersion),
                ]
            }
        }
        // A cross-validated run: the folds, the settings its search chose and how much it tried.
        if let cv = run.crossValidation {
            let chosen = cv.chosen
            params += [
                ("cv.folds", "\(cv.folds)"), ("cv.rows", "\(cv.rows)"), ("cv.settings_tried", "\(cv.tried.count)"),
                ("cv.search_budget_seconds", "\(cv.budgetSeconds)"), ("cv.chosen", chosen.description),
                ("cv.positive_weight", "\(chosen.positiveWeight)"),
            ]
            if let c = chosen.c { params.append(("cv.c", "\(c)")) }
            if let depth = chosen.maxDepth { params.append(("cv.max_depth", "\(depth)")) }
            if let weight = chosen.minChildWeight { params.append(("cv.min_child_weight", "\(weight)")) }
            if let eta = chosen.eta { params.append(("cv.eta", "\(eta)")) }
            if let subsample = chosen.subsample { params.append(("cv.subsample", "\(subsample)")) }
            if let rounds = chosen.rounds { params.append(("cv.rounds", "\(rounds)")) }
        }
        return params.map { (key: $0.0, value: String($0.1.prefix(6000))) }
    }

    static func metrics(_ run: TrainingRunRecord, artifact: ModelArtifact?) -> [(key: String, value: Double)] {
        var metrics: [(String, Double)] = [("training_seconds", run.seconds)]
        if let m = run.metrics {
            metrics += [
                ("test_f1", m.f1), ("test_precision", m.precision), ("test_recall", m.recall),
                ("test_accuracy", m.accuracy), ("test_log_loss", m.logLoss), ("threshold", m.threshold),
                ("test_rows", Double(m.rows)), ("test_positives", Double(m.positives)),
                ("baseline_all_positive_f1", m.f1AllPositive), ("baseline_all_negative_f1", 0),
                ("test_true_positives", Double(m.truePositives)), ("test_false_positives", Double(m.falsePositives)),
                ("test_true_negatives", Double(m.trueNegatives)), ("test_false_negatives", Double(m.falseNegatives)),
            ]
            if let auc = m.rocAUC { metrics.append(("test_roc_auc", auc)) }
        }
        // Validation F1: the chosen family's from its artifact, a family not chosen from the artifact's list.
        if let artifact {
            if artifact.family == run.parameters.family {
                metrics.append(("validation_f1", artifact.validationF1))
                if let fit = artifact.training.fitSeconds { metrics.append(("fit_seconds", fit)) }
            } else if let alternative = artifact.alternatives?.first(where: { $0.family == run.parameters.family }) {
                metrics.append(("validation_f1", alternative.validationF1))
            }
        }
        if let cv = run.crossValidation {
            metrics += [
                ("cv_f1", cv.f1), ("cv_f1_mean", cv.f1Mean), ("cv_f1_std", cv.f1Std), ("cv_threshold", cv.threshold),
                ("cv_search_seconds", cv.searchSeconds),
            ]
        }
        return metrics.filter { $0.1.isFinite }.map { (key: $0.0, value: $0.1) }
    }

    static func tags(_ run: TrainingRunRecord, artifact: ModelArtifact?) -> [(key: String, value: String)] {
        var tags: [(String, String)] = [
            ("churnd.outcome", run.outcome.rawValue), ("churnd.reason", run.reason),
            ("churnd.actor", run.actor.name), ("churnd.version", run.churndVersion),
            ("churnd.host", Self.hostName), ("churnd.run_id", "\(run.id ?? 0)"), ("churnd.model_name", run.modelName),
        ]
        if let version = run.version { tags.append(("churnd.model_version", "\(version)")) }
        if let champion = run.championVersion { tags.append(("churnd.champion_version", "\(champion)")) }
        if let fingerprint = run.fingerprint { tags.append(("churnd.fingerprint", fingerprint)) }
        for (index, input) in run.inputs.prefix(40).enumerated() {
            tags.append(("churnd.input.\(index + 1)", "\(FileSystem.split(input.path).name) sha256:\(input.sha256)"))
        }
        tags.append(("churnd.inputs", run.inputs.map { FileSystem.split($0.path).name }.joined(separator: ", ")))
        for (index, refusal) in run.refusedFiles.prefix(20).enumerated() {
            tags.append(("churnd.refused.\(index + 1)", refusal))
        }
        if let verdict = run.verdict { tags.append(("churnd.decision", verdict.decision.rawValue)) }
        return tags.map { (key: $0.0, value: String($0.1.prefix(5000))) }
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    // MARK: Drift reports

    /// A drift report goes to the run of the version it checked, under `drift/`; a report of a version that
    /// has no MLflow run yet waits for it, one of an unregistered artifact is dropped from the queue.
    private func logReport(_ item: inout MLflowOutboxRecord) throws {
        let path = "\(reportsDirectory)/\(item.subject)"
        guard FileSystem.exists(path) else {
            item.doneAt = Date().timeIntervalSince1970
            item.lastError = "the report was removed before it was logged"
            try registry.saveMLflowItem(item)
            return
        }
        let bytes = Data(try FileSystem.readAll(path))
        struct Header: Decodable { var modelVersion: String }
        let header = try JSONDecoder().decode(Header.self, from: bytes)
        guard let number = Int(header.modelVersion) else {
            item.doneAt = Date().timeIntervalSince1970
            item.lastError = "the report checked \(header.modelVersion), not a registry version"
            try registry.saveMLflowItem(item)
            return
        }
        guard let logged = try registry.mlflowRun(model: modelName, version: number) else {
            throw MLflowTrackerError.versionNotLoggedYet(number)
        }
        let info = try client.getRun(id: logged.runID)
        try client.uploadArtifact(artifactURI: info.artifactURI, path: "drift/\(item.subject)", bytes: bytes)
        let page = String(item.subject.dropLast(".json".count)) + ".html"
        if FileSystem.exists("\(reportsDirectory)/\(page)") {
            let html = Data(try FileSystem.readAll("\(reportsDirectory)/\(page)"))
            try client.uploadArtifact(artifactURI: info.artifactURI, path: "drift/\(page)", bytes: html)
        }
        item.mlflowRunId = logged.runID
        item.step = 5
        item.doneAt = Date().timeIntervalSince1970
        item.lastError = nil
        try registry.saveMLflowItem(item)
    }
}

enum MLflowTrackerError: Error, CustomStringConvertible {
    case versionNotLoggedYet(Int)

    var description: String {
        switch self {
        case .versionNotLoggedYet(let version):
            return "version \(version) has no MLflow run yet: the report waits for it"
        }
    }
}
