import ChurnTestKit
import Foundation
import Testing

/// Every kind of bad input gives a scored file plus row errors, or a file-level error naming the problem;
/// never a crash, never a silent drop, and the input is left as it was.
@Suite(.serialized)
struct BadInputTests {
    static let header = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region"
    static let good = "C1,12,1,30.5,basic,EU"

    /// A trained model shared by the cases (training once keeps the suite quick).
    static let shared = Result { () throws -> TemporaryDirectory in
        let dir = try TemporaryDirectory("churnd-badinput")
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "3", "-o", "train.csv"], in: dir.path)
        try SingleSplit.configure(dir.path)
        try Churnd.run(["train", "--data", "train.csv", "--out", "model"], in: dir.path)
        return dir
    }

    static var workspace: TemporaryDirectory {
        get throws { try shared.get() }
    }

    enum Expect: Sendable {
        /// Scored rows, then the (line, column, reason fragment) of each error row.
        case scored(rows: Int, errors: [(Int, String, String)])
        /// No scored file; error.txt mentions the fragment.
        case refused(String)
    }

    static let cases: [(String, [UInt8], Expect)] = [
        ("empty", [], .refused("empty")),
        ("header-only", Array("\(header)\n".utf8), .scored(rows: 0, errors: [])),
        (
            "missing-column",
            Array("customer_id,tenure_months,avg_session_minutes,plan_type,region\nC1,1,2,basic,EU\n".utf8),
            .refused("lacks required column \"num_complaints\"")
        ),
        ("duplicate-header", Array("\(header),region\n\(good),EU\n".utf8), .refused("\"region\" appears twice")),
        ("extra-columns", Array("note,\(header),other\nhi,\(good),x\n".utf8), .scored(rows: 1, errors: [])),
        (
            "not-a-number", Array("\(header)\n\(good)\nC2,twelve,1,30.5,basic,EU\n\(good)\n".utf8),
            .scored(rows: 2, errors: [(3, "tenure_months", "not a number")])
        ),
        (
            "nan-inf", Array("\(header)\nC2,NaN,1,30.5,basic,EU\nC3,12,inf,30.5,basic,EU\n\(good)\n".utf8),
            .scored(
                rows: 1,
                errors: [(2, "tenure_months", "not a finite number"), (3, "num_complaints", "not a finite number")])
        ),
        ("unseen-category", Array("\(header)\nC2,12,1,30.5,platinum,ZZ\n".utf8), .scored(rows: 1, errors: [])),
        (
            "quoted-newline", Array("\(header)\n\"C\n2\",12,1,30.5,basic,EU\nC3,x,1,1,basic,EU\n".utf8),
            .scored(rows: 1, errors: [(4, "tenure_months", "not a number")])
        ),
        (
            "unterminated-quote", Array("\(header)\n\(good)\nC2,12,1,30.5,\"basic,EU\n".utf8),
            .scored(rows: 1, errors: [(3, "", "not closed")])
        ),
        ("crlf", Array("\(header)\r\n\(good)\r\n\(good)\r\n".utf8), .scored(rows: 2, errors: [])),
        ("bom", [0xEF, 0xBB, 0xBF] + Array("\(header)\n\(good)\n".utf8), .scored(rows: 1, errors: [])),
        (
            "invalid-utf8", Array("\(header)\nC2,12,1,30.5,".utf8) + [0xC3, 0x28] + Array(",EU\n\(good)\n".utf8),
            .scored(rows: 1, errors: [(2, "plan_type", "not valid UTF-8")])
        ),
        (
            "ten-megabyte-line",
            Array("\(header)\n\(good)\nC2,12,1,30.5,basic,".utf8)
                + [UInt8](repeating: UInt8(ascii: "E"), count: 10 << 20) + Array("\n\(good)\n".utf8),
            .scored(rows: 2, errors: [(3, "", "longer than the limit")])
        ),
        (
            "wrong-field-count", Array("\(header)\nC2,12,1\n\(good)\n".utf8),
            .scored(rows: 1, errors: [(2, "", "expected 6 fields, found 3")])
        ),
        (
            "binary", [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00] + [UInt8](repeating: 0x9C, count: 300),
            .refused("binary data")
        ),
    ]

    @Test(arguments: cases.map(\.0))
    func badInput(name: String) throws {
        let (_, bytes, expectation) = Self.cases.first { $0.0 == name }!
        let dir = try Self.workspace
        let input = try dir.write("in/\(name).csv", Data(bytes))
        let result = try Churnd.run(["score", input, "--model", "model/model.json", "-o", "out-\(name)"], in: dir.path)
        // The input is never changed.
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == Data(bytes))
        switch expectation {
        case .refused(let fragment):
            #expect(result.status == 1)
            #expect(!dir.exists("out-\(name)/\(name).scored.csv"))
            let report = try dir.read("out-\(name)/\(name).error.txt")
            #expect(report.contains(fragment), "\(report)")
            #expect(report.contains("\(name).csv"))
        case .scored(let rows, let errors):
            #expect(result.status == 0, "\(result.stderr)")
            let scored = csvRows(try dir.read("out-\(name)/\(name).scored.csv"))
            #expect(scored.count == rows + 1)
            if errors.isEmpty {
                #expect(!dir.exists("out-\(name)/\(name).errors.csv"))
            } else {
                let lines = csvRows(try dir.read("out-\(name)/\(name).errors.csv"))
                #expect(lines.first == ["line", "column", "value", "reason"])
                #expect(lines.count == errors.count + 1)
                for (row, error) in zip(lines.dropFirst(), errors) {
                    #expect(row[0] == String(error.0), "\(row)")
                    #expect(row[1] == error.1, "\(row)")
                    #expect(row[3].contains(error.2), "\(row)")
                }
            }
        }
    }

    @Test func symlinksAndFIFOsAreRefusedNotFollowed() throws {
        let dir = try Self.workspace
        try dir.write("target.csv", "\(Self.header)\n\(Self.good)\n")
        try? FileManager.default.removeItem(atPath: "\(dir.path)/link.csv")
        try FileManager.default.createSymbolicLink(atPath: "\(dir.path)/link.csv", withDestinationPath: "target.csv")
        let link = try Churnd.run(["score", "link.csv", "--model", "model/model.json", "-o", "out-link"], in: dir.path)
        #expect(link.status == 1)
        #expect(try dir.read("out-link/link.error.txt").contains("symbolic link"))

        let fifo = "\(dir.path)/pipe.csv"
        unlink(fifo)
        #expect(mkfifo(fifo, 0o644) == 0)
        let result = try Churnd.run(
            ["score", "pipe.csv", "--model", "model/model.json", "-o", "out-fifo"], in: dir.path)
        #expect(result.status == 1)
        #expect(try dir.read("out-fifo/pipe.error.txt").contains("FIFO"))
    }
}
