import ChurnCore
import ChurnStore
import Synchronization
import Testing

@testable import ChurnDaemon

/// The registry is asked again only when its change stamp moved, or the last answer is older than `maxAge`.
struct ModelCacheTests {
    /// A registry with no serving version that counts how often it is asked.
    final class CountingRegistry: ModelRegistry {
        let asked = Atomic<Int>(0)
        let stamp = Mutex<[FileStamp]?>([FileStamp(path: "/")])

        func servingVersion() throws -> Int? {
            asked.add(1, ordering: .relaxed)
            return nil
        }

        func changeStamp() -> [FileStamp]? { stamp.withLock { $0 } }

        func artifact(version: Int) throws -> ModelArtifact { throw ChurnError.usage("no artifacts here") }

        func train(files: [String], progress: (TrainingProgress) -> Void) throws -> ModelLifecycle.TrainingDecision {
            throw ChurnError.usage("no training here")
        }

        func rollback(reason: String) throws -> (from: Int, to: Int) { throw ChurnError.usage("no versions here") }
    }

    private let scoring = ModelCache.Scoring(passthrough: false, maxRecordBytes: 1 << 20)

    @Test func anUnchangedStampSkipsTheRegistryRead() throws {
        let registry = CountingRegistry()
        let cache = ModelCache(registry: registry, scoring: scoring, maxAge: 60)
        for _ in 0..<5 { #expect(try cache.current() == nil) }
        #expect(registry.asked.load(ordering: .relaxed) == 1)
    }

    @Test func aChangedStampIsAskedAgain() throws {
        let registry = CountingRegistry()
        let cache = ModelCache(registry: registry, scoring: scoring, maxAge: 60)
        _ = try cache.current()
        registry.stamp.withLock { $0 = [FileStamp(path: "/tmp")] }
        _ = try cache.current()
        _ = try cache.current()
        #expect(registry.asked.load(ordering: .relaxed) == 2)
    }

    @Test func anOldAnswerOrNoStampIsAskedAgain() throws {
        let registry = CountingRegistry()
        _ = try ModelCache(registry: registry, scoring: scoring, maxAge: 0).current()
        _ = try ModelCache(registry: registry, scoring: scoring, maxAge: 0).current()
        registry.stamp.withLock { $0 = nil }
        let cache = ModelCache(registry: registry, scoring: scoring, maxAge: 60)
        _ = try cache.current()
        _ = try cache.current()
        #expect(registry.asked.load(ordering: .relaxed) == 4)
    }
}
