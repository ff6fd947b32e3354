import ChurnCore
import ChurnStore
import Foundation

/// `GET /drift/latest`: the newest drift check recorded under `state/reports/`, in the shape of
/// `churnd drift --json` (the report's fields, and what was made of the log lines under `lines`), plus when it
/// was checked, against which version and what was decided.
package enum DriftView {
    /// The JSON bytes, or nil when no check was recorded yet.
    package static func latest(reports directory: String) throws -> [UInt8]? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let reports = names.filter { $0.hasPrefix("drift-") && $0.hasSuffix(".json") }
        // Names are UTC times (a clash gets "-N" before ".json"): the newest sorts last.
        guard let newest = reports.max(by: { order($0) < order($1) }) else { return nil }
        let bytes = try FileSystem.readAll("\(directory)/\(newest)")
        guard let record = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            var object = record["report"] as? [String: Any]
        else {
            throw ChurnError.badFile(path: "\(directory)/\(newest)", message: "not a drift report")
        }
        object["lines"] = record["lines"] ?? NSNull()
        object["checkedAt"] = (record["checkedAt"] as? Double).map(RegistryViews.isoTime) ?? NSNull()
        object["modelVersion"] = record["modelVersion"] ?? NSNull()
        object["decision"] = record["decision"] ?? NSNull()
        object["file"] = newest
        return Array(
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
    }

    /// "drift-20261123T162305.123Z-2.json" → ("drift-20261123T162305.123Z", 2).
    private static func order(_ name: String) -> (String, Int) {
        let stem = String(name.dropLast(5))
        if let dash = stem.lastIndex(of: "-"), let n = Int(stem[stem.index(after: dash)...]), stem[..<dash].hasSuffix("Z")
        {
            return (String(stem[..<dash]), n)
        }
        return (stem, 0)
    }
}
