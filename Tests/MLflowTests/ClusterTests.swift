import ChurnCore
import ChurnMLflow
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several machines on one MLflow, on this machine: MLflow on a private PostgreSQL cluster, one trainer and two
/// scorers, each with its own root, the scorers sharing one inbox folder.
@Suite(.serialized)
struct ClusterTests {
    /// A scorer's root: it follows the trainer's registered model and scores the shared inbox as `node`.
    private static func scorerRoot(_ node: String, trainer: MLflowRoot, inbox: String) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory("churnd-scorer-\(node)")
        try dir.write(
            "churnd.toml",
            """
            [paths]
            inbox = "\(inbox)"
            [mlflow]
            tracking_uri = "\(trainer.uri)"
            experiment = "\(trainer.experiment)"
            registered_model = "\(trainer.model)"
            [registry]
            backend = "mlflow"
            [cluster]
            role = "scorer"
            node = "\(node)"
            shared_inbox = true
            [http]
            listen = ""
            """)
        return dir
    }

    /// Every scored output of a scorer: name → the `model_version` of each row.
    private static func outputs(_ root: TemporaryDirectory) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for name in try root.list("outbox") where name.hasSuffix(".scored.csv") {
            result[name] = csvRows(try root.read("outbox/\(name)")).dropFirst().map { $0.last ?? "" }
        }
        return result
    }

    /// Writes `count` small CSV files (`prefix-N.csv`, 5 rows each) beside the inbox, then renames them in.
    private static func drop(_ count: Int, prefix: String, into inbox: String, source: String) throws {
        let staging = "\(FileSystem.split(inbox).directory)/staging-\(prefix)"
        try FileSystem.makeDirectory(staging)
        let text = try String(contentsOfFile: source, encoding: .utf8)
        for index in 0..<count {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(staging)/\(prefix)-\(index).csv"))
        }
        for index in 0..<count {
            guard rename("\(staging)/\(prefix)-\(index).csv", "\(inbox)/\(prefix)-\(index).csv") == 0 else {
                throw WaitFailure(message: "rename into the inbox failed: errno \(errno)")
            }
        }
    }

    @Test func oneTrainerAndTwoScorersOnPostgreSQLShareTheInboxAndFollowPromotions() throws {
        // Given MLflow on PostgreSQL and a trainer that trained v1 and published it as production.
        let postgres = try PostgresServer()
        let server = try MLflowServer(backendStoreURI: postgres.mlflowURI)
        let trainer = try MLflowRoot(
            uri: server.uri,
            extra: "[registry]\nbackend = \"mlflow\"\n[cluster]\nrole = \"trainer\"\n[http]\nlisten = \"\"\n")
        try trainer.generate("watch/data/a.csv", rows: 3000, seed: 3)
        let trainerDaemon = try DaemonProcess(root: trainer.dir.path)
        defer { _ = try? trainerDaemon.stop() }
        try trainerDaemon.waitReady(timeout: 120)
        let registry = try trainer.registry()
        try eventually("the trainer published v1\n\(trainerDaemon.log)", timeout: 240) {
            guard let v1 = try registry.mlflowVersion(model: "churn_model", version: 1) else { return false }
            return (try? trainer.client.aliases(name: trainer.model)["production"]) == v1
        }
        // A trainer scores nothing: its own inbox is left alone.
        try dropFile("\(trainer.dir.path)/inbox/ignored.csv", "customer_id\n1\n")

        // And two scorers with their own roots on one shared inbox.
        let shared = try TemporaryDirectory("churnd-shared")
        let inbox = "\(shared.path)/inbox"
        try FileSystem.makeDirectory(inbox)
        let rootA = try Self.scorerRoot("scorer-a", trainer: trainer, inbox: inbox)
        let rootB = try Self.scorerRoot("scorer-b", trainer: trainer, inbox: inbox)
        var scorerA = try DaemonProcess(root: rootA.path)
        let scorerB = try DaemonProcess(root: rootB.path)
        defer {
            _ = try? scorerA.stop()
            _ = try? scorerB.stop()
        }
        for scorer in [scorerA, scorerB] {
            try scorer.waitReady(timeout: 120)
            // Each fetched v1 from MLflow (checked against its SHA-256) and follows production.
            try eventually("the scorer follows v1\n\(scorer.log)", timeout: 60) {
                scorer.log.contains("followed MLflow: production – → v1")
            }
        }
        for root in [rootA, rootB] {
            let local = try Registry(stateDirectory: "\(root.path)/state")
            #expect(try local.aliasVersion(model: "churn_model", alias: "production") == 1)
            #expect(
                try local.version(model: "churn_model", 1).artifactSha256
                    == registry.version(model: "churn_model", 1).artifactSha256)
            let last = try #require(try local.history(model: "churn_model", alias: "production", limit: 1).first)
            #expect(last.actor.name == "mlflow")
            #expect(try local.runs(model: "churn_model", limit: 10).isEmpty, "a scorer never trains")
        }

        // When 1,000 files land in the shared inbox at once, each is scored exactly once, by one scorer.
        let source = try trainer.generate("small.csv", rows: 5, seed: 9)
        try Self.drop(1000, prefix: "race", into: inbox, source: source)
        try eventually("1,000 files scored\n\(scorerA.log)\n\(scorerB.log)", timeout: 300) {
            try Self.outputs(rootA).count + Self.outputs(rootB).count >= 1000
        }
        let (outA, outB) = (try Self.outputs(rootA), try Self.outputs(rootB))
        let race = (0..<1000).map { "race-\($0).scored.csv" }
        #expect(Set(outA.keys).isDisjoint(with: outB.keys))
        #expect(Set(outA.keys).union(outB.keys) == Set(race), "no file twice (no -1 suffix), none missing")
        #expect(!outA.isEmpty && !outB.isEmpty, "both scorers took part: \(outA.count) + \(outB.count)")
        #expect(outA.values.allSatisfy { $0 == Array(repeating: "1", count: 5) })
        let archived =
            try FileSystem.list("\(inbox)/.churnd/scorer-a/archive").count
            + FileSystem.list("\(inbox)/.churnd/scorer-b/archive").count
        #expect(archived == 1000)
        #expect(!trainer.dir.exists("outbox/ignored.scored.csv") && trainer.dir.exists("inbox/ignored.csv"))

        // When `staging` is set in MLflow to a version whose model.json does not match its churnd.artifact_sha256
        // tag, each scorer fetches it, checks it and refuses it with the reason, storing nothing.
        let runID = try #require(try registry.mlflowRun(model: "churn_model", version: 1)?.runID)
        let forged = try trainer.client.createModelVersion(
            name: trainer.model, source: try trainer.client.getRun(id: runID).artifactURI + "/model", runID: runID,
            tags: ["churnd.model_version": "7", "churnd.artifact_sha256": String(repeating: "0", count: 64)])
        try trainer.client.setAlias(name: trainer.model, alias: "staging", version: forged.version)
        for scorer in [scorerA, scorerB] {
            try eventually("the forged version is refused\n\(scorer.log)", timeout: 30) {
                scorer.log.contains("was set in MLflow to version \(forged.version), which churnd does not serve")
                    && scorer.log.contains(
                        "not \(String(repeating: "0", count: 64)) as its churnd.artifact_sha256 tag says")
            }
        }
        for root in [rootA, rootB] {
            let local = try Registry(stateDirectory: "\(root.path)/state")
            #expect(try local.versions(model: "churn_model").map(\.version) == [1])
            #expect(try local.aliasVersion(model: "churn_model", alias: "staging") == nil)
        }

        // When scorer A is killed (-9) while it scores a big file, with B stopped so that A takes it:
        try scorerB.stop()
        let big = try trainer.generate("big-source.csv", rows: 400_000, seed: 5)
        guard rename(big, "\(inbox)/big.csv") == 0 else { throw WaitFailure(message: "rename big.csv: \(errno)") }
        let processingA = "\(inbox)/.churnd/scorer-a/processing"
        try eventually("A claimed big.csv\n\(scorerA.log)", timeout: 60) {
            try FileSystem.list(processingA).contains { $0.hasSuffix(".big.csv") }
        }
        scorerA.killHard()
        #expect(try FileSystem.list(processingA).contains { $0.hasSuffix(".big.csv") }, "killed mid-file")
        // Then B, running again, never touches A's claim…
        let scorerB2 = try DaemonProcess(root: rootB.path)
        defer { _ = try? scorerB2.stop() }
        try scorerB2.waitReady(timeout: 120)
        try holds("B leaves A's claim alone", for: 3) {
            try FileSystem.list(processingA).contains { $0.hasSuffix(".big.csv") }
                && !rootB.exists("outbox/big.scored.csv")
        }
        // …and A's restart finishes it, once.
        scorerA = try DaemonProcess(root: rootA.path)
        try scorerA.waitReady(timeout: 120)
        try eventually("A finished big.csv\n\(scorerA.log)", timeout: 180) {
            let left = try FileSystem.list(processingA)
            return rootA.exists("outbox/big.scored.csv") && left.isEmpty
        }
        #expect(scorerA.log.contains("recovered after an interrupted run"), "\(scorerA.log)")
        #expect(!rootB.exists("outbox/big.scored.csv"))
        #expect(try rootA.list("outbox").filter { $0.hasPrefix("big") } == ["big.scored.csv"])
        #expect(csvRows(try rootA.read("outbox/big.scored.csv")).count == 400_001)

        // When the trainer promotes v2 while files stream into the shared inbox, every file is scored by one
        // whole version, and the scorers move to v2.
        try trainer.generate("watch/data/b.csv", rows: 3000, seed: 4)
        try eventually("the trainer registered v2\n\(trainerDaemon.log)", timeout: 240) {
            (try? registry.mlflowVersion(model: "churn_model", version: 2)) != nil
        }
        let streamed = 200
        let streamer = Thread {
            for index in 0..<streamed {
                try? Self.drop(1, prefix: "stream\(index)", into: inbox, source: source)
                usleep(20_000)
            }
        }
        streamer.start()
        let production = try registry.aliasVersion(model: "churn_model", alias: "production")
        if production != 2 {
            let promote = try Churnd.run(["promote", "2", "--reason", "cluster test"], in: trainer.dir.path)
            #expect(promote.status == 0, "\(promote.stderr)")
        }
        let stream = (0..<streamed).map { "stream\($0)-0.scored.csv" }
        try eventually("the streamed files are scored", timeout: 300) {
            let all = Set(try Self.outputs(rootA).keys).union(try Self.outputs(rootB).keys)
            return stream.allSatisfy { all.contains($0) }
        }
        let after = try Self.outputs(rootA).merging(try Self.outputs(rootB)) { a, _ in a }
        var versions: Set<String> = []
        for name in stream {
            let rows = try #require(after[name])
            #expect(Set(rows).count == 1 && rows.count == 5, "\(name) scored by one whole version: \(rows)")
            versions.formUnion(rows)
        }
        #expect(versions.contains("2"), "the scorers moved to v2: \(versions)")
        for scorer in [scorerA, scorerB2] {
            try eventually("the scorer follows v2\n\(scorer.log)", timeout: 30) {
                scorer.log.contains("followed MLflow: production v1 → v2")
            }
        }
    }
}
