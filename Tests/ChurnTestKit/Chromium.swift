import Foundation

/// Headless Chromium (Debian's `chromium`, installed by `scripts/install-deps --test`), for tests that load a page
/// as a browser does: `dumpDOM` for the document it built, `screenshot` for a PNG a person can look at.
package struct Chromium {
    package let executable: String
    private let home: TemporaryDirectory

    /// The installed browser, with a fresh home folder of its own; throws when none is installed.
    package init() throws {
        guard
            let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw WaitFailure(
                message: "headless Chromium is needed: run scripts/install-deps --test (Debian package chromium)")
        }
        executable = path
        home = try TemporaryDirectory("chromium-home")
    }

    /// The DOM Chromium built from `url` (after parsing, styles and inline SVG).
    package func dumpDOM(_ url: String) throws -> String {
        try run(["--dump-dom", url])
    }

    /// Renders `url` into the PNG file `path`, `width` × `height` pixels.
    package func screenshot(_ url: String, to path: String, width: Int = 1280, height: Int) throws {
        _ = try run(["--hide-scrollbars", "--screenshot=\(path)", "--window-size=\(width),\(height)", url])
    }

    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WaitFailure(message: "\(executable) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
