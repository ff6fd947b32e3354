import ChurnCore
import ChurnStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension CommonOptions {
    /// The registry and training lifecycle for this root and configuration.
    func lifecycle(config: Config) throws -> ModelLifecycle {
        try ModelLifecycle(root: try rootDirectory(), config: config)
    }
}

/// The actor recorded for CLI actions: the login name when known ("user:alice").
var commandLineActor: AuditActor {
    let environment = ProcessInfo.processInfo.environment
    if let login = environment["USER"] ?? environment["LOGNAME"], !login.isEmpty { return .user(login) }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return .user(String(cString: name)) }
    return .user
}

/// "2026-11-23 16:23:05Z" for people, "2026-11-23T16:23:05Z" for `--json`.
func timestamp(_ seconds: Double, iso: Bool = false) -> String {
    let time = CalendarTime(utc: seconds)
    return "\(time.date())\(iso ? "T" : " ")\(time.clock())Z"
}

/// Prints a value as pretty, key-sorted JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try JSONEncoder.readable().encode(value), as: UTF8.self))
}

/// Left-aligned columns separated by two spaces.
func table(_ rows: [[String]]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ").trimmingTrailingSpaces()
    }.joined(separator: "\n")
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// The sentence `promote` and `rollback` print.
func describe(_ change: Registry.AliasChange, verb: String) -> String {
    guard let move = change.move else {
        return "\(change.alias) already points at v\(change.version); nothing changed"
    }
    let from = move.fromVersion.map { "from v\($0) " } ?? ""
    return
        "\(verb) \(change.alias) \(from)to \(move.toVersion.map { "v\($0)" } ?? "nothing") (audit #\(move.id ?? 0), \(move.actor): \(move.reason))"
}
