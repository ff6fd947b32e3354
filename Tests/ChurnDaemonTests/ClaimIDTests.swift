import ChurnDaemon
import Testing

struct ClaimIDTests {
    @Test func idsAreUniqueSortableAndRoundTripThroughNames() {
        let ids = (0..<1000).map { _ in ClaimID.next() }
        #expect(Set(ids).count == 1000)
        #expect(ids.map(\.text) == ids.map(\.text).sorted())
        let name = ids[0].fileName(for: "customers.2026.csv")
        let parsed = ClaimID.parse(fileName: name)
        #expect(parsed?.0 == ids[0] && parsed?.original == "customers.2026.csv")
    }

    @Test(arguments: ["customers.csv", "0123456789abcdeg.x", "0123456789abcdef", ".0123456789abcdef.x"])
    func namesThatAreNotClaimsAreNot(name: String) {
        #expect(ClaimID.parse(fileName: name) == nil)
    }

    @Test func stagedNamesCarryClaimKindAndStem() {
        let parsed = ClaimID.parse(stagedName: ".0123456789abcdef.errors.csv.my.file.tmp")
        #expect(parsed?.0.text == "0123456789abcdef")
        #expect(parsed?.kind == "errors.csv" && parsed?.stem == "my.file")
        #expect(ClaimID.parse(stagedName: ".x.scored.csv.12345.0.tmp") == nil)
    }
}
