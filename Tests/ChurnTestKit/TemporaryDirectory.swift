import ChurnCore
import Foundation
import Synchronization

/// A fresh directory under the system temporary folder, removed when the value is released, or when the test
/// process exits for one a static holds (a static is never released).
package final class TemporaryDirectory: @unchecked Sendable {
    package let path: String

    package init(_ label: String = "churnd-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        Self.removedAtExit.withLock { paths in
            if paths == nil {
                paths = []
                atexit {
                    let left = TemporaryDirectory.removedAtExit.withLock { $0 ?? [] }
                    for path in left { try? FileManager.default.removeItem(atPath: path) }
                }
            }
            paths?.insert(path)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        _ = Self.removedAtExit.withLock { $0?.remove(path) }
    }

    /// The directories not released yet; nil until the first one registers the exit handler.
    private static let removedAtExit = Mutex<Set<String>?>(nil)

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    package func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    package func write(_ name: String, _ data: Data) throws -> String {
        let file = "\(path)/\(name)"
        let parent = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: file))
        return file
    }

    package func read(_ name: String) throws -> String {
        try String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)
    }

    package func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(path)/\(name)")
    }

    package func list(_ name: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : "\(path)/\(name)").sorted()
    }
}

extension TemporaryDirectory {
    /// Writes `rows` rows of reference churn data (the generator behind `churnd gen-data`) and returns the path.
    @discardableResult
    package func generate(_ name: String, rows: Int, seed: UInt64) throws -> String {
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try Generator().write(rows: rows, seed: seed, to: &writer)
        try writer.flush()
        return try write(name, Data(bytes))
    }
}
