#if canImport(Glibc)
    import Glibc
#endif

/// Errors a user can act on: each says what went wrong, where, and, when it is not obvious, what to do.
public enum ChurnError: Error, CustomStringConvertible, Equatable {
    case io(path: String, operation: String, errno: Int32)
    case config(file: String, line: Int?, key: String, message: String)
    /// The input file as a whole cannot be used.
    case badFile(path: String, message: String)
    /// A problem at a place in an input file.
    case badInput(path: String, line: Int, column: String?, message: String)
    case artifact(path: String, message: String)
    case usage(String)
    case internalInconsistency(String)

    public var description: String {
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

    /// True when the error is the file system running out of space or quota.
    public var isNoSpace: Bool {
        if case .io(_, _, let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }
}
