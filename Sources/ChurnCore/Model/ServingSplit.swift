/// A/B serving: a share of the rows, chosen by a stable hash of the customer id, is served by the challenger
/// instead of the champion (`[shadow] serve_fraction`).
///
/// The hash is FNV-1a (64-bit) over the id's bytes as they appear in the file, then SplitMix64's finalizer to
/// spread short ids over all 64 bits; a row goes to the challenger when the hash is below `fraction × 2⁶⁴`.
/// The same customer therefore lands on the same side in every file, on every machine and after a restart, as
/// long as the fraction stays the same (raising it only moves customers from the champion to the challenger).
/// A file without an id column hashes the row number's decimal text, which is what its output shows as id.
/// (A class: a `Scorer` holds its split, which holds the challenger's `Scorer`.)
package final class ServingSplit: Sendable {
    package let challenger: Scorer
    package let fraction: Double
    /// Hashes below this go to the challenger.
    private let cutoff: UInt64

    /// - Parameter fraction: clamped to 0...1; 1 serves every row with the challenger.
    package init(challenger: Scorer, fraction: Double) {
        self.challenger = challenger
        self.fraction = min(1, max(0, fraction))
        // 2⁶⁴ × fraction, saturating: `UInt64(exactly:)` fails at 2⁶⁴ itself.
        let scaled = self.fraction * 18_446_744_073_709_551_616.0
        cutoff = scaled >= 18_446_744_073_709_551_615.0 ? .max : UInt64(scaled)
    }

    /// Whether the row whose id has these bytes is served by the challenger.
    @inline(__always)
    package func servesChallenger(id: UnsafeBufferPointer<UInt8>) -> Bool {
        fraction >= 1 || Self.hash(id) < cutoff
    }

    package func servesChallenger(id: String) -> Bool {
        var id = id
        return id.withUTF8 { servesChallenger(id: $0) }
    }

    /// FNV-1a over `bytes`, finished with SplitMix64's mixer.
    package static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }
}
