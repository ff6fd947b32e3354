import ChurnCore
import ChurnTestKit
import Foundation
import GRDB
import Synchronization
import Testing

@testable import ChurnStore

/// Training, judging, registering and promoting against real SQLite files in temporary directories.
@Suite(.serialized)
struct ModelLifecycleTests {
    static func lifecycle(_ dir: TemporaryDirectory, config: Config = SingleSplit.config) throws -> ModelLifecycle {
        try ModelLifecycle(root: dir.path, config: config)
    }

    /// A lifecycle on an in-memory database, for tests where the registry file does not matter (artifacts and
    /// lock files still go to `dir/state`).
    static func inMemory(_ dir: TemporaryDirectory, config: Config = SingleSplit.config) throws -> ModelLifecycle {
        let database = try DatabaseQueue(configuration: Registry.configuration)
        return ModelLifecycle(
            config: config, registry: try Registry(database: database, stateDirectory: "\(dir.path)/state"))
    }

    @Test func theFirstEligibleModelIsPromotedAndItsArtifactStored() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 3000, seed: 1)
        let lifecycle = try Self.lifecycle(dir)
        let outcome = try lifecycle.train(files: [file], actor: .user)
        #expect(outcome.decision == .promoted)
        #expect(outcome.version == 1)
        #expect(outcome.summary.hasPrefix("promoted v1 to production: first eligible version, test F1 0."))
        #expect(try lifecycle.servingVersion() == 1)
        #expect(dir.exists("state/registry.sqlite"))
        #expect(dir.exists("state/models/churn_model/1/model.json"))
        let artifact = try lifecycle.loadArtifact(version: 1)
        #expect(artifact.version == 1)
        let record = try lifecycle.registry.version(model: "churn_model", 1)
        #expect(
            record.artifactSha256
                == sha256Hex(Array(try dir.read("state/models/churn_model/1/model.json").utf8)))
        #expect(record.trainRows + record.validationRows + record.testRows == 3000)
        #expect(record.training.inputs.first?.sha256.count == 64)
        let run = try #require(try lifecycle.registry.runs(model: "churn_model").first)
        #expect(run.outcome == .promoted)
        #expect(run.parameters.family == artifact.family)
        #expect(run.version == 1)
        #expect(run.reason == outcome.summary)
        #expect(run.inputs.count == 1)
        #expect(run.parameters.minF1Gain == 0.005)
        let event = try #require(try lifecycle.history().first)
        #expect(event.fromVersion == nil && event.toVersion == 1 && event.actor == .user && event.kind == .promote)
    }

    @Test func theSameDataAgainIsRegisteredButNotPromoted() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 3000, seed: 1)
        let lifecycle = try Self.inMemory(dir)
        _ = try lifecycle.train(files: [file], actor: .daemon)
        let second = try lifecycle.train(files: [file], actor: .daemon)
        #expect(second.decision == .kept)
        #expect(second.version == 2)
        #expect(second.verdict.reason == .gainTooSmall)
        #expect(second.summary.hasPrefix("kept v1 in production: v2 has F1"))
        #expect(try lifecycle.servingVersion() == 1)
        #expect(try lifecycle.history(alias: AliasName.production).count == 1)
        #expect(
            try lifecycle.registry.runs(model: "churn_model").map(\.outcome)
                == [.kept, .notSelected, .promoted, .notSelected])
    }

    @Test func aCandidateBelowTheGateIsRecordedButNotRegistered() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 2000, seed: 2)
        var config = SingleSplit.config
        config.promotion.gateF1 = 0.99
        let lifecycle = try Self.inMemory(dir, config: config)
        let outcome = try lifecycle.train(files: [file], actor: .user)
        #expect(outcome.decision == .refused)
        #expect(outcome.version == nil)
        #expect(outcome.summary.contains("is below the gate 0.99; production has no version yet"))
        #expect(try lifecycle.registry.versions(model: "churn_model").isEmpty)
        #expect(try lifecycle.registry.runs(model: "churn_model").first?.outcome == .refused)
        #expect(!dir.exists("state/models/churn_model/1"))
    }

    @Test func aFailedRunIsRecordedWithItsReason() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("tiny.csv", rows: 20, seed: 3)
        let lifecycle = try Self.inMemory(dir)
        #expect(throws: Trainer.Failure.tooFewRows(20)) { try lifecycle.train(files: [file], actor: .user) }
        let run = try #require(try lifecycle.registry.runs(model: "churn_model").first)
        #expect(run.outcome == .failed)
        #expect(run.reason.contains("only 20 labeled rows"))
        #expect(run.rows == 20)
    }

    @Test func aDiskFullWhileWritingTheArtifactRegistersNothingAndLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 2000, seed: 4)
        // The seam: the real atomic writer's temporary file gets half the bytes, then the disk is "full".
        let lifecycle = try ModelLifecycle(root: dir.path, config: SingleSplit.config) { path, bytes in
            let (directory, name) = FileSystem.split(path)
            let pending = try PendingFile(directory: directory, name: name)
            var writer = ByteWriter(fd: pending.fd, path: pending.temporaryPath)
            try bytes[..<(bytes.count / 2)].withUnsafeBufferPointer { try writer.write($0) }
            try writer.flush()
            throw ChurnError.io(path: pending.temporaryPath, operation: "write", errno: ENOSPC)
        }
        #expect(throws: ChurnError.self) { try lifecycle.train(files: [file], actor: .daemon) }
        #expect(try lifecycle.registry.versions(model: "churn_model").isEmpty)
        #expect(try lifecycle.servingVersion() == nil)
        #expect(try dir.list("state/models/churn_model").isEmpty)
        let run = try #require(try lifecycle.registry.runs(model: "churn_model").first)
        #expect(run.outcome == .failed)
        #expect(run.reason.contains("No space left on device"))
        // Once there is space again, the same number is used and nothing of the failed attempt shows.
        let healthy = try Self.lifecycle(dir)
        #expect(try healthy.train(files: [file], actor: .daemon).version == 1)
        #expect(try dir.list("state/models/churn_model/1") == ["model.json"])
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aRealFullFileSystemRegistersNothing() throws {
        // A 4 KiB tmpfs under state/models: the artifact does not fit. Needs root (mount); skipped otherwise.
        guard getuid() == 0 else { return }
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 2000, seed: 4)
        let models = "\(dir.path)/state/models"
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        guard mount("tmpfs", models, "tmpfs", 0, "size=4k") == 0 else { return }
        defer { umount(models) }
        let lifecycle = try Self.lifecycle(dir)
        do {
            _ = try lifecycle.train(files: [file], actor: .daemon)
            Issue.record("expected the artifact write to fail")
        } catch let error as ChurnError {
            #expect(error.isNoSpace, "\(error)")
        }
        #expect(try lifecycle.registry.versions(model: "churn_model").isEmpty)
        #expect(try dir.list("state/models/churn_model").isEmpty)
    }

    @Test func aChangedSchemaKeepsTheChampion() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 3000, seed: 1)
        let lifecycle = try Self.inMemory(dir)
        _ = try lifecycle.train(files: [file], actor: .user)
        var config = SingleSplit.config
        config.schema.numeric = ["tenure_months", "num_complaints"]
        let narrower = ModelLifecycle(config: config, registry: lifecycle.registry)
        let outcome = try narrower.train(files: [file], actor: .user)
        #expect(outcome.decision == .kept)
        #expect(outcome.summary.contains("trained on a different schema"))
        #expect(try narrower.servingVersion() == 1)
    }

    @Test func everyRunRecordsWhatItLearnedFromWhateverItsOutcome() throws {
        let dir = try TemporaryDirectory()
        let a = try dir.generate("a.csv", rows: 3000, seed: 1)
        let b = try dir.generate("b.csv", rows: 3000, seed: 2)
        let lifecycle = try Self.lifecycle(dir)
        #expect(try lifecycle.previousRun(files: [a, b]) == nil)
        _ = try lifecycle.train(files: [a, b], actor: .user)
        let run = try #require(try lifecycle.registry.runs(model: "churn_model", limit: 1).first)
        #expect(run.fingerprint == (try lifecycle.fingerprint(files: [b, a]).value))
        // The same files in another order, or copied under another name, are the same data.
        let copy = try dir.write("copy-of-a.csv", Data(try dir.read("a.csv").utf8))
        #expect(try lifecycle.previousRun(files: [b, copy])?.id == run.id)
        #expect(try lifecycle.previousRun(files: [a]) == nil)
        // Another seed is another model; a refused run counts like any other.
        var config = SingleSplit.config
        config.training.seed = 9
        config.promotion.gateF1 = 0.99
        let reseeded = try Self.lifecycle(dir, config: config)
        #expect(try reseeded.previousRun(files: [a, b]) == nil)
        let refused = try reseeded.train(files: [a, b], actor: .user)
        #expect(refused.decision == .refused)
        #expect(try reseeded.previousRun(files: [a, b])?.outcome == .refused)
    }

    /// Two processes (here: two registry connections on two threads) starting on the same new files train them
    /// once: the training lock holds from the fingerprint check to the recorded run, so the later one finds it.
    @Test func twoTrainersOnTheSameNewFilesTrainThemOnce() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 20_000, seed: 1)
        let first = try Self.lifecycle(dir)
        let second = try Self.lifecycle(dir)
        let decisions = Mutex<[ModelLifecycle.TrainingDecision]>([])
        let waited = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let lifecycle = index == 0 ? first : second
            let decision = try? lifecycle.trainUnlessTrained(
                files: [file], actor: .user, whenBusy: { waited.add(1, ordering: .relaxed) })
            if let decision { decisions.withLock { $0.append(decision) } }
        }
        let all = decisions.withLock { $0 }
        let trained = all.filter { if case .trained = $0 { return true } else { return false } }
        #expect(all.count == 2 && trained.count == 1, "\(all)")
        #expect(waited.load(ordering: .relaxed) == 1)
        #expect(try first.registry.runs(model: "churn_model").filter { $0.outcome != .notSelected }.count == 1)
    }

    @Test func aLinkAmongTheFilesIsFingerprintedByNameAndTrainingGoesOn() throws {
        let dir = try TemporaryDirectory()
        let a = try dir.generate("a.csv", rows: 3000, seed: 1)
        let link = "\(dir.path)/link.csv"
        #expect(symlink(a, link) == 0)
        let lifecycle = try Self.inMemory(dir)
        #expect(try lifecycle.previousRun(files: [a, link]) == nil)
        let outcome = try lifecycle.train(files: [a, link], actor: .user)
        #expect(outcome.refusedFiles.count == 1)
        #expect(try lifecycle.previousRun(files: [a, link])?.id == outcome.run.id)
        #expect(try lifecycle.previousRun(files: [a]) == nil)
    }

    @Test func aDriftRollbackKeepsItsVersionsDataOutOfProductionForGood() throws {
        // Given v1, then v2 on more data promoted by hand, then rolled back after a drift alert.
        let dir = try TemporaryDirectory()
        let a = try dir.generate("a.csv", rows: 3000, seed: 1)
        let b = try dir.generate("b.csv", rows: 3000, seed: 2)
        let lifecycle = try Self.inMemory(dir)
        _ = try lifecycle.train(files: [a], actor: .daemon)
        let second = try lifecycle.train(files: [a, b], actor: .daemon)
        let v2 = try #require(second.version)
        try lifecycle.promote(version: v2, actor: .user)
        try lifecycle.rollback(actor: .daemon, reason: "drift alert: test", cause: .driftAlert)
        #expect(try lifecycle.servingVersion() == 1)
        #expect(try lifecycle.registry.driftRollbacks(model: "churn_model").map(\.version) == [v2])

        // When the same data is trained on again (forced), the candidate is refused, naming v2,
        let again = try lifecycle.train(files: [a, b], actor: .user)
        #expect(again.decision == .refused)
        #expect(again.verdict.reason == .sameAsRolledBack)
        #expect(again.summary.contains("same files and configuration as v\(v2)"), "\(again.summary)")
        #expect(try lifecycle.servingVersion() == 1)
        // v2 is not the challenger (live F1 cannot bring it back), but a person may still promote it.
        #expect(try lifecycle.servingVersion(alias: AliasName.challenger) != v2)
        try lifecycle.promote(version: v2, actor: .user)
        #expect(try lifecycle.servingVersion() == v2)
    }

    @Test func aRollbackByHandIsNoDriftRollback() throws {
        let dir = try TemporaryDirectory()
        let a = try dir.generate("a.csv", rows: 3000, seed: 1)
        let b = try dir.generate("b.csv", rows: 3000, seed: 2)
        let lifecycle = try Self.inMemory(dir)
        _ = try lifecycle.train(files: [a], actor: .user)
        let v2 = try #require(try lifecycle.train(files: [a, b], actor: .user).version)
        try lifecycle.promote(version: v2, actor: .user)
        try lifecycle.rollback(actor: .user)
        #expect(try lifecycle.registry.driftRollbacks(model: "churn_model").isEmpty)
        #expect(try lifecycle.history(alias: AliasName.production).first?.cause == nil)
    }
}
