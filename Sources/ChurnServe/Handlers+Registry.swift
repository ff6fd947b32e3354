import ChurnCore
import ChurnStore
import Foundation
import HTTPTypes
import Hummingbird

/// The registry's read-only views (the CLI's `--json`) and the two admin routes.
extension Handlers {
    func versions() -> Response {
        registry { JSONResponse.readable(try RegistryViews.models(lifecycle)) }
    }

    func model(_ text: String) -> Response {
        guard let number = Int(text), number > 0 else {
            return JSONResponse.detail(.badRequest, "\"\(text)\" is not a version number (1, 2, 3…)")
        }
        return registry {
            let all = try RegistryViews.models(lifecycle)
            guard let version = all.versions.first(where: { $0.version == number }) else {
                let known = all.versions.map { String($0.version) }.joined(separator: ", ")
                return JSONResponse.detail(
                    .notFound,
                    "no version \(number)" + (known.isEmpty ? "; none registered yet" : "; versions are \(known)"))
            }
            return JSONResponse.readable(version)
        }
    }

    func runs(_ request: Request) -> Response {
        let limit = request.uri.queryParameters.get("limit").map { Int($0) ?? 0 } ?? 20
        guard limit >= 1 else { return JSONResponse.detail(.badRequest, "limit must be a whole number ≥ 1") }
        return registry { JSONResponse.readable(try RegistryViews.runs(lifecycle, limit: limit)) }
    }

    func history(_ request: Request) -> Response {
        let parameters = request.uri.queryParameters
        let limit = parameters.get("limit").map { Int($0) ?? 0 }
        if let limit, limit < 1 { return JSONResponse.detail(.badRequest, "limit must be a whole number ≥ 1") }
        let alias = parameters.get("alias")
        return registry { JSONResponse.readable(try RegistryViews.history(lifecycle, alias: alias, limit: limit)) }
    }

    func driftLatest() -> Response {
        registry {
            guard let bytes = try DriftView.latest(reports: reports) else {
                return JSONResponse.detail(.notFound, "no drift check recorded yet (state/reports is empty)")
            }
            return JSONResponse.make(.ok, bytes: bytes)
        }
    }

    // MARK: admin

    /// `POST /aliases/{alias}` with `{"version": 3, "reason": "…"}`: `churnd promote` over HTTP.
    func moveAlias(_ alias: String, _ request: Request, context: ServeContext) async -> Response {
        await admin(request, context: context) { actor, body in
            guard case .number(let number)? = body["version"], number == number.rounded(), number >= 1,
                number < 1e9
            else {
                throw RequestProblem.invalidFields([
                    .init(loc: [.key("body"), .key("version")], msg: "expected a version number", type: "int_type")
                ])
            }
            return try lifecycle.promote(version: Int(number), alias: alias, actor: actor, reason: try reason(body))
        }
    }

    /// `POST /rollback` with `{"version"?: 2, "alias"?: "production", "reason"?: "…"}`: `churnd rollback`.
    func rollback(_ request: Request, context: ServeContext) async -> Response {
        await admin(request, context: context) { actor, body in
            var version: Int?
            switch body["version"] {
            case nil, .null?: break
            case .number(let number)? where number == number.rounded() && number >= 1 && number < 1e9:
                version = Int(number)
            default:
                throw RequestProblem.invalidFields([
                    .init(loc: [.key("body"), .key("version")], msg: "expected a version number", type: "int_type")
                ])
            }
            var alias = AliasName.production
            switch body["alias"] {
            case nil, .null?: break
            case .string(let name)?: alias = name
            default:
                throw RequestProblem.invalidFields([
                    .init(loc: [.key("body"), .key("alias")], msg: "expected an alias name", type: "string_type")
                ])
            }
            return try lifecycle.rollback(to: version, alias: alias, actor: actor, reason: try reason(body))
        }
    }

    private func reason(_ body: [String: JSONValue]) throws -> String? {
        switch body["reason"] {
        case nil, .null?: return nil
        case .string(let text)?: return text.isEmpty ? nil : String(text.prefix(1000))
        default:
            throw RequestProblem.invalidFields([
                .init(loc: [.key("body"), .key("reason")], msg: "expected a string", type: "string_type")
            ])
        }
    }

    /// Checks the token, reads the body (an object; empty allowed), runs `move`, answers as the CLI's `--json`.
    private func admin(
        _ request: Request, context: ServeContext,
        _ move: (AuditActor, [String: JSONValue]) throws -> Registry.AliasChange
    ) async -> Response {
        let actor: AuditActor
        switch tokens.decide(authorization: request.headers[.authorization]) {
        case .disabled(let message): return JSONResponse.detail(.forbidden, message)
        case .unauthorized(let message):
            return JSONResponse.detail(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
        case .allowed(let who): actor = who
        }
        do {
            let bytes = try await body.read(request, context: context)
            var fields: [String: JSONValue] = [:]
            if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                guard case .object(let object) = try JSONValue.parse(bytes) else {
                    throw RequestProblem.invalidFields([
                        .init(loc: [.key("body")], msg: "expected a JSON object", type: "model_type")
                    ])
                }
                fields = object
            }
            let change = try move(actor, fields)
            models.refresh()
            return JSONResponse.readable(AliasChangeJSON(change))
        } catch let problem as RequestProblem {
            return JSONResponse.problem(problem, context: context)
        } catch let error as RegistryError {
            switch error {
            case .invalidAlias: return JSONResponse.detail(.badRequest, error.description)
            case .unknownVersion, .unknownAlias, .noVersionAtAlias:
                return JSONResponse.detail(.notFound, error.description)
            case .noRollbackTarget: return JSONResponse.detail(.conflict, error.description)
            default: return JSONResponse.detail(.serviceUnavailable, error.description)
            }
        } catch {
            return JSONResponse.detail(.internalServerError, "\(error)")
        }
    }

    /// A registry read; an unreadable registry is 503 (churnd cannot answer now), never a crash.
    private func registry(_ body: () throws -> Response) -> Response {
        do {
            return try body()
        } catch let error as RegistryError {
            switch error {
            case .invalidAlias: return JSONResponse.detail(.badRequest, error.description)
            case .unknownVersion, .unknownAlias: return JSONResponse.detail(.notFound, error.description)
            default: return JSONResponse.detail(.serviceUnavailable, error.description)
            }
        } catch {
            return JSONResponse.detail(.serviceUnavailable, "\(error)")
        }
    }
}
