import ChurnCore
import Foundation

/// Writes the record of each drift check to `state/reports/`: `drift-<UTC time>.json`, and `.html` for alerts.
/// Names come from the wall clock, which can jump (NTP, a wrong clock set right): a name already taken gets a
/// numeric suffix, so no check's record ever replaces another's.
package struct DriftReports: Sendable {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// Writes the record (and the page, when given) and returns the JSON file's path.
    @discardableResult
    package func write(_ record: DriftRecord, page: DriftReportPage?, at now: Date) throws -> String {
        try FileSystem.makeDirectory(directory)
        let encoder = JSONEncoder.readable()
        let time = CalendarTime(utc: now.timeIntervalSince1970)
        let base = "drift-\(time.date(separator: ""))T\(time.clock(separator: "")).\(time.milliseconds)Z"
        let json = try publish(Array(try encoder.encode(record)), base: base, suffix: "json")
        if let page { _ = try publish(Array(page.html().utf8), base: base, suffix: "html") }
        try FileSystem.fsyncDirectory(directory)
        return json
    }

    /// The file name of the newest recorded check (`drift-<UTC time>[-N].json`), nil when none was recorded.
    package func newestName() -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        // Names are UTC times (a clash gets "-N" before ".json"): the newest sorts last.
        return names.filter { $0.hasPrefix("drift-") && $0.hasSuffix(".json") }.max { Self.order($0) < Self.order($1) }
    }

    /// The newest recorded check, nil when none was recorded.
    package func newest() throws -> DriftRecord? {
        guard let name = newestName() else { return nil }
        let path = "\(directory)/\(name)"
        do {
            return try JSONDecoder().decode(DriftRecord.self, from: Data(try FileSystem.readAll(path)))
        } catch let error as DecodingError {
            throw ChurnError.badFile(path: path, message: "not a drift report (\(error))")
        }
    }

    /// "drift-20261123T162305.123Z-2.json" → ("drift-20261123T162305.123Z", 2).
    private static func order(_ name: String) -> (String, Int) {
        let stem = String(name.dropLast(5))
        if let dash = stem.lastIndex(of: "-"), let n = Int(stem[stem.index(after: dash)...]),
            stem[..<dash].hasSuffix("Z")
        {
            return (String(stem[..<dash]), n)
        }
        return (stem, 0)
    }

    private func publish(_ bytes: [UInt8], base: String, suffix: String) throws -> String {
        let file = try PendingFile(directory: directory, name: "\(base).\(suffix)")
        var writer = ByteWriter(fd: file.fd, path: file.temporaryPath)
        try bytes.withUnsafeBufferPointer { try writer.write($0) }
        try writer.flush()
        return try FirstFreeSuffix.first(base) { base in
            try file.publish(as: "\(base).\(suffix)", replacing: false) ? "\(directory)/\(base).\(suffix)" : nil
        }
    }
}

/// One recorded check: when, against which version, what was decided, and the full statistics.
package struct DriftRecord: Codable, Sendable {
    package var checkedAt: Double
    /// The registry version, or the label of an unregistered artifact checked from the command line.
    package var modelVersion: String
    package var decision: String
    /// Log lines that could not be used, by reason (the same as `lines.skipped`).
    package var skippedLines: [String: Int]
    /// What the check made of the log lines it read (absent from reports of older versions).
    package var lines: LogLineCounts?
    package var report: DriftCheck.Report

    package init(
        checkedAt: Double, modelVersion: String, decision: String, lines: LogLineCounts, report: DriftCheck.Report
    ) {
        self.checkedAt = checkedAt
        self.modelVersion = modelVersion
        self.decision = decision
        self.skippedLines = lines.skipped
        self.lines = lines
        self.report = report
    }
}
