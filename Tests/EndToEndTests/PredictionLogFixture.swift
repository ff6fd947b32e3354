import ChurnCore
import ChurnTestKit
import Foundation

/// Writes `rows` prediction-log lines drawn from `generator`, scored by `artifact`.
func writePredictionLog(
    _ path: String, generator: Generator, rows: Int, seed: UInt64, artifact: ModelArtifact, extra: String = ""
) throws {
    let scorer = Scorer(artifact: artifact, versionLabel: artifact.versionLabel(fallback: "unregistered"))
    var sampler = Generator.Sampler(generator, seed: seed)
    var bytes: [UInt8] = Array(extra.utf8)
    var writer = ByteWriter { bytes.append(contentsOf: $0) }
    for k in 0..<rows {
        let row = sampler.next()
        let plan = generator.plans[row.plan].level, region = generator.regions[row.region].level
        let p = scorer.probability(
            numeric: [Double(row.tenure), Double(row.complaints), row.session], categorical: [plan, region])
        let record = PredictionRecord(
            requestID: "r\(k)", modelVersion: scorer.versionLabel, prediction: p >= 0.5 ? 1 : 0, probability: p,
            features: [
                "tenure_months": .number(Double(row.tenure)), "num_complaints": .number(Double(row.complaints)),
                "avg_session_minutes": .number(row.session), "plan_type": .text(plan), "region": .text(region),
            ], timestamp: Double(k))
        try record.write(to: &writer)
    }
    try writer.flush()
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The Python lab's prediction-log lines (its key order and spacing, `model_version` as its API wrote it, e.g.
/// `models:/churn_model@production`; nil leaves the key out) for the rows of an unlabeled CSV as
/// `churnd gen-data --unlabeled` writes it, scored by `artifact`, each stamped `ts` (nil leaves it out).
func labPredictionLog(csv: String, artifact: ModelArtifact, modelVersion: String?, ts: Double?) -> String {
    let scorer = Scorer(artifact: artifact, versionLabel: "lab")
    var text = ""
    for (k, row) in csvRows(csv).dropFirst().enumerated() where row.count == 6 {
        let numeric = row[1...3].map { Double($0) }
        let p = scorer.probability(numeric: numeric, categorical: [row[4], row[5]])
        let version = modelVersion.map { "\"model_version\": \"\($0)\", " } ?? ""
        let time = ts.map { ", \"ts\": \($0)" } ?? ""
        text +=
            "{\"request_id\": \"lab-\(k)\", \(version)\"prediction\": \(p >= 0.5 ? 1 : 0), "
            + "\"probability\": \(String(format: "%.6f", p)), \"latency_ms\": 1.2, \"features\": "
            + "{\"tenure_months\": \(row[1]), \"num_complaints\": \(row[2]), \"avg_session_minutes\": \(row[3]), "
            + "\"plan_type\": \"\(row[4])\", \"region\": \"\(row[5])\"}\(time)}\n"
    }
    return text
}
