import ChurnTestKit
import Foundation
import Testing

/// `make demo` runs `scripts/demo` on the checkout; here it runs on a temporary root, on a fresh one and again
/// once a model serves (as after `make run`), and leaves nothing behind in the checkout.
@Suite(.serialized)
struct DemoTests {
    @Test func theDemoScoresAFileOnAFreshRootAndAgainOnceAModelServes() throws {
        let root = try TemporaryDirectory("churnd-demo")
        // A smaller sample than the demo's own 50,000 rows keeps the first training short; the script uses a
        // sample that is already there.
        try root.generate("watch/data/sample.csv", rows: 3000, seed: 1)
        let checkout = try Self.checkoutState()

        for attempt in 1...2 {
            let demo = try Script.run(
                ["\(Script.repository)/scripts/demo", root.path], environment: ["B": Churnd.binary])
            #expect(demo.status == 0, "run \(attempt): \(demo.output)")
            let scored = try #require(
                demo.output.split(separator: "\n").first { $0.hasPrefix("scored 10000 rows: outbox/") },
                "run \(attempt): \(demo.output)")
            let file = String(scored.dropFirst("scored 10000 rows: ".count))
            let rows = csvRows(try root.read(file))
            #expect(rows.first == ["customer_id", "churn_probability", "churn_prediction", "model_version"])
            #expect(rows.count == 10_001 && rows[1][3] == "1")
            #expect(demo.output.contains("serving   v1 (production)"), "\(demo.output)")
        }
        #expect(try root.list("outbox").filter { $0.hasSuffix(".scored.csv") }.count == 2)
        #expect(try root.list("inbox").isEmpty)
        #expect(try Self.checkoutState() == checkout, "the demo wrote into the checkout")
    }

    /// Untracked and changed files of the checkout (build products are ignored).
    static func checkoutState() throws -> String {
        try Script.run(["git", "-C", Script.repository, "status", "--porcelain", "--untracked-files=all"]).output
    }
}
