import ChurnDaemon
import Testing

struct WorkQueueTests {
    @Test func eachFileWaitsOrRunsOnlyOnce() {
        var queue = WorkQueue(slots: 2)
        let check6 = queue.add(.init(.inbox("a.csv"), size: 10))
        #expect(check6)
        let check8 = !queue.add(.init(.inbox("a.csv"), size: 10))
        #expect(check8)
        let first = queue.next()
        #expect(first?.item.source == .inbox("a.csv"))
        let check12 = queue.next() == nil
        #expect(check12)
        // Offered again while running (a new file with the same name): offered once more afterwards.
        let check15 = !queue.add(.init(.inbox("a.csv"), size: 10))
        #expect(check15)
        let check17 = queue.finish(slot: first!.slot).map(\.source) == [.inbox("a.csv")]
        #expect(check17)
        let check19 = queue.finish(slot: first!.slot).isEmpty
        #expect(check19)
    }

    @Test func aBigFileNeverTakesTheLastWorker() {
        var queue = WorkQueue(slots: 2, bigThreshold: 1000)
        queue.add(.init(.inbox("big1"), size: 5000))
        queue.add(.init(.inbox("big2"), size: 5000))
        queue.add(.init(.inbox("small"), size: 10))
        let check28 = queue.next()?.item.source == .inbox("big1")
        #expect(check28)
        let check30 = queue.next()?.item.source == .inbox("small")
        #expect(check30)
        let check32 = queue.next() == nil
        #expect(check32)
        #expect(queue.runningCount == 2 && queue.waitingCount == 1)
    }

    @Test func smallFilesKeepFlowingBehindABigOne() {
        var queue = WorkQueue(slots: 2, bigThreshold: 1000)
        queue.add(.init(.inbox("big"), size: 5000))
        let big = queue.next()
        for index in 0..<5 { queue.add(.init(.inbox("s\(index)"), size: 1)) }
        for index in 0..<5 {
            let next = queue.next()
            #expect(next?.item.source == .inbox("s\(index)"))
            #expect(next?.slot != big?.slot)
            _ = queue.finish(slot: next!.slot)
        }
        #expect(queue.waitingCount == 0)
    }

    @Test func workPutBackRunsFirst() {
        var queue = WorkQueue(slots: 1)
        queue.add(.init(.inbox("a"), size: 1))
        queue.add(.init(.inbox("b"), size: 1))
        let taken = queue.next()!
        _ = queue.finish(slot: taken.slot)
        queue.putBack(.init(.claimed("x.a"), size: 1))
        let check58 = queue.next()?.item.source == .claimed("x.a")
        #expect(check58)
    }

    @Test func smallInboxFilesGoOutInBatchesSplitOverTheFreeSlots() {
        var queue = WorkQueue(slots: 2, smallThreshold: 100)
        for index in 0..<10 { queue.add(.init(.inbox("s\(index)"), size: 10)) }
        // Two free slots, ten files waiting: a batch takes at most half.
        let first = queue.next(batch: 8)
        #expect(first?.items.map(\.source) == (0..<5).map { .inbox("s\($0)") })
        let second = queue.next(batch: 3)
        #expect(second?.items.map(\.source) == (5..<8).map { .inbox("s\($0)") })
        let none = queue.next(batch: 8) == nil
        #expect(none)
        #expect(queue.runningCount == 8 && queue.waitingCount == 2)
        // A file offered again while its batch runs comes back when the batch is done.
        let added = queue.add(.init(.inbox("s6"), size: 10))
        #expect(!added)
        let again = queue.finish(slot: second!.slot).map(\.source)
        #expect(again == [.inbox("s6")])
        #expect(queue.runningCount == 5)
    }

    @Test func batchesKeepToSmallInboxFilesAndTheByteLimit() {
        var queue = WorkQueue(slots: 1, smallThreshold: 100)
        queue.add(.init(.inbox("a"), size: 40))
        queue.add(.init(.inbox("large"), size: 500))
        queue.add(.init(.claimed("x.b"), size: 10))
        queue.add(.init(.inbox("c"), size: 40))
        queue.add(.init(.inbox("d"), size: 40))
        // The large file and the claimed one go alone; "d" would pass the 100 bytes of the batch.
        var batches: [[WorkQueue.Source]] = []
        while let (slot, items) = queue.next(batch: 10, batchBytes: 100) {
            batches.append(items.map(\.source))
            _ = queue.finish(slot: slot)
        }
        #expect(batches == [[.inbox("a"), .inbox("c")], [.inbox("large")], [.claimed("x.b")], [.inbox("d")]])
    }
}
