import ChurnCore
import ChurnStore
import Foundation
import HTTPTypes
import Hummingbird

/// What each route does. Every failure a request can cause is a 4xx with a message; a 5xx means churnd itself
/// cannot answer (nothing serving: 503; the registry unreadable: 503).
package struct Handlers: Sendable {
    let models: ServingModels
    let log: PredictionLogGroup
    let lifecycle: ModelLifecycle
    let config: @Sendable () -> Config
    let tokens: AdminTokens
    /// `state/reports`.
    let reports: String
    /// The root directory the configured folders are resolved against.
    let root: String

    var body: BodyReader { Self.bodyReader(config()) }

    static func bodyReader(_ config: Config) -> BodyReader {
        BodyReader(maxBytes: config.http.maxBodyBytes, timeoutSeconds: config.http.requestTimeoutSeconds)
    }

    // MARK: health

    /// Liveness, in the Python lab's shape plus detail; 200 whenever the process answers.
    func health() -> Response {
        struct Body: Encodable {
            var status = "ok"
            var current_model: String?
            var version: Int?
            var model_name: String
            var alias = AliasName.production
            var serving_since: String?
            var challenger_version: Int?
            var churnd_version = churndVersion

            // `null` rather than absent while nothing serves, as the Python lab answered.
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(status, forKey: .status)
                try c.encode(current_model, forKey: .current_model)
                try c.encode(version, forKey: .version)
                try c.encode(model_name, forKey: .model_name)
                try c.encode(alias, forKey: .alias)
                try c.encode(serving_since, forKey: .serving_since)
                try c.encode(challenger_version, forKey: .challenger_version)
                try c.encode(churnd_version, forKey: .churnd_version)
            }

            enum CodingKeys: String, CodingKey {
                case status, current_model, version, model_name, alias, serving_since, challenger_version
                case churnd_version
            }
        }
        let snapshot = models.current
        let name = lifecycle.modelName
        return JSONResponse.make(
            .ok,
            Body(
                current_model: snapshot.map { "\(name)@\(AliasName.production) (v\($0.version))" },
                version: snapshot?.version, model_name: name,
                serving_since: snapshot.map { RegistryViews.isoTime($0.since) },
                challenger_version: snapshot?.challenger?.version))
    }

    /// Readiness: 200 once a production version is loaded and the registry was readable at the last poll.
    func ready() -> Response {
        struct Body: Encodable {
            var status: String
            var version: Int?
            var reason: String?
        }
        if let reason = models.notReady {
            return JSONResponse.make(.serviceUnavailable, Body(status: "not ready", version: nil, reason: reason))
        }
        return JSONResponse.make(.ok, Body(status: "ready", version: models.current?.version, reason: nil))
    }

    // MARK: predict

    /// One served prediction, the Python lab's response.
    struct PredictionJSON: Encodable {
        var request_id: String
        var model_name: String
        var model_version: String
        var alias: String
        var probability: Double
        var prediction: Int
        var threshold: Double
        var latency_ms: Double
        var ts: Double

        /// The object `JSONEncoder` (sorted keys) writes, written directly.
        func write(to json: inout JSONBytes) {
            json.raw("{\"alias\":")
            json.string(alias)
            json.raw(",\"latency_ms\":")
            json.double(latency_ms)
            json.raw(",\"model_name\":")
            json.string(model_name)
            json.raw(",\"model_version\":")
            json.string(model_version)
            json.raw(",\"prediction\":")
            json.int(prediction)
            json.raw(",\"probability\":")
            json.double(probability)
            json.raw(",\"request_id\":")
            json.string(request_id)
            json.raw(",\"threshold\":")
            json.double(threshold)
            json.raw(",\"ts\":")
            json.double(ts)
            json.byte(UInt8(ascii: "}"))
        }
    }

    nonisolated(nonsending) func predict(_ request: Request, context: ServeContext) async -> Response {
        let started = ContinuousClock.now
        let headerID = request.headers[.requestID].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        let snapshot: ServingModels.Snapshot
        let bytes: [UInt8]
        let settings = config()  // read once per request
        do throws(RequestProblem) {
            guard let current = models.current else { return notServing() }
            snapshot = current
            bytes = try await Self.bodyReader(settings).read(request, context: context)
        } catch {
            return JSONResponse.problem(error, context: context)
        }
        let shadow = settings.shadow
        // One customer is scored where the request was read (its event loop); a large batch elsewhere.
        guard bytes.count > Self.onLoopBytes else {
            return predict(bytes, snapshot: snapshot, shadow: shadow, headerID: headerID, started: started).response
        }
        return await offLoop {
            predict(bytes, snapshot: snapshot, shadow: shadow, headerID: headerID, started: started).response
        }
    }

    /// Request bodies up to this size are scored on the connection's event loop.
    package static let onLoopBytes = 64 << 10

    /// `POST /predict`'s answer to a body read whole by `PredictFastPath`, on the connection's event loop.
    func predict(
        _ bytes: [UInt8], shadow: Config.Shadow, headerID: String?, started: ContinuousClock.Instant
    ) -> JSONResponse.Answer {
        guard let snapshot = models.current else { return notServingAnswer() }
        return predict(bytes, snapshot: snapshot, shadow: shadow, headerID: headerID, started: started)
    }

    private func predict(
        _ bytes: [UInt8], snapshot: ServingModels.Snapshot, shadow: Config.Shadow, headerID: String?,
        started: ContinuousClock.Instant
    ) -> JSONResponse.Answer {
        do {
            guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
                throw RequestProblem.emptyBody
            }
            let document = try JSONValue.parse(bytes)
            var objects: [(loc: [RequestProblem.LocationPart], value: JSONValue)] = []
            var batch = false
            switch document {
            case .object: objects = [([.key("body")], document)]
            case .array(let items):
                guard !items.isEmpty else {
                    throw RequestProblem.invalidFields([
                        .init(loc: [.key("body")], msg: "an empty array scores nothing", type: "too_short")
                    ])
                }
                objects = items.enumerated().map { ([.key("body"), .index($0.offset)], $0.element) }
                batch = true
            default:
                throw RequestProblem.invalidFields([
                    .init(
                        loc: [.key("body")],
                        msg: "expected an object (one customer) or an array of objects, found "
                            + document.typeName, type: "model_type")
                ])
            }
            let predictor = Predictor(
                snapshot: snapshot, shadowEnabled: shadow.enabled, serveFraction: shadow.serveFraction)
            let schema = predictor.schema
            let features = schema.features
            func isKnown(_ name: String) -> Bool {
                name == "request_id" || name == schema.id || features.contains(name)
            }
            var rows: [Predictor.Row] = []
            var rowFields: [[String: JSONValue]] = []
            var rowLocations: [[RequestProblem.LocationPart]] = []
            var errors: [RequestProblem.FieldError] = []
            for (loc, value) in objects {
                guard case .object(let fields) = value else {
                    errors.append(
                        .init(loc: loc, msg: "expected an object, found \(value.typeName)", type: "model_type"))
                    continue
                }
                for name in fields.keys.filter({ !isKnown($0) }).sorted() {
                    errors.append(
                        .init(
                            loc: loc + [.key(name)],
                            msg: "unknown field; fields are \(schema.features.joined(separator: ", ")), "
                                + "\(schema.id) and request_id (optional)", type: "extra_forbidden"))
                }
                var requestID: String?
                switch fields["request_id"] {
                case nil, .null?: break
                case .string(let text)?: requestID = text
                case let other?:
                    errors.append(
                        .init(
                            loc: loc + [.key("request_id")], msg: "expected a string, found \(other.typeName)",
                            type: "string_type"))
                }
                var customer: String?
                if let id = fields[schema.id], id != .null {
                    customer = id.idText
                    if customer == nil {
                        errors.append(
                            .init(
                                loc: loc + [.key(schema.id)],
                                msg: "expected a string or a number, found \(id.typeName)",
                                type: "string_type"))
                    }
                }
                let id = requestID ?? (batch ? nil : headerID) ?? Self.newRequestID()
                rows.append(Predictor.Row(fields: [:], requestID: id, splitID: customer ?? id))
                rowFields.append(fields)
                rowLocations.append(loc)
            }
            // Every problem of every customer, in one answer.
            let (checked, problems) = predictor.check(rows: rows.count) { row, feature in
                rowFields[row][features[feature]]?.field
            }
            errors += problems.map { problem in
                RequestProblem.FieldError(
                    loc: rowLocations[problem.row] + [.key(problem.problem.field)], msg: problem.problem.message,
                    type: problem.problem.message == "field required" ? "missing" : "value_error")
            }
            guard errors.isEmpty else { throw RequestProblem.invalidFields(errors) }
            let now = Date().timeIntervalSince1970
            var scored = predictor.score(rows, checked: checked, at: now)
            let predictions = scored.predictions
            let latency = Self.milliseconds(since: started)
            scored.setLatency(latency)
            log.append(scored.log, then: scored.shadow)
            let modelName = lifecycle.modelName
            let answers = predictions.map { p in
                PredictionJSON(
                    request_id: p.requestID, model_name: modelName, model_version: String(p.version),
                    alias: p.alias, probability: p.probability, prediction: p.prediction, threshold: p.threshold,
                    latency_ms: latency, ts: now)
            }
            let id = batch ? (headerID ?? Self.newRequestID()) : answers[0].request_id
            var json = JSONBytes(capacity: 256 * answers.count)
            if batch { json.byte(UInt8(ascii: "[")) }
            for (index, answer) in answers.enumerated() {
                if index > 0 { json.byte(UInt8(ascii: ",")) }
                answer.write(to: &json)
            }
            if batch { json.byte(UInt8(ascii: "]")) }
            return JSONResponse.answer(.ok, bytes: json.bytes, headers: [.requestID: id])
        } catch let problem as RequestProblem {
            return JSONResponse.problemAnswer(problem)
        } catch {
            return JSONResponse.detailAnswer(.internalServerError, "\(error)")
        }
    }

    func notServing() -> Response {
        notServingAnswer().response
    }

    func notServingAnswer() -> JSONResponse.Answer {
        JSONResponse.detailAnswer(.serviceUnavailable, models.notReady ?? "no production model loaded yet")
    }

    /// A random (version 4) UUID in lowercase, as `UUID().uuidString.lowercased()` gives, formatted directly.
    /// Its 16 random bytes come from `RequestIDRandomness` (the system's generator, read 4 KiB at a time).
    static func newRequestID() -> String {
        var (high, low) = RequestIDRandomness.shared.next()
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10xx
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { text in
            var at = 0
            func put(_ value: UInt64, digits: Int) {
                for k in stride(from: digits - 1, through: 0, by: -1) {
                    text[at] = hex.utf8Start[Int((value >> UInt64(4 * k)) & 0xF)]
                    at += 1
                }
            }
            put(high >> 32, digits: 8)
            text[at] = UInt8(ascii: "-")
            at += 1
            put(high >> 16, digits: 4)
            text[at] = UInt8(ascii: "-")
            at += 1
            put(high, digits: 4)
            text[at] = UInt8(ascii: "-")
            at += 1
            put(low >> 48, digits: 4)
            text[at] = UInt8(ascii: "-")
            at += 1
            put(low, digits: 12)
            return at
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        return Double(seconds) * 1e3 + Double(attoseconds) * 1e-15
    }
}
