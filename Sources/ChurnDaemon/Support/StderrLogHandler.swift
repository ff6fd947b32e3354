import ChurnCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One line per event on standard error. Under systemd (JOURNAL_STREAM set) each line starts with its
/// syslog priority (`<6>`) so journald files it right and adds its own timestamp; elsewhere lines carry a
/// UTC timestamp and the level.
package struct StderrLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    private let journald: Bool

    package init(label: String, level: Logger.Level = .info, journald: Bool? = nil) {
        self.logLevel = level
        self.journald = journald ?? (getenv("JOURNAL_STREAM") != nil)
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line = journald ? "<\(Self.priority(event.level))>" : "\(Self.timestamp()) \(event.level) "
        line += "\(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let text = "\(value)"
            let quoted = text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            line += " \(key)=" + (quoted ? "\"\(text.replacingQuotes())\"" : text)
        }
        line += "\n"
        line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    /// syslog priorities as sd-daemon(3) defines the prefixes.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let time = CalendarTime(utcSeconds: Int(now.tv_sec), millisecond: Int(now.tv_nsec / 1_000_000))
        return "\(time.date())T\(time.clock()).\(time.milliseconds)Z"
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for character in self { out += character == "\"" ? "\\\"" : String(character) }
        return out
    }
}
