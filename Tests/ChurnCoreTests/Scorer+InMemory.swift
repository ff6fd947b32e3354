@testable import ChurnCore

extension Scorer {
    /// Scores `csv` in memory: the scored file's lines after the header, and the summary.
    func scoreInMemory(_ csv: [UInt8]) throws -> (lines: [Substring], summary: Summary) {
        var scored: [UInt8] = []
        var scoredWriter = ByteWriter { scored.append(contentsOf: $0) }
        var errorsWriter = ByteWriter { _ in }
        let summary = try score(
            path: "fixture", source: MemorySource(csv), scored: &scoredWriter, errors: &errorsWriter)
        return (String(decoding: scored, as: UTF8.self).split(separator: "\n").dropFirst().map { $0 }, summary)
    }
}
