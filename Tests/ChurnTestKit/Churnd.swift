import Foundation

/// Runs the built `churnd` binary, as a user would.
package enum Churnd {
    package struct Result: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    /// The binary next to the test bundle (`swift build` puts both in the same folder),
    /// or `CHURND_BIN` when set.
    package static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CHURND_BIN"] { return path }
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("churnd").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url = url.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/churnd").path
    }

    /// Runs `churnd ARGS` in `directory` and waits for it.
    ///
    /// - Parameter explicitRoot: true (the default) runs with `CHURND_ROOT=.`: commands use `directory` as their
    ///   root whether or not it holds a `churnd.toml`, and name paths relative to it as before; false leaves
    ///   `CHURND_ROOT` unset, so the command finds its root itself (`churnd.toml` here or above).
    @discardableResult
    package static func run(
        _ arguments: [String], in directory: String, stdin: String? = nil, explicitRoot: Bool = true
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["CHURND_ROOT"] = explicitRoot ? "." : nil
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Parses CSV text produced by churnd into rows of fields (RFC 4180 quoting, LF line ends).
package func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var fields: [String] = []
    var current = ""
    var quoted = false
    let chars = Array(text)
    var i = 0
    while i < chars.count {
        let c = chars[i]
        if c == "\"" {
            if quoted, i + 1 < chars.count, chars[i + 1] == "\"" {
                current.append("\"")
                i += 1
            } else {
                quoted.toggle()
            }
        } else if c == ",", !quoted {
            fields.append(current)
            current = ""
        } else if c == "\n", !quoted {
            fields.append(current)
            rows.append(fields)
            fields = []
            current = ""
        } else {
            current.append(c)
        }
        i += 1
    }
    if !current.isEmpty || !fields.isEmpty {
        fields.append(current)
        rows.append(fields)
    }
    return rows
}
