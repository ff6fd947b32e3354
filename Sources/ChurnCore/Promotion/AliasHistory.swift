/// The moves of one alias, oldest first, and what `rollback` without a version means for them.
///
/// Rollback walks back through the versions the alias pointed to. A version that was rolled back *from* is
/// skipped by later rollbacks until something moves the alias to it again, so repeated rollbacks keep going
/// back (v4 → v3 → v2 …) instead of toggling between the last two versions.
package struct AliasHistory: Sendable, Equatable {
    package enum Kind: String, Codable, Sendable {
        case promote
        case rollback
        /// The alias was removed (e.g. `challenger` when no version qualifies); audited as a move to nothing.
        case remove
    }

    package struct Move: Sendable, Equatable {
        package var from: Int?
        package var to: Int
        package var kind: Kind

        package init(from: Int?, to: Int, kind: Kind) {
            self.from = from
            self.to = to
            self.kind = kind
        }
    }

    package var alias: String
    /// Oldest first.
    package var moves: [Move]

    package init(alias: String, moves: [Move]) {
        self.alias = alias
        self.moves = moves
    }

    /// The version the alias points to now.
    package var current: Int? { moves.last?.to }

    /// Versions that were rolled back from and not moved to since.
    package var rolledBackFrom: Set<Int> {
        var set: Set<Int> = []
        for move in moves {
            if move.kind == .rollback, let from = move.from { set.insert(from) }
            set.remove(move.to)
        }
        return set
    }

    /// Every version the alias has pointed to, in order of first appearance.
    package var versionsEver: [Int] {
        var seen: [Int] = []
        for version in moves.flatMap({ [$0.from, $0.to].compactMap { $0 } }) where !seen.contains(version) {
            seen.append(version)
        }
        return seen
    }

    /// Where a rollback without a version goes: the most recent earlier version that is neither the current
    /// one nor rolled back from. nil when there is none.
    package var rollbackTarget: Int? {
        guard let current else { return nil }
        let skipped = rolledBackFrom
        var earlier = moves.reversed().map(\.to)
        if let first = moves.first?.from { earlier.append(first) }
        return earlier.first { $0 != current && !skipped.contains($0) }
    }

    /// Why there is no rollback target, naming what the alias has been and what to do instead.
    package func noTargetMessage(versions: [Int]) -> String {
        let choices = "versions are \(NumberFormat.versions(versions))"
        guard let current else {
            return "\(alias) has no version yet: train one (churnd train) or promote one "
                + "(churnd promote VERSION; \(choices))"
        }
        let ever = versionsEver
        if ever == [current] {
            return "no earlier \(alias) version: \(alias) has only ever been v\(current); "
                + "use churnd promote VERSION to serve another (\(choices))"
        }
        let others = ever.filter { $0 != current }.map { "v\($0)" }
        let list = ever.map { "v\($0)" }
        let everText = list.count == 2 ? "\(list[0]) and \(list[1])" : list.joined(separator: ", ")
        return "no earlier \(alias) version to roll back to: \(alias) has been \(everText), and "
            + "\(others.joined(separator: ", ")) \(others.count == 1 ? "was" : "were") rolled back from; "
            + "use churnd promote VERSION or churnd rollback VERSION (\(choices))"
    }
}
