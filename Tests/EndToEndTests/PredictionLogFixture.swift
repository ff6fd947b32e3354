import ChurnCore
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
