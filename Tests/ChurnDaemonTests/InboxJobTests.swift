import ChurnCore
import ChurnStore
import ChurnTestKit
import Synchronization
import Testing

@testable import ChurnDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A worker's batch of small inbox files on real folders with a real model: each file is claimed and scored
/// in turn, and the batch is committed with one sync of the outbox.
struct InboxJobTests {
    /// A registry serving one trained model as version 1.
    final class OneModel: ModelRegistry {
        let model: ModelArtifact

        init(_ model: ModelArtifact) {
            self.model = model
        }

        func servingVersion() throws -> Int? { 1 }

        func artifact(version: Int) throws -> ModelArtifact { model }

        func train(files: [String], progress: (TrainingProgress) -> Void) throws -> ModelLifecycle.TrainingDecision {
            throw ChurnError.usage("no training here")
        }

        func rollback(reason: String) throws -> (from: Int, to: Int) { throw ChurnError.usage("no versions here") }
    }

    /// Counts the ledger's syncs of the outbox.
    final class SyncCount: Sendable {
        let outbox = Atomic<Int>(0)
    }

    private static func csv(rows: Int, seed: UInt64, labeled: Bool) throws -> [UInt8] {
        var generator = Generator()
        generator.labeled = labeled
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try generator.write(rows: rows, seed: seed, to: &writer)
        try writer.flush()
        return bytes
    }

    private static let model: Result<ModelArtifact, any Error> = Result {
        var data = LabeledData(schema: .reference)
        try data.append(
            path: "gen.csv", source: MemorySource(try InboxJobTests.csv(rows: 2000, seed: 1, labeled: true)),
            maxMissingFraction: 0)
        var config = SingleSplit.config
        config.training.families = [.logisticRegression]
        return try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
    }

    /// A root with its folders, a job on it, and its sync counter.
    private func setUp() throws -> (TemporaryDirectory, DaemonPaths, InboxJob, SyncCount) {
        let dir = try TemporaryDirectory("churnd-inbox-job")
        let paths = DaemonPaths(root: dir.path, config: Config())
        for folder in paths.all { try FileSystem.makeDirectory(folder) }
        let syncs = SyncCount()
        let ledger = OutboxLedger(
            folders: paths.outboxFolders, onArchiveError: { what, error in Issue.record("\(what): \(error)") },
            syncFolder: { folder in
                syncs.outbox.add(1, ordering: .relaxed)
                try FileSystem.fsyncDirectory(folder)
            })
        let models = ModelCache(
            registry: OneModel(try Self.model.get()), changes: nil,
            scoring: .init(passthrough: false, maxRecordBytes: 1 << 20))
        return (dir, paths, InboxJob(paths: paths, models: models, ledger: ledger), syncs)
    }

    @Test func aBatchOfSmallFilesIsScoredAndCommittedWithOneSyncOfTheOutbox() async throws {
        let (dir, paths, job, syncs) = try setUp()
        for index in 0..<6 {
            let csv = try Self.csv(rows: 5, seed: UInt64(index + 2), labeled: false)
            try dir.write("inbox/f\(index).csv", String(decoding: csv, as: UTF8.self))
        }
        try dir.write("inbox/bad.csv", "nothing,to,score\n1,2,3\n")
        let sources = (0..<6).map { WorkQueue.Source.inbox("f\($0).csv") } + [.inbox("bad.csv"), .inbox("gone.csv")]

        let results = job.process(sources)
        #expect(syncs.outbox.load(ordering: .relaxed) == 1)
        #expect(results.count == 8)
        for (index, result) in results.prefix(6).enumerated() {
            guard case .scored(let name, let summary, let version, _, let output) = result else {
                Issue.record("f\(index).csv: \(result)")
                continue
            }
            #expect(name == "f\(index).csv" && summary.rows == 5 && summary.scored == 5 && version == 1)
            #expect(output == "\(paths.outbox)/f\(index).scored.csv")
        }
        guard case .refused(let name, _, let report, _) = results[6] else {
            Issue.record("bad.csv: \(results[6])")
            return
        }
        #expect(name == "bad.csv" && report == "\(paths.outbox)/bad.error.txt")
        guard case .gone = results[7] else {
            Issue.record("gone.csv: \(results[7])")
            return
        }
        await job.ledger.finishArchiving()
        #expect(try dir.list("outbox") == ["bad.error.txt"] + (0..<6).map { "f\($0).scored.csv" })
        for index in 0..<6 { #expect(try dir.read("outbox/f\(index).scored.csv").split(separator: "\n").count == 6) }
        #expect(try FileSystem.list(paths.archive).count == 6)
        #expect(try FileSystem.list(paths.quarantine).count == 2)
        #expect(try FileSystem.list(paths.processing).isEmpty)
        #expect(try dir.list("inbox").isEmpty)
    }

    @Test func whenAFilesOutputsCannotBeWrittenTheRestOfTheBatchIsNotClaimed() async throws {
        let (dir, paths, job, syncs) = try setUp()
        let csv = String(decoding: try Self.csv(rows: 5, seed: 9, labeled: false), as: UTF8.self)
        for name in ["a", "b", "c"] { try dir.write("inbox/\(name).csv", csv) }
        // No outbox: the first file's staged output cannot be created.
        #expect(rmdir(paths.outbox) == 0)

        let results = job.process(["a", "b", "c"].map { .inbox("\($0).csv") })
        guard case .outputFailed(let claimed, _) = results[0] else {
            Issue.record("a.csv: \(results[0])")
            return
        }
        for result in results.dropFirst() {
            guard case .notStarted = result else {
                Issue.record("\(result)")
                continue
            }
        }
        #expect(syncs.outbox.load(ordering: .relaxed) == 0)
        #expect(try FileSystem.list(paths.processing) == [claimed])
        #expect(try dir.list("inbox") == ["b.csv", "c.csv"])

        // With the outbox back, the claim and the two files waiting are finished, once each.
        try FileSystem.makeDirectory(paths.outbox)
        let again = job.process([.claimed(claimed), .inbox("b.csv"), .inbox("c.csv")])
        #expect(again.allSatisfy { if case .scored = $0 { true } else { false } })
        #expect(syncs.outbox.load(ordering: .relaxed) == 1)
        await job.ledger.finishArchiving()
        #expect(try dir.list("outbox") == ["a.scored.csv", "b.scored.csv", "c.scored.csv"])
        #expect(try FileSystem.list(paths.processing).isEmpty)
        #expect(try FileSystem.list(paths.archive).count == 3)
    }
}
