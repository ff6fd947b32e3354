#if canImport(Glibc)
    import Glibc
#endif

/// Errors a user can act on: each says what went wrong, where, and, when it is not obvious, what to do.
package enum ChurnError: Error, CustomStringConvertible, Equatable {
    case io(path: String, operation: String, errno: Int32)
    case config(file: String, line: Int?, key: String, message: String)
    /// The input file as a whole cannot be used.
    case badFile(path: String, message: String)
    /// A problem at a place in an input file.
    case badInput(path: String, line: Int, column: String?, message: String)
    case artifact(path: String, message: String)
    case usage(String)
    case internalInconsistency(String)

    package var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code)))"
        case .config(let file, let line, let key, let message):
            let place = line.map { "\(file):\($0)" } ?? file
            return "\(place): \(key): \(message)"
        case .badFile(let path, let message):
            return "\(path): \(message)"
        case .badInput(let path, let line, let column, let message):
            let col = column.map { ", column \($0)" } ?? ""
            return "\(path): line \(line)\(col): \(message)"
        case .artifact(let path, let message):
            return "\(path): \(message)"
        case .usage(let message):
            return message
        case .internalInconsistency(let message):
            return "internal error: \(message) (please report this)"
        }
    }

    /// The same error with `path` shown as `shown` wherever it names that file: an input read under an
    /// internal name (`state/processing/<claim>.x.csv`) is reported as the user dropped it (`inbox/x.csv`).
    package func naming(_ path: String, as shown: String) -> ChurnError {
        func name(_ p: String) -> String { p == path ? shown : p }
        switch self {
        case .io(let p, let operation, let code): return .io(path: name(p), operation: operation, errno: code)
        case .badFile(let p, let message): return .badFile(path: name(p), message: message)
        case .badInput(let p, let line, let column, let message):
            return .badInput(path: name(p), line: line, column: column, message: message)
        case .artifact(let p, let message): return .artifact(path: name(p), message: message)
        case .config, .usage, .internalInconsistency: return self
        }
    }

    /// True when the error is the file system running out of space or quota.
    package var isNoSpace: Bool {
        if case .io(_, _, let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }
}
