/// Which inbox work runs next, on which worker slot. Pure: no I/O, so the fairness rules are testable alone.
///
/// - Each key waits or runs at most once; a key offered again while it runs is offered once more afterwards
///   (a new file with the same name may have arrived behind the one in hand).
/// - Files of `bigThreshold` bytes or more use at most `slots - 1` workers, so one big file never starves the
///   small ones behind it.
package struct WorkQueue: Sendable {
    package enum Source: Hashable, Sendable {
        /// A file still in the inbox, by name.
        case inbox(String)
        /// A file already claimed into `state/processing/` (left by a crash, or waiting for disk space).
        case claimed(String)
    }

    package struct Item: Hashable, Sendable {
        package var source: Source
        package var size: Int

        package init(_ source: Source, size: Int) {
            self.source = source
            self.size = size
        }
    }

    package let slots: Int
    package let bigThreshold: Int
    private var waiting: [Item] = []
    private var waitingSources: Set<Source> = []
    private var running: [Item?]
    private var offeredAgain: Set<Source> = []

    package init(slots: Int, bigThreshold: Int = 16 << 20) {
        self.slots = max(1, slots)
        self.bigThreshold = bigThreshold
        running = Array(repeating: nil, count: max(1, slots))
    }

    package var waitingCount: Int { waiting.count }
    package var runningCount: Int { running.count { $0 != nil } }
    package var isIdle: Bool { waiting.isEmpty && runningCount == 0 }

    /// Adds work unless it is already waiting. Returns false when nothing was added.
    @discardableResult
    package mutating func add(_ item: Item) -> Bool {
        if running.contains(where: { $0?.source == item.source }) {
            offeredAgain.insert(item.source)
            return false
        }
        guard waitingSources.insert(item.source).inserted else { return false }
        waiting.append(item)
        return true
    }

    /// Puts work back at the front (it was taken but could not run yet).
    package mutating func putBack(_ item: Item) {
        guard waitingSources.insert(item.source).inserted else { return }
        waiting.insert(item, at: 0)
    }

    /// The next item to start and the free slot to run it on, or nil when all slots are busy or nothing may run.
    package mutating func next() -> (slot: Int, item: Item)? {
        guard let slot = running.firstIndex(where: { $0 == nil }) else { return nil }
        let bigRunning = running.count { ($0?.size ?? 0) >= bigThreshold }
        let bigAllowed = slots == 1 || bigRunning < slots - 1
        guard let index = waiting.firstIndex(where: { bigAllowed || $0.size < bigThreshold }) else { return nil }
        let item = waiting.remove(at: index)
        waitingSources.remove(item.source)
        running[slot] = item
        return (slot, item)
    }

    /// Frees a slot. Returns the finished item when it was offered again while running, so the caller can
    /// offer it once more.
    package mutating func finish(slot: Int) -> Item? {
        guard slots > slot, let item = running[slot] else { return nil }
        running[slot] = nil
        return offeredAgain.remove(item.source) != nil ? item : nil
    }
}
