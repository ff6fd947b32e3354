import ChurnCore
import Foundation

/// Writes the record of each drift check to `state/reports/`: `drift-<UTC time>.json`, and `.html` for alerts.
/// Names come from the wall clock, which can jump (NTP, a wrong clock set right): a name already taken gets a
/// numeric suffix, so no check's record ever replaces another's.
public struct DriftReports: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Writes the record (and the page, when given) and returns the JSON file's path.
    @discardableResult
    public func write(_ record: DriftRecord, page: DriftReportPage?, at now: Date) throws -> String {
        try FileSystem.makeDirectory(directory)
        let encoder = JSONEncoder.readable()
        let time = CalendarTime(utc: now.timeIntervalSince1970)
        let base = "drift-\(time.date(separator: ""))T\(time.clock(separator: "")).\(time.milliseconds)Z"
        let json = try publish(Array(try encoder.encode(record)), base: base, suffix: "json")
        if let page { _ = try publish(Array(page.html().utf8), base: base, suffix: "html") }
        try FileSystem.fsyncDirectory(directory)
        return json
    }

    private func publish(_ bytes: [UInt8], base: String, suffix: String) throws -> String {
        let file = try PendingFile(directory: directory, name: "\(base).\(suffix)")
        var writer = ByteWriter(fd: file.fd, path: file.temporaryPath)
        try bytes.withUnsafeBufferPointer { try writer.write($0) }
        try writer.flush()
        var attempt = 0
        while true {
            let name = attempt == 0 ? "\(base).\(suffix)" : "\(base)-\(attempt).\(suffix)"
            if try file.publish(as: name, replacing: false) { return "\(directory)/\(name)" }
            attempt += 1
        }
    }
}

/// One recorded check: when, against which version, what was decided, and the full statistics.
public struct DriftRecord: Codable, Sendable {
    public var checkedAt: Double
    /// The registry version, or the label of an unregistered artifact checked from the command line.
    public var modelVersion: String
    public var decision: String
    /// Log lines that could not be used, by reason (the same as `lines.skipped`).
    public var skippedLines: [String: Int]
    /// What the check made of the log lines it read (absent from reports of older versions).
    public var lines: LogLineCounts?
    public var report: DriftCheck.Report

    public init(
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
