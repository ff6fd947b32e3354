import ChurnCore
import ChurnMLflow
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// A churnd root whose `[mlflow]` points at a test server, with an experiment and registered model of its own
/// (tests share one server).
struct MLflowRoot {
    let dir: TemporaryDirectory
    let uri: String
    let experiment: String
    let model: String
    /// The tests' own client: a longer timeout than churnd's 10 s, since a test asks MLflow only to check what
    /// churnd did, and MLflow with its job runners on a busy 2-core machine can take longer than that to answer.
    var client: MLflowClient { MLflowClient(trackingURI: uri, timeout: 60) }

    init(uri: String, families: [String] = ["logistic_regression"], extra: String = "") throws {
        dir = try TemporaryDirectory("churnd-mlflow-root")
        self.uri = uri
        let tag = UUID().uuidString.prefix(8).lowercased()
        experiment = "churnd-test-\(tag)"
        model = "churn_model_\(tag)"
        let initialized = try Churnd.run(["init", "."], in: dir.path)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        try configure(families: families, extra: extra)
    }

    func configure(families: [String], extra: String = "") throws {
        let list = families.map { "\"\($0)\"" }.joined(separator: ", ")
        // Trained on the single validation split, as before cross-validation (see SingleSplit).
        try dir.write(
            "churnd.toml",
            SingleSplit.toml(
                """
                [training]
                families = [\(list)]
                [xgboost]
                nthread = 2
                rounds = 60
                [mlflow]
                tracking_uri = "\(uri)"
                experiment = "\(experiment)"
                registered_model = "\(model)"
                \(extra)
                """))
    }

    @discardableResult
    func generate(_ name: String, rows: Int, seed: Int, interaction: Bool = false) throws -> String {
        let result = try Churnd.run(
            ["gen-data", "--rows", "\(rows)", "--seed", "\(seed)", "-o", name] + (interaction ? ["--interaction"] : []),
            in: dir.path)
        #expect(result.status == 0, "\(result.stderr)")
        return "\(dir.path)/\(name)"
    }

    func registry() throws -> Registry { try Registry(stateDirectory: "\(dir.path)/state") }

    /// The experiment's runs in MLflow, by churnd run id.
    func mlflowRuns() throws -> [String: MLflowClient.Run] {
        let id = try client.experimentID(name: experiment)
        var runs: [String: MLflowClient.Run] = [:]
        for run in try client.searchRuns(experimentID: id, filter: "", maxResults: 1000) {
            #expect(runs[run.tags["churnd.run_id"] ?? ""] == nil, "two MLflow runs for churnd run \(run.tags)")
            runs[run.tags["churnd.run_id"] ?? ""] = run
        }
        return runs
    }

    /// Probabilities by id from `churnd score --version V` (6 decimals) of `csv` (a path relative to the root).
    func churndScores(_ csv: String, version: Int) throws -> [String: Double] {
        let out = "scored-v\(version)"
        let score = try Churnd.run(["score", csv, "--version", "\(version)", "-o", out, "--no-log"], in: dir.path)
        #expect(score.status == 0, "\(score.stderr)")
        let name = FileSystem.split(csv).name.replacingOccurrences(of: ".csv", with: ".scored.csv")
        var result: [String: Double] = [:]
        for row in csvRows(try dir.read("\(out)/\(name)")).dropFirst() where row.count >= 2 {
            result[row[0]] = Double(row[1])
        }
        return result
    }
}

/// Rows of `id,churn_probability,…` text by id.
func probabilities(_ csv: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for row in csvRows(csv).dropFirst() where row.count >= 2 { result[row[0]] = Double(row[1]) }
    return result
}
