import ChurnCore
import ChurnStore
import Foundation

/// The bearer tokens that may move aliases over HTTP, from `[http] admin_token_file`: one `NAME:TOKEN` per
/// line (the name goes into the audit log as `http:NAME`), or a single bare token (named `admin`); blank lines
/// and lines starting with `#` are skipped. The file is read at each admin request, so a token is revoked by
/// editing the file, without a restart.
package struct AdminTokens: Sendable {
    package struct Token: Equatable, Sendable {
        package var name: String
        package var secret: [UInt8]
    }

    /// What a request's `Authorization` header is worth.
    package enum Decision: Equatable, Sendable {
        /// No token file configured, or none readable: admin routes are off (403).
        case disabled(String)
        /// No bearer token, or one that matches none (401).
        case unauthorized(String)
        case allowed(AuditActor)
    }

    /// The configured file, already resolved against the root; "" when none.
    package var path: String

    package init(path: String) {
        self.path = path
    }

    package func decide(authorization: String?) -> Decision {
        guard !path.isEmpty else {
            return .disabled("admin routes are off: set [http] admin_token_file to a file of NAME:TOKEN lines")
        }
        let tokens: [Token]
        do {
            tokens = Self.parse(String(decoding: try FileSystem.readAll(path), as: UTF8.self))
        } catch {
            return .disabled("admin routes are off: cannot read [http] admin_token_file \(path)")
        }
        guard !tokens.isEmpty else { return .disabled("admin routes are off: \(path) holds no token") }
        guard let header = authorization, header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            return .unauthorized("send Authorization: Bearer TOKEN (a token from [http] admin_token_file)")
        }
        let offered = Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        // Compare with every token, whatever matched, so the time taken tells nothing about any token.
        var match: Token?
        for token in tokens where Self.constantTimeEqual(token.secret, offered) {
            if match == nil { match = token }
        }
        guard let match else { return .unauthorized("the bearer token matches no token in [http] admin_token_file") }
        return .allowed(AuditActor("http:\(match.name)"))
    }

    package static func parse(_ text: String) -> [Token] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        if lines.count == 1, !lines[0].contains(":") { return [Token(name: "admin", secret: Array(lines[0].utf8))] }
        return lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let secret = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !secret.isEmpty else { return nil }
            return Token(name: name, secret: Array(secret.utf8))
        }
    }

    /// Equal bytes, in a time that depends only on the lengths.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { difference |= 1 }
        let count = max(a.count, b.count)
        for i in 0..<count {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
