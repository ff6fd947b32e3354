import TOMLKit

extension Config {
    /// How long the daemon keeps what it has finished with: scored inputs in `state/archive/` and drift
    /// reports in `state/reports/`. It prunes at start and every hour; 0 keeps everything.
    package struct Retention: Equatable, Sendable {
        /// Archived inputs claimed longer ago than this many days are removed.
        package var archiveDays = 30
        /// Only the newest this many drift reports (a JSON record and its HTML page) are kept.
        package var reportsKeep = 1000
        package init() {}
    }
}

extension TOMLConfigReader {
    func readRetention(_ section: TOMLTable, into retention: inout Config.Retention) throws {
        try checkKeys(section, section: "retention", allowed: ["archive_days", "reports_keep"])
        try read(section, "retention", "archive_days", into: &retention.archiveDays, range: 0...36_500)
        try read(section, "retention", "reports_keep", into: &retention.reportsKeep, range: 0...100_000_000)
    }
}
