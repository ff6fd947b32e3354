import Testing

@testable import ChurnCore

struct AliasHistoryTests {
    typealias Move = AliasHistory.Move

    static func promotions(_ versions: [Int]) -> [Move] {
        var moves: [Move] = []
        for version in versions { moves.append(Move(from: moves.last?.to, to: version, kind: .promote)) }
        return moves
    }

    @Test func rollbackGoesToTheVersionThatServedBefore() {
        let history = AliasHistory(alias: "production", moves: Self.promotions([1, 3]))
        #expect(history.rollbackTarget == 1)
    }

    @Test func repeatedRollbacksWalkBackInsteadOfToggling() {
        var history = AliasHistory(alias: "production", moves: Self.promotions([1, 2, 3, 4]))
        var visited: [Int] = []
        while let target = history.rollbackTarget {
            history.moves.append(Move(from: history.current, to: target, kind: .rollback))
            visited.append(target)
        }
        #expect(visited == [3, 2, 1])
        #expect(
            history.noTargetMessage(versions: [1, 2, 3, 4]).hasPrefix(
                "no earlier production version to roll back to: production has been v1, v2, v3, v4, and v2, v3, v4 were rolled back from"
            ))
    }

    @Test func promotingAgainMakesAVersionARollbackTargetAgain() {
        var history = AliasHistory(alias: "production", moves: Self.promotions([1, 3]))
        history.moves.append(Move(from: 3, to: 1, kind: .rollback))
        #expect(history.rollbackTarget == nil)
        history.moves.append(Move(from: 1, to: 3, kind: .promote))
        #expect(history.rollbackTarget == 1)
        history.moves.append(Move(from: 3, to: 2, kind: .promote))
        #expect(history.rollbackTarget == 3)
    }

    @Test func refusalsNameWhatTheAliasHasBeen() {
        let once = AliasHistory(alias: "production", moves: Self.promotions([1]))
        #expect(once.rollbackTarget == nil)
        #expect(
            once.noTargetMessage(versions: [1, 2]).hasPrefix(
                "no earlier production version: production has only ever been v1;"))
        #expect(once.noTargetMessage(versions: [1, 2]).hasSuffix("(versions are 1–2)"))
        let never = AliasHistory(alias: "production", moves: [])
        #expect(never.noTargetMessage(versions: []).hasPrefix("production has no version yet"))
        var toggled = AliasHistory(alias: "production", moves: Self.promotions([1, 3]))
        toggled.moves.append(Move(from: 3, to: 1, kind: .rollback))
        #expect(
            toggled.noTargetMessage(versions: [1, 2, 3]).hasPrefix(
                "no earlier production version to roll back to: production has been v1 and v3, and v3 was rolled back from"
            ))
    }

    @Test func versionListsAreRangesWhenConsecutive() {
        #expect(NumberFormat.versions([3, 1, 2, 4]) == "1–4")
        #expect(NumberFormat.versions([1, 2, 5]) == "1, 2, 5")
        #expect(NumberFormat.versions([7]) == "7")
        #expect(NumberFormat.percent(0.999) == "99%")
        #expect(NumberFormat.grouped(1_000) == "1,000")
    }
}
