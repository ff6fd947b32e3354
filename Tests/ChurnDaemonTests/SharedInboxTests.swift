import ChurnCore
import ChurnStore
import ChurnTestKit
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import ChurnDaemon

/// `[cluster] shared_inbox`: two scorers' ledgers on one real inbox folder, each with its own root.
struct SharedInboxTests {
    /// A scorer's paths: its own root, the shared inbox, node `node`.
    private func scorer(_ node: String, inbox: String) throws -> (TemporaryDirectory, DaemonPaths) {
        let root = try TemporaryDirectory("churnd-scorer-\(node)")
        var config = Config()
        config.paths.inbox = inbox
        config.cluster.role = .scorer
        config.cluster.node = node
        config.cluster.sharedInbox = true
        let paths = DaemonPaths(root: root.path, config: config)
        for folder in paths.all { try FileSystem.makeDirectory(folder) }
        return (root, paths)
    }

    @Test func claimsLiveInTheSharedFolderUnderTheNodeName() throws {
        let inbox = try TemporaryDirectory("churnd-shared-inbox")
        let (root, paths) = try scorer("scorer-a", inbox: inbox.path)
        defer { withExtendedLifetime(root) {} }
        #expect(paths.processing == "\(inbox.path)/.churnd/scorer-a/processing")
        #expect(paths.archive == "\(inbox.path)/.churnd/scorer-a/archive")
        #expect(paths.quarantine == "\(inbox.path)/.churnd/scorer-a/quarantine")
        // The folder is hidden: no scan ever offers it as an input.
        #expect(!DataFiles.isCandidate(".churnd"))
    }

    @Test func theDefaultNodeNameIsStableForARootAndDiffersBetweenRoots() throws {
        let a = try TemporaryDirectory("churnd-node-a")
        let b = try TemporaryDirectory("churnd-node-b")
        #expect(SharedInbox.defaultNode(root: a.path) == SharedInbox.defaultNode(root: a.path))
        #expect(SharedInbox.defaultNode(root: a.path) != SharedInbox.defaultNode(root: b.path))
        #expect(Config.Cluster.isValidNode(SharedInbox.defaultNode(root: a.path)))
    }

    @Test func twoScorersRacingForTheSameFilesClaimEachExactlyOnce() throws {
        // Given 400 files in one inbox and two scorers claiming every name at once, from two threads.
        let inbox = try TemporaryDirectory("churnd-shared-inbox")
        let (rootA, a) = try scorer("a", inbox: inbox.path)
        let (rootB, b) = try scorer("b", inbox: inbox.path)
        defer { withExtendedLifetime((rootA, rootB)) {} }
        let names = (0..<400).map { String(format: "file-%03d.csv", $0) }
        for name in names { try inbox.write(name, "customer_id\n\(name)\n") }
        let ledgers = [OutboxLedger(folders: a.outboxFolders), OutboxLedger(folders: b.outboxFolders)]
        let claimed = Mutex<[[String]]>([[], []])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { scorer in
            for name in names {
                do {
                    if try ledgers[scorer].claim(name) != nil { claimed.withLock { $0[scorer].append(name) } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        // Then every name went to exactly one of them, and sits in that scorer's own processing folder.
        let (byA, byB) = claimed.withLock { ($0[0], $0[1]) }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(Set(byA).isDisjoint(with: byB))
        #expect((byA + byB).sorted() == names)
        #expect(try FileSystem.list(a.processing).count == byA.count)
        #expect(try FileSystem.list(b.processing).count == byB.count)
        #expect(try inbox.list().filter { !$0.hasPrefix(".") }.isEmpty)
        // And each scorer's recovery (after a crash) returns only its own claims.
        let recoveredA = try ledgers[0].recover().unfinished.compactMap { OutboxLedger.Claim(fileName: $0)?.original }
        let recoveredB = try ledgers[1].recover().unfinished.compactMap { OutboxLedger.Claim(fileName: $0)?.original }
        #expect(recoveredA.sorted() == byA.sorted())
        #expect(recoveredB.sorted() == byB.sorted())
    }

    @Test func aSecondProcessCannotTakeANodeNameThatIsHeld() throws {
        let inbox = try TemporaryDirectory("churnd-shared-inbox")
        let (root, paths) = try scorer("a", inbox: inbox.path)
        defer { withExtendedLifetime(root) {} }
        do {
            let held = try SharedInbox(paths: paths, now: 0)
            let owner = try String(contentsOfFile: "\(held.home)/owner", encoding: .utf8)
            #expect(owner.contains("pid \(getpid())"))
            #expect(owner.contains("boot "))
            #expect(owner.contains("node a"))
            // flock locks belong to open file descriptions: a second open in this process conflicts like another
            // process would.
            #expect(throws: DaemonError.self) { _ = try SharedInbox(paths: paths, now: 0) }
            withExtendedLifetime(held) {}
        }
        // Released with its holder: the name can be taken again (a restart after kill -9).
        _ = try SharedInbox(paths: paths, now: 0)
    }
}
