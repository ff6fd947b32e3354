/// Which inbox work runs next, on which worker slot. Pure: no I/O, so the fairness rules are testable alone.
///
/// - Each key waits or runs at most once; a key offered again while it runs is offered once more afterwards
///   (a new file with the same name may have arrived behind the one in hand).
/// - Files of `bigThreshold` bytes or more use at most `slots - 1` workers, so one big file never starves the
///   small ones behind it.
/// - Small inbox files (under `smallThreshold` bytes) go out in batches (`next(batch:batchBytes:)`): a worker
///   scores a batch one file after the other and commits it with one sync of the outbox (see `OutboxLedger`),
///   so a burst of small files costs one sync per batch instead of one per file. A batch takes at most its
///   fair share of what waits (split over the free slots), so the other workers get work too.
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
    package let smallThreshold: Int
    private var waiting: [Item] = []
    private var waitingSources: Set<Source> = []
    /// What each slot runs; empty when it is free.
    private var running: [[Item]]
    private var offeredAgain: Set<Source> = []

    package init(slots: Int, bigThreshold: Int = 16 << 20, smallThreshold: Int = 256 << 10) {
        self.slots = max(1, slots)
        self.bigThreshold = bigThreshold
        self.smallThreshold = smallThreshold
        running = Array(repeating: [], count: max(1, slots))
    }

    package var waitingCount: Int { waiting.count }
    /// Files in hand, over every slot.
    package var runningCount: Int { running.reduce(0) { $0 + $1.count } }
    package var isIdle: Bool { waiting.isEmpty && runningCount == 0 }

    /// Adds work unless it is already waiting. Returns false when nothing was added.
    @discardableResult
    package mutating func add(_ item: Item) -> Bool {
        if running.contains(where: { $0.contains { $0.source == item.source } }) {
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
        guard let (slot, items) = next(batch: 1) else { return nil }
        return (slot, items[0])
    }

    /// The next work for a free slot: the item `next()` would pick and, when it is a small inbox file, up to
    /// `batch - 1` more small inbox files waiting behind it, in order, `batchBytes` in all at most, and no more
    /// than a fair share of what waits: the waiting files divided by the free slots, rounded up. Nil when all
    /// slots are busy or nothing may run.
    package mutating func next(batch: Int, batchBytes: Int = 4 << 20) -> (slot: Int, items: [Item])? {
        guard let slot = running.firstIndex(where: \.isEmpty) else { return nil }
        let bigRunning = running.count { $0.contains { $0.size >= bigThreshold } }
        let bigAllowed = slots == 1 || bigRunning < slots - 1
        guard let index = waiting.firstIndex(where: { bigAllowed || $0.size < bigThreshold }) else { return nil }
        let free = running.count(where: \.isEmpty)
        let share = (waiting.count + free - 1) / free
        let first = waiting.remove(at: index)
        var items = [first]
        if batch > 1, share > 1, isSmallInboxFile(first) {
            let limit = min(batch, share)
            var bytes = first.size
            var kept: [Item] = []
            kept.reserveCapacity(waiting.count)
            for item in waiting {
                if items.count < limit, isSmallInboxFile(item), bytes + item.size <= batchBytes {
                    items.append(item)
                    bytes += item.size
                } else {
                    kept.append(item)
                }
            }
            waiting = kept
        }
        for item in items { waitingSources.remove(item.source) }
        running[slot] = items
        return (slot, items)
    }

    /// Frees a slot. Returns its items that were offered again while running, so the caller can offer them
    /// once more.
    package mutating func finish(slot: Int) -> [Item] {
        guard slots > slot else { return [] }
        let items = running[slot]
        running[slot] = []
        return items.filter { offeredAgain.remove($0.source) != nil }
    }

    private func isSmallInboxFile(_ item: Item) -> Bool {
        guard case .inbox = item.source else { return false }
        return item.size < smallThreshold
    }
}
