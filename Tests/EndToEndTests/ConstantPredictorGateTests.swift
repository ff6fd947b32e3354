import ChurnTestKit
import Foundation
import Testing

/// The gate beats the trivial models: through the built binary, a model that cannot beat always predicting
/// churn on its test rows is refused, the sentence naming the rule and both figures.
struct ConstantPredictorGateTests {
    @Test func aCandidateNoBetterThanAlwaysChurnIsRefused() throws {
        // Labels drawn independently of every feature, 60 % positive: the best a model can do is to say
        // "churn" for everyone, which F1 rewards with 0.75, above the 0.65 gate.
        let dir = try TemporaryDirectory("churnd-constant")
        var random = SplitMix(seed: 11)
        var text = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region,churn\n"
        for row in 0..<6000 {
            let plan = random.next() % 3 == 0 ? "premium" : "basic"
            let region = ["NA", "EU", "AF", "AS"][Int(random.next() % 4)]
            let churn = random.next() % 10 < 6 ? 1 : 0
            text +=
                "c\(row),\(1 + random.next() % 59),\(random.next() % 4),\(10 + random.next() % 50).5,\(plan),"
                + "\(region),\(churn)\n"
        }
        try dir.write("noise.csv", text)
        try SingleSplit.configure(dir.path)
        let result = try Churnd.run(["train", "--data", "noise.csv", "--json"], in: dir.path)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let verdict = summary["verdict"] as? [String: Any] ?? [:]
        #expect(summary["decision"] as? String == "refused", "\(result.stdout)")
        #expect(verdict["reason"] as? String == "no_better_than_constant", "\(result.stdout)")
        let sentence = summary["summary"] as? String ?? ""
        #expect(sentence.contains("does not beat always-churn's 0."), "\(sentence)")
        #expect(sentence.hasSuffix("by 0.0050; production has no version yet"), "\(sentence)")
    }
}

/// A small deterministic generator for test data (SplitMix64).
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
