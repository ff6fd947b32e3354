import ChurnCore
import ChurnStore
import Foundation

/// `GET /drift/latest`: the newest drift check recorded under `state/reports/`, in the shape of
/// `churnd drift --json` (the report's fields, and what was made of the log lines under `lines`), plus when it
/// was checked, against which version and what was decided.
package enum DriftView {
    /// The JSON bytes, or nil when no check was recorded yet.
    package static func latest(reports directory: String) throws -> [UInt8]? {
        guard let newest = DriftReports(directory: directory).newestName() else { return nil }
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
            try JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
    }
}
