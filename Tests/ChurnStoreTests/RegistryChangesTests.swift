import ChurnCore
import ChurnTestKit
import Foundation
import Testing

@testable import ChurnStore

/// The change signal the registry's followers wait on: `ChangeSignal` alone, then `RegistryChanges` on a real
/// SQLite registry, with commits made through other connections (as another process would).
@Suite(.serialized)
struct RegistryChangesTests {
    @Test func aWaiterPastAnOlderGenerationReturnsAtOnceAndANotifyWakesAWaiter() async {
        let signal = ChangeSignal()
        let start = signal.generation
        signal.notify()
        // A change made before the wait began is not lost.
        #expect(await signal.wait(past: start) == start + 1)
        async let woken = signal.wait(past: start + 1)
        try? await Task.sleep(for: .milliseconds(50))
        signal.notify()
        #expect(await woken == start + 2)
    }

    @Test func aWaitEndsAtItsTimeoutOrWhenCancelledWithTheGenerationUnchanged() async {
        let signal = ChangeSignal()
        #expect(await signal.wait(past: 0, timeout: 0.05) == 0)
        let task = Task { await signal.wait(past: 0) }
        task.cancel()
        #expect(await task.value == 0)
        await ChangeSignal.wait(forAny: [(signal, 0), (ChangeSignal(), 0)], timeout: 0.05)
        #expect(signal.generation == 0)
    }

    @Test func onlyACommitByAnotherConnectionCountsAsAChange() throws {
        let dir = try TemporaryDirectory("churnd-changes")
        let registry = try Registry(stateDirectory: "\(dir.path)/state")
        let changes = try RegistryChanges(databasePath: registry.path)
        let start = changes.check()
        #expect(changes.check() == start)
        // Reads change nothing.
        _ = try registry.mlflowAliasAgreed("production")
        #expect(changes.check() == start)
        // A commit through another handle on the file, as `churnd promote` makes one.
        let other = try Registry(stateDirectory: "\(dir.path)/state")
        try other.setMLflowAliasAgreed("production", "7")
        #expect(changes.check() == start + 1)
        #expect(changes.check() == start + 1)
        try registry.setMLflowAliasAgreed("production", "8")
        #expect(changes.check() == start + 2)
    }

    @Test func theWatchingThreadSignalsACommitWithoutBeingAsked() async throws {
        let dir = try TemporaryDirectory("churnd-changes")
        let registry = try Registry(stateDirectory: "\(dir.path)/state")
        let changes = try RegistryChanges(databasePath: registry.path)
        #expect(changes.start() == nil)
        defer { changes.stop() }
        let before = changes.signal.generation
        let other = try Registry(stateDirectory: "\(dir.path)/state")
        try other.setMLflowAliasAgreed("production", "7")
        // Generous bound: the signal normally comes within milliseconds; this only fails when none comes.
        let after = await changes.signal.wait(past: before, timeout: 30)
        #expect(after > before)
    }
}
