import Testing

@testable import ChurnCore

/// A header that is not comma-separated gets a hint naming its delimiter.
struct HeaderBindingTests {
    static let columns = [
        "customer_id", "tenure_months", "num_complaints", "avg_session_minutes", "plan_type", "region",
    ]

    @Test(arguments: [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
    func aForeignDelimiterIsNamed(delimiter: String, name: String) throws {
        let header = [Self.columns.joined(separator: delimiter)]
        #expect(HeaderBinding.foreignDelimiter(in: header) == name)
        let error = #expect(throws: ChurnError.self) {
            try HeaderBinding(header: header, schema: .reference, requireLabel: false, path: "inbox/x.csv")
        }
        #expect(
            error?.description.hasSuffix("; looks like a \(name)-separated file; churnd reads comma-separated CSV")
                == true)
    }

    @Test(arguments: [
        ["customer_id", "tenure_months"],  // split on commas: a missing column, nothing more
        ["customer_id"],  // one column, no other delimiter
        ["a;b", "c"],  // several columns already
    ])
    func commaSeparatedOrSingleColumnHeadersGetNoHint(header: [String]) {
        #expect(HeaderBinding.foreignDelimiter(in: header) == nil)
    }
}
