import ChurnCore
import ChurnStore
import ChurnTestKit
import Synchronization
import Testing

@testable import ChurnDaemon

/// The registry is asked again only after it committed something (`RegistryChanges` on a real SQLite file), or
/// before every file when there is no change signal.
@Suite(.serialized)
struct ModelCacheTests {
    /// A registry with no serving version that counts how often it is asked.
    final class CountingRegistry: ModelRegistry {
        let asked = Atomic<Int>(0)

        func servingVersion() throws -> Int? {
            asked.add(1, ordering: .relaxed)
            return nil
        }

        func artifact(version: Int) throws -> ModelArtifact { throw ChurnError.usage("no artifacts here") }

        func train(files: [String], progress: (TrainingProgress) -> Void) throws -> ModelLifecycle.TrainingDecision {
            throw ChurnError.usage("no training here")
        }

        func rollback(reason: String) throws -> (from: Int, to: Int) { throw ChurnError.usage("no versions here") }
    }

    private let scoring = ModelCache.Scoring(passthrough: false, maxRecordBytes: 1 << 20)

    @Test func theRegistryIsAskedAgainOnlyAfterACommit() throws {
        let dir = try TemporaryDirectory("churnd-cache")
        let store = try Registry(stateDirectory: "\(dir.path)/state")
        let registry = CountingRegistry()
        let cache = ModelCache(
            registry: registry, changes: try RegistryChanges(databasePath: store.path), scoring: scoring)
        for _ in 0..<5 { #expect(try cache.current() == nil) }
        #expect(registry.asked.load(ordering: .relaxed) == 1)
        // Another handle commits (as `churnd promote` would): the next file asks again, once.
        try Registry(stateDirectory: "\(dir.path)/state").setMLflowAliasAgreed("production", "1")
        for _ in 0..<3 { _ = try cache.current() }
        #expect(registry.asked.load(ordering: .relaxed) == 2)
    }

    @Test func withoutAChangeSignalEveryFileAsks() throws {
        let registry = CountingRegistry()
        let cache = ModelCache(registry: registry, changes: nil, scoring: scoring)
        for _ in 0..<3 { _ = try cache.current() }
        #expect(registry.asked.load(ordering: .relaxed) == 3)
    }
}
