import ChurnCore
import ChurnStore
import ChurnTestKit
import GRDB
import Synchronization
import Testing

@testable import ChurnDaemon

/// The daemon's view of the registry (`ModelLifecycle` as a `ModelRegistry`): typed answers, and the
/// configuration in force at each call, on an in-memory database.
@Suite(.serialized)
struct ModelRegistryTests {
    @Test func trainingAnswersWithTheRunItsVerdictAndVersionAndAReloadAppliesToTheNextRun() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("a.csv", rows: 2000, seed: 1)
        let config = Mutex(SingleSplit.config)
        let registry: any ModelRegistry = ModelLifecycle(
            registry: try Registry(
                database: try DatabaseQueue(configuration: Registry.configuration), stateDirectory: "\(dir.path)/state"),
            config: { config.withLock { $0 } })

        guard case .trained(let first) = try registry.train(files: [file], progress: { _ in }) else {
            Issue.record("the first request must train")
            return
        }
        #expect(first.decision == .promoted && first.version == 1 && first.run.version == 1)
        #expect(
            TrainingNote(first.run)
                == TrainingNote(outcome: .promoted, version: 1, champion: nil, finishedAt: first.run.finishedAt))
        #expect(try registry.lastTraining() == TrainingNote(first.run))
        #expect(try registry.servingVersion() == 1)

        // The same files and configuration again: nothing is trained, the earlier run is the answer.
        guard case .alreadyTrained(let previous) = try registry.train(files: [file], progress: { _ in }) else {
            Issue.record("the same files must not be trained again")
            return
        }
        #expect(previous.id == first.run.id)
        #expect(try registry.previousRun(files: [file])?.id == first.run.id)

        // A reload with another seed (a new training configuration) and a higher gate: the next request
        // trains, with the reloaded gate, and is refused.
        config.withLock {
            $0.training.seed += 1
            $0.promotion.gateF1 = 0.99
        }
        #expect(try registry.previousRun(files: [file]) == nil)
        guard case .trained(let second) = try registry.train(files: [file], progress: { _ in }) else {
            Issue.record("a new configuration must train")
            return
        }
        #expect(second.decision == .refused && second.version == nil)
        #expect(second.verdict.decision == .refused)
        #expect(TrainingNote(second.run)?.outcome == .refused)
        #expect(try registry.servingVersion() == 1)
    }

    @Test func aFailedRunThrowsItsOwnErrorAndIsRecorded() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.generate("tiny.csv", rows: 20, seed: 3)
        let lifecycle = ModelLifecycle(
            registry: try Registry(
                database: try DatabaseQueue(configuration: Registry.configuration), stateDirectory: "\(dir.path)/state"),
            config: { SingleSplit.config })
        let registry: any ModelRegistry = lifecycle
        #expect(throws: Trainer.Failure.tooFewRows(20)) { try registry.train(files: [file], progress: { _ in }) }
        #expect(try registry.lastTraining()?.outcome == .failed)
    }
}
