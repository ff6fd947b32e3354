import TOMLKit

extension Config {
    /// `[http]`: the HTTP server inside `churnd run` and `churnd serve`.
    package struct HTTP: Equatable, Sendable {
        /// `HOST:PORT` to listen on; "" turns the server off. Port 0 takes a free port (logged at start).
        package var listen = "127.0.0.1:8080"
        /// A file holding `NAME:TOKEN` lines (or one bare token, named "admin"); "" or a missing file: the
        /// admin routes answer 403.
        package var adminTokenFile = ""
        /// Request bodies larger than this are refused with 413 before they are read whole.
        package var maxBodyBytes = 16 << 20
        /// A request whose body has not arrived whole this long after its head gets 408.
        package var requestTimeoutSeconds = 30.0
        /// Connections idle this long between requests are closed.
        package var idleTimeoutSeconds = 60.0
        /// Connections past this many at once are closed as soon as they are accepted.
        package var maxConnections = 1000
        package init() {}

        /// The host and port of `listen`, or nil when the server is off. `[::1]:8080` for IPv6.
        package var address: (host: String, port: Int)? {
            Self.parse(listen)
        }

        static func parse(_ text: String) -> (host: String, port: Int)? {
            guard !text.isEmpty, let colon = text.lastIndex(of: ":") else { return nil }
            var host = String(text[..<colon])
            guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            return (host, port)
        }
    }
}

extension TOMLConfigReader {
    func readHTTP(_ section: TOMLTable, into http: inout Config.HTTP) throws {
        try checkKeys(
            section, section: "http",
            allowed: [
                "listen", "admin_token_file", "max_body_bytes", "request_timeout_seconds", "idle_timeout_seconds",
                "max_connections",
            ])
        try read(section, "http", "listen", into: &http.listen)
        if !http.listen.isEmpty, Config.HTTP.parse(http.listen) == nil {
            throw error(
                "http", "listen",
                "\"\(http.listen)\" is not HOST:PORT (e.g. \"127.0.0.1:8080\", \"[::1]:8080\", \"0.0.0.0:0\"); "
                    + "\"\" turns the server off")
        }
        try read(section, "http", "admin_token_file", into: &http.adminTokenFile)
        try read(section, "http", "max_body_bytes", into: &http.maxBodyBytes, range: 1024...(1 << 34))
        try read(
            section, "http", "request_timeout_seconds", into: &http.requestTimeoutSeconds, range: 0.1...3600)
        try read(section, "http", "idle_timeout_seconds", into: &http.idleTimeoutSeconds, range: 0.1...86_400)
        try read(section, "http", "max_connections", into: &http.maxConnections, range: 1...1_000_000)
    }
}
