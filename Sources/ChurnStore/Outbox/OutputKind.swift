/// The outputs of one input, named `<base>.<kind>` in the outbox. The cases are in publication order: a
/// reader that waits for `scored.csv` finds `errors.csv` already there.
package enum OutputKind: String, CaseIterable, Comparable, Sendable {
    /// Rows that could not be scored, with line, column and reason; only when there are some.
    case errors = "errors.csv"
    /// One line per scored row.
    case scored = "scored.csv"
    /// Why the file could not be scored at all; its input goes to the quarantine.
    case report = "error.txt"

    /// `<base>.<kind>`.
    package func fileName(base: String) -> String { "\(base).\(rawValue)" }

    package static func < (a: OutputKind, b: OutputKind) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// The hidden name of one staged output of a claim: `.<claim>.<kind>.<stem>.tmp`. The claim id in it is what
/// ties a public output back to its input after a crash (see `OutboxLedger`).
package struct StagedName: Equatable, Sendable {
    package var claim: ClaimID
    package var kind: OutputKind
    package var stem: String

    package init(claim: ClaimID, kind: OutputKind, stem: String) {
        self.claim = claim
        self.kind = kind
        self.stem = stem
    }

    /// Splits `.<claim>.<kind>.<stem>.tmp`; nil for any other name (e.g. the temporary names of `churnd score`).
    package init?(_ name: String) {
        guard name.hasPrefix("."), name.hasSuffix(".tmp"),
            let (claim, rest) = ClaimID.parse(fileName: String(name.dropFirst()))
        else { return nil }
        for kind in OutputKind.allCases where rest.hasPrefix(kind.rawValue + ".") {
            let stem = rest.dropFirst(kind.rawValue.count + 1).dropLast(4)
            guard !stem.isEmpty else { return nil }
            self.init(claim: claim, kind: kind, stem: String(stem))
            return
        }
        return nil
    }

    package var text: String { ".\(claim.text).\(kind.rawValue).\(stem).tmp" }
}

/// The rule that keeps every published name new: `<stem>`, then `<stem>-1`, `<stem>-2`, … — the first base
/// that is free. Outbox outputs (one base shared by all outputs of an input) and drift reports use it.
package enum FirstFreeSuffix {
    /// The `n`-th candidate: `stem` for 0, `stem-n` after.
    package static func base(_ stem: String, _ n: Int) -> String {
        n == 0 ? stem : "\(stem)-\(n)"
    }

    /// Tries the candidates in order until `attempt` returns a value (nil: that base is taken).
    package static func first<T>(_ stem: String, _ attempt: (String) throws -> T?) rethrows -> T {
        var n = 0
        while true {
            if let found = try attempt(base(stem, n)) { return found }
            n += 1
        }
    }
}
