import ChurnCore
import ChurnStore
import Foundation
import Synchronization
import Testing

/// How many threads one file is scored on: never more than the processors, none of them busy with other work.
struct ScoringThreadsTests {
    @Test(arguments: [
        // (configured, cores, other runnable threads, threads)
        (2, 2, 0, 2), (2, 2, 1, 2), (2, 2, 2, 1), (2, 2, 25, 1),
        (8, 2, 0, 2), (1, 8, 0, 1), (8, 8, 3, 6), (8, 8, 8, 1), (4, 8, 2, 4),
    ])
    func threadsFollowTheFreeProcessors(_ example: (Int, Int, Int, Int)) {
        let (configured, cores, busy, threads) = example
        #expect(Scorer.scoringThreads(configured: configured, cores: cores, busy: busy) == threads)
    }

    @Test func withoutACountTheProcessorsDecide() {
        #expect(Scorer.scoringThreads(configured: 4, cores: 2, busy: nil) == 2)
        #expect(Scorer.scoringThreads(configured: 1, cores: 2, busy: nil) == 1)
    }

    @Test func theRunnableCountIsReadFromTheKernelsLine() throws {
        #expect(Scorer.runnable(inLoadavg: ArraySlice("0.52 0.58 0.59 3/467 12345\n".utf8)) == 3)
        #expect(Scorer.runnable(inLoadavg: ArraySlice("12.00 9.1 4 17/2001 9".utf8)) == 17)
        #expect(Scorer.runnable(inLoadavg: ArraySlice("0.52 0.58 0.59".utf8)) == nil)
        #expect(Scorer.runnable(inLoadavg: ArraySlice("0.52 0.58 0.59 x/4 1".utf8)) == nil)
        // This thread runs while it reads the file, so the kernel's count has it: the others are 0 or more.
        let others = try #require(Scorer.otherRunnable())
        #expect(others >= 0 && others < 10_000)
    }

    @Test func aThreadSpinningBesideIsCounted() throws {
        // Given three threads that keep running (more than the processors of a small machine), the count of
        // other runnable threads sees at least one of them at some point.
        final class Flag: Sendable { let stop = Atomic<Bool>(false) }
        let flag = Flag()
        let spinners = (0..<3).map { _ in
            Thread {
                var x = 0
                while !flag.stop.load(ordering: .relaxed) { x &+= 1 }
                _ = x
            }
        }
        spinners.forEach { $0.start() }
        defer { flag.stop.store(true, ordering: .relaxed) }
        var seen = 0
        for _ in 0..<200 where seen == 0 {
            seen = max(seen, Scorer.otherRunnable() ?? 0)
            usleep(1_000)
        }
        #expect(seen >= 1)
    }
}
