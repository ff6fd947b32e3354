import ChurnCore
import ChurnStore
import Foundation

extension DriftReports {
    /// The records of the last `limit` drift checks, oldest first (by file name, which is the check's UTC time).
    /// A record that cannot be read (being written, from a version that wrote another shape) is left out.
    package func recent(limit: Int) throws -> [DriftRecord] {
        guard FileSystem.isDirectory(directory) else { return [] }
        let names = try FileSystem.list(directory).filter { $0.hasPrefix("drift-") && $0.hasSuffix(".json") }
        // "drift-…Z" sorts before "drift-…Z-1" (a second check in the same millisecond) once ".json" is gone.
        let newest = names.map { String($0.dropLast(5)) }.sorted().suffix(limit)
        let decoder = JSONDecoder.churnd()
        return newest.compactMap { base in
            guard let bytes = try? FileSystem.readAll("\(directory)/\(base).json") else { return nil }
            return try? decoder.decode(DriftRecord.self, from: Data(bytes))
        }
    }
}
