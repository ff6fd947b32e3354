import ChurnCore
import ChurnStore
import Foundation
import Testing

/// How many threads one file is scored on: never more than the processors, none of them busy with other work.
struct ScoringThreadsTests {
    @Test(arguments: [
        // (configured, cores, load, threads)
        (2, 2, 0.0, 2), (2, 2, 0.9, 2), (2, 2, 1.0, 2), (2, 2, 1.2, 1), (2, 2, 25.0, 1),
        (8, 2, 0.0, 2), (1, 8, 0.0, 1), (8, 8, 3.5, 5), (8, 8, 7.99, 1), (4, 8, 2.0, 4),
    ])
    func threadsFollowTheFreeProcessors(_ example: (Int, Int, Double, Int)) {
        let (configured, cores, load, threads) = example
        #expect(Scorer.scoringThreads(configured: configured, cores: cores, load: load) == threads)
    }

    @Test func withoutALoadAverageTheProcessorsDecide() {
        #expect(Scorer.scoringThreads(configured: 4, cores: 2, load: nil) == 2)
        #expect(Scorer.scoringThreads(configured: 1, cores: 2, load: nil) == 1)
    }

    @Test func theLoadAverageIsTheKernels() throws {
        let load = try #require(Scorer.loadAverage())
        let text = try String(contentsOfFile: "/proc/loadavg", encoding: .utf8)
        let first = try #require(Double(text.split(separator: " ")[0]))
        // Read a moment apart: the kernel updates it every 5 s, by small steps.
        #expect(abs(load - first) < 1.0)
    }
}
