import Foundation
import Testing

@testable import ChurnServe

/// Generated request ids: version 4 UUIDs in lowercase, as `UUID().uuidString.lowercased()` writes them, their
/// random bits read from the system in blocks (`RequestIDRandomness`).
struct RequestIDTests {
    @Test func idsAreLowercaseVersion4UUIDsAndNeverRepeat() throws {
        // More than two blocks of the pool, so that ids on both sides of a refill are checked.
        let count = 2 * RequestIDRandomness.idsPerRead + 17
        var seen = Set<String>()
        for _ in 0..<count {
            let id = Handlers.newRequestID()
            let parsed = try #require(UUID(uuidString: id), "\(id)")
            #expect(parsed.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "4", "version nibble of \(id)")
            #expect("89ab".contains(characters[19]), "variant nibble of \(id)")
            seen.insert(id)
        }
        #expect(seen.count == count)
    }

    @Test func theBitsAreNotAllTheSame() {
        // 2 × 256 pairs of words: a pool left zeroed (a failed read) or handed out twice would show here.
        var words = Set<UInt64>()
        for _ in 0..<(2 * RequestIDRandomness.idsPerRead) {
            let (high, low) = RequestIDRandomness.shared.next()
            words.insert(high)
            words.insert(low)
        }
        #expect(words.count == 4 * RequestIDRandomness.idsPerRead)
    }
}
