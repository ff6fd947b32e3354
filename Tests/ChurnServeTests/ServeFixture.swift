import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Logging
import ServiceLifecycle

/// A root with trained versions and churnd's HTTP server running in this process on a free port.
final class ServeFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    let lifecycle: ModelLifecycle
    let server: HTTPServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let client: HTTPClient
    let config: Config

    /// - Parameters:
    ///   - versions: training runs on the same data: v1 serves, the others are kept (v2 is the challenger).
    ///   - edit: changes to the configuration (bounds and normalisation of the Python lab are set).
    init(versions: Int = 1, edit: (inout Config) -> Void = { _ in }) async throws {
        dir = try TemporaryDirectory("churnd-serve")
        var config = Config.initial.singleSplit
        config.training.families = [.logisticRegression]
        config.http.listen = "127.0.0.1:0"
        edit(&config)
        self.config = config
        lifecycle = try ModelLifecycle(root: dir.path, config: config)
        if versions > 0 {
            let file = try dir.generate("train.csv", rows: 2000, seed: 1)
            for _ in 0..<versions { _ = try lifecycle.train(files: [file], actor: .user) }
        }
        let fixed = config
        server = HTTPServer(
            root: dir.path, lifecycle: lifecycle, config: { fixed },
            logger: Logger(
                label: "test",
                factory: { _ in
                    SwiftLogNoOpLogHandler()
                }))
        group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)], gracefulShutdownSignals: [],
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        let group = self.group
        task = Task { try await group.run() }
        let deadline = Date().addingTimeInterval(30)
        while server.address == nil {
            guard Date() < deadline else { throw HTTPClient.Failure(description: "the server did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
        client = HTTPClient(port: server.address?.port ?? 0)
        // The first poll of the registry has run once the server reports ready (or not, without a model).
        if versions > 0 {
            while server.models.current == nil {
                guard Date() < deadline else { throw HTTPClient.Failure(description: "no model loaded") }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Graceful shutdown, as on SIGTERM; waits for the server to stop.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// The prediction log's lines, parsed.
    func logRecords() throws -> [PredictionRecord] {
        let path = "\(dir.path)/watch/logs/\(config.drift.logFile)"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try PredictionRecord.parse($0)
        }
    }

    static let customer =
        #"{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}"#
}
