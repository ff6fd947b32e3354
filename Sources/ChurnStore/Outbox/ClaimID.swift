import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Names a claimed input for its whole life: `processing/<id>.<name>`, the staged outputs
/// `.<id>.<kind>.<stem>.tmp`, then `archive/<id>.<name>`. Sixteen hex digits of wall-clock nanoseconds,
/// bumped past the last one issued, so ids are unique across restarts and sort by claim time.
package struct ClaimID: Hashable, Sendable, CustomStringConvertible {
    package let text: String

    private static let last = Atomic<UInt64>(0)

    /// A fresh id.
    package static func next() -> ClaimID {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let wall = UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
        var previous = last.load(ordering: .relaxed)
        while true {
            let candidate = max(wall, previous &+ 1)
            let (exchanged, original) = last.compareExchange(
                expected: previous, desired: candidate, ordering: .relaxed)
            if exchanged { return ClaimID(hex: candidate) }
            previous = original
        }
    }

    /// The id of a claim made `value` nanoseconds after 1970.
    package init(hex value: UInt64) {
        let digits = String(value, radix: 16)
        text = String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    package init?(_ text: some StringProtocol) {
        guard text.utf8.count == 16, text.utf8.allSatisfy({ ClaimID.isHexDigit($0) }) else { return nil }
        self.text = String(text)
    }

    package var description: String { text }

    /// When the claim was made: seconds since 1970 on the wall clock (the id's nanoseconds).
    package var seconds: Double {
        Double(UInt64(text, radix: 16) ?? 0) / 1e9
    }

    /// The name of a claimed file: `<id>.<original name>`.
    package func fileName(for original: String) -> String { "\(text).\(original)" }

    /// Splits `<id>.<original name>`, or nil for names that are not claimed files.
    package static func parse(fileName: String) -> (ClaimID, original: String)? {
        let bytes = Array(fileName.utf8)
        guard bytes.count > 17, bytes[16] == UInt8(ascii: "."), let id = ClaimID(fileName.prefix(16)) else {
            return nil
        }
        return (id, String(fileName.dropFirst(17)))
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
