import ChurnDaemon
import Testing

/// What a polling scan may take: stamps are plain integers here (a file "changes" when its number does).
struct SettleTrackerTests {
    @Test func aFileIsTakenOnlyOnceItStoppedChanging() {
        var tracker = SettleTracker<Int>(once: false)
        #expect(tracker.settled(in: ["a.csv": 1]).isEmpty)
        #expect(tracker.settled(in: ["a.csv": 2]).isEmpty, "still growing")
        #expect(tracker.settled(in: ["a.csv": 2]) == ["a.csv"])
        #expect(tracker.settled(in: ["a.csv": 2]) == ["a.csv"], "the inbox offers it while it is there")
    }

    @Test func onceReportsEachVersionOfAFileOnce() {
        var tracker = SettleTracker<Int>(once: true)
        tracker.baseline(["old.csv": 1])
        #expect(tracker.settled(in: ["old.csv": 1, "new.csv": 1]).isEmpty, "old.csv was there at start")
        #expect(tracker.settled(in: ["old.csv": 1, "new.csv": 1]) == ["new.csv"])
        #expect(tracker.settled(in: ["old.csv": 1, "new.csv": 1]).isEmpty)
        #expect(tracker.settled(in: ["old.csv": 2, "new.csv": 1]).isEmpty)
        #expect(tracker.settled(in: ["old.csv": 2, "new.csv": 1]) == ["old.csv"], "rewritten: news again")
    }

    @Test func aFileRemovedAndDroppedAgainIsNewsAgain() {
        var tracker = SettleTracker<Int>(once: true)
        _ = tracker.settled(in: ["d.csv": 7])
        #expect(tracker.settled(in: ["d.csv": 7]) == ["d.csv"])
        #expect(tracker.settled(in: [:]).isEmpty)
        _ = tracker.settled(in: ["d.csv": 7])
        #expect(tracker.settled(in: ["d.csv": 7]) == ["d.csv"])
    }
}
