import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small client of MLflow's REST API (`/api/2.0/mlflow/...`) and of the tracking server's artifact proxy
/// (`/api/2.0/mlflow-artifacts/artifacts/...`, served when the server runs with `--artifacts-destination`).
///
/// It speaks plain JSON over HTTP or HTTPS through one AsyncHTTPClient `HTTPClient` for the process (SwiftNIO):
/// the calls are few, small and sequential. Calls block the calling thread (callers run them off the daemon's
/// scoring threads and off SwiftNIO's event loops) and give up after `timeout` seconds, the whole exchange.
///
/// Not Foundation's `URLSession`: on Linux it is libcurl, whose libraries (TLS, Kerberos, LDAP…) every churnd
/// command loaded at start-up, about 10 ms of each `churnd score`, for the few that talk to MLflow.
package struct MLflowClient: Sendable {
    /// `http://host:port`, without a trailing slash.
    package let baseURL: String
    package let timeout: Double

    package init(trackingURI: String, timeout: Double = 10) {
        var base = trackingURI
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeout = timeout
    }

    // MARK: Experiments

    /// The id of the experiment `name`, created when it does not exist.
    package func experimentID(name: String) throws -> String {
        do {
            let found = try get("mlflow/experiments/get-by-name", query: ["experiment_name": name])
            if let id = (found["experiment"] as? [String: Any])?["experiment_id"] as? String { return id }
        } catch MLflowError.api(_, let code, _, _) where code == "RESOURCE_DOES_NOT_EXIST" {}
        do {
            let created = try post("mlflow/experiments/create", ["name": name])
            guard let id = created["experiment_id"] as? String else { throw malformed("experiments/create") }
            return id
        } catch MLflowError.api(_, let code, _, _) where code == "RESOURCE_ALREADY_EXISTS" {
            // Another process created it between our two calls.
            let found = try get("mlflow/experiments/get-by-name", query: ["experiment_name": name])
            guard let id = (found["experiment"] as? [String: Any])?["experiment_id"] as? String else {
                throw malformed("experiments/get-by-name")
            }
            return id
        }
    }

    // MARK: Runs

    /// A run as MLflow reports it.
    package struct Run: Equatable, Sendable {
        package var id: String
        package var artifactURI: String
        package var status: String
        package var tags: [String: String]
        package var params: [String: String]
        package var metrics: [String: Double]
    }

    package func createRun(experimentID: String, name: String, startTime: Int64, tags: [String: String]) throws -> Run {
        let body: [String: Any] = [
            "experiment_id": experimentID, "run_name": name, "start_time": startTime,
            "tags": tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
        ]
        return try Self.run(from: post("mlflow/runs/create", body), call: "runs/create")
    }

    package func getRun(id: String) throws -> Run {
        try Self.run(from: get("mlflow/runs/get", query: ["run_id": id]), call: "runs/get")
    }

    /// Runs of `experimentID` matching an MLflow filter (e.g. `tags.churnd_run_key = 'abc'`), newest first.
    package func searchRuns(experimentID: String, filter: String, maxResults: Int = 100) throws -> [Run] {
        let answer = try post(
            "mlflow/runs/search",
            ["experiment_ids": [experimentID], "filter": filter, "max_results": maxResults, "run_view_type": "ALL"])
        let runs = answer["runs"] as? [[String: Any]] ?? []
        return try runs.map { try Self.run(from: ["run": $0], call: "runs/search") }
    }

    /// Logs metrics, params and tags in one call (MLflow takes at most 1000 metrics, 100 params and 100 tags).
    package func logBatch(
        runID: String, metrics: [(key: String, value: Double)], params: [(key: String, value: String)],
        tags: [(key: String, value: String)], timestamp: Int64
    ) throws {
        // churnd logs a few dozen of each; MLflow takes at most 1000 metrics, 100 params and 100 tags a call.
        let body: [String: Any] = [
            "run_id": runID,
            "metrics": metrics.prefix(1000).map {
                ["key": $0.key, "value": $0.value, "timestamp": timestamp, "step": 0]
            },
            "params": params.prefix(100).map { ["key": $0.key, "value": $0.value] },
            "tags": tags.prefix(100).map { ["key": $0.key, "value": $0.value] },
        ]
        _ = try post("mlflow/runs/log-batch", body)
    }

    package func setTag(runID: String, key: String, value: String) throws {
        _ = try post("mlflow/runs/set-tag", ["run_id": runID, "key": key, "value": value])
    }

    /// Ends a run: `FINISHED` or `FAILED`.
    package func updateRun(runID: String, status: String, endTime: Int64) throws {
        _ = try post("mlflow/runs/update", ["run_id": runID, "status": status, "end_time": endTime])
    }

    // MARK: Artifacts (through the tracking server)

    /// Uploads `bytes` as `path` (e.g. `model/MLmodel`) under the run whose artifact URI is `artifactURI`
    /// (`mlflow-artifacts:/<experiment>/<run>/artifacts`). Uploading the same path again replaces the file.
    package func uploadArtifact(artifactURI: String, path: String, bytes: Data) throws {
        let relative = try Self.proxyPath(artifactURI: artifactURI) + "/" + path
        _ = try send(
            "PUT", "mlflow-artifacts/artifacts/" + relative, body: bytes, contentType: "application/octet-stream")
    }

    /// The files under `path` of a run's artifacts (one level), as the proxy lists them.
    package func listArtifacts(artifactURI: String, path: String = "") throws -> [String] {
        let base = try Self.proxyPath(artifactURI: artifactURI)
        let answer = try get(
            "mlflow-artifacts/artifacts", query: ["path": path.isEmpty ? base : base + "/" + path])
        return (answer["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }

    /// The bytes of one artifact file.
    package func downloadArtifact(artifactURI: String, path: String) throws -> Data {
        let relative = try Self.proxyPath(artifactURI: artifactURI) + "/" + path
        return try send("GET", "mlflow-artifacts/artifacts/" + relative, body: nil, contentType: nil).body
    }

    /// `mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`; any other scheme cannot go through the proxy.
    static func proxyPath(artifactURI: String) throws -> String {
        for prefix in ["mlflow-artifacts://", "mlflow-artifacts:/"] where artifactURI.hasPrefix(prefix) {
            var rest = Substring(artifactURI.dropFirst(prefix.count))
            if prefix.hasSuffix("//") {
                // mlflow-artifacts://host:port/path: the path after the authority.
                rest = rest.drop { $0 != "/" }.dropFirst()
            }
            return String(rest).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        }
        throw MLflowError.unsupportedArtifactStore(uri: artifactURI)
    }

    // MARK: Model registry

    /// Creates the registered model unless it exists.
    package func ensureRegisteredModel(name: String) throws {
        do {
            _ = try post("mlflow/registered-models/create", ["name": name])
        } catch MLflowError.api(_, let code, _, _) where code == "RESOURCE_ALREADY_EXISTS" {}
    }

    /// A model version as MLflow reports it.
    package struct ModelVersion: Equatable, Sendable {
        package var version: String
        package var runID: String
        package var source: String
        package var tags: [String: String]
        package var aliases: [String]
    }

    package func createModelVersion(name: String, source: String, runID: String, tags: [String: String]) throws
        -> ModelVersion
    {
        let body: [String: Any] = [
            "name": name, "source": source, "run_id": runID,
            "tags": tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
        ]
        let answer = try post("mlflow/model-versions/create", body)
        return try Self.modelVersion(answer["model_version"], call: "model-versions/create")
    }

    /// Versions of `name` made from run `runID`.
    package func modelVersions(name: String, runID: String) throws -> [ModelVersion] {
        try searchModelVersions(filter: "name = '\(Self.quoted(name))' and run_id = '\(Self.quoted(runID))'")
    }

    package func searchModelVersions(filter: String) throws -> [ModelVersion] {
        let answer = try get("mlflow/model-versions/search", query: ["filter": filter, "max_results": "1000"])
        return try (answer["model_versions"] as? [Any] ?? []).map {
            try Self.modelVersion($0, call: "model-versions/search")
        }
    }

    package func getModelVersion(name: String, version: String) throws -> ModelVersion {
        let answer = try get("mlflow/model-versions/get", query: ["name": name, "version": version])
        return try Self.modelVersion(answer["model_version"], call: "model-versions/get")
    }

    package func setAlias(name: String, alias: String, version: String) throws {
        _ = try post("mlflow/registered-models/alias", ["name": name, "alias": alias, "version": version])
    }

    /// The version an alias points to, or nil when the alias is not set.
    package func alias(name: String, alias: String) throws -> ModelVersion? {
        do {
            let answer = try get("mlflow/registered-models/alias", query: ["name": name, "alias": alias])
            return try Self.modelVersion(answer["model_version"], call: "registered-models/alias")
        } catch MLflowError.api(_, let code, _, _)
            where code == "RESOURCE_DOES_NOT_EXIST" || code == "INVALID_PARAMETER_VALUE"
        {
            return nil
        }
    }

    /// Every alias of the registered model, as alias → version; empty when the model does not exist.
    package func aliases(name: String) throws -> [String: String] {
        do {
            let answer = try get("mlflow/registered-models/get", query: ["name": name])
            let model = answer["registered_model"] as? [String: Any] ?? [:]
            var result: [String: String] = [:]
            for entry in model["aliases"] as? [[String: Any]] ?? [] {
                if let alias = entry["alias"] as? String, let version = entry["version"] as? String {
                    result[alias] = version
                }
            }
            return result
        } catch MLflowError.api(_, let code, _, _) where code == "RESOURCE_DOES_NOT_EXIST" {
            return [:]
        }
    }

    // MARK: Transport

    /// A filter's string literal, quotes escaped.
    static func quoted(_ text: String) -> String { text.replacingOccurrences(of: "'", with: "\\'") }

    func get(_ endpoint: String, query: [String: String]) throws -> [String: Any] {
        var components = URLComponents()
        components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return try json(
            send("GET", endpoint + (encoded.isEmpty ? "" : "?" + encoded), body: nil, contentType: nil), endpoint)
    }

    func post(_ endpoint: String, _ body: [String: Any]) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return try json(send("POST", endpoint, body: data, contentType: "application/json"), endpoint)
    }

    private func json(_ response: Response, _ endpoint: String) throws -> [String: Any] {
        if response.body.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw MLflowError.notJSON(
                url: baseURL + "/api/2.0/" + endpoint, status: response.status, start: Self.start(of: response.body))
        }
        return object
    }

    struct Response {
        var status: Int
        var body: Data
    }

    /// One client for the process. A connection that cannot be made fails the call at once (the shared
    /// client's default retries until the call's deadline), so an outage is seen and logged as one even when
    /// it is shorter than `timeout`.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// One HTTP exchange; an error status becomes `MLflowError.api` (MLflow's error code and message when the
    /// body says so) and a body that is not JSON on an error status `MLflowError.notJSON`.
    func send(_ method: String, _ endpoint: String, body: Data?, contentType: String?) throws -> Response {
        let address = baseURL + "/api/2.0/" + endpoint
        guard let url = URL(string: address), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw MLflowError.badURI(baseURL)
        }
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        let answer: HTTPClient.Response
        do {
            let request = try HTTPClient.Request(
                url: address, method: HTTPMethod(rawValue: method), headers: headers, body: body.map { .bytes($0) })
            answer = try Self.http.execute(
                request: request, deadline: .now() + .nanoseconds(Int64(timeout * 1e9))
            ).wait()
        } catch {
            throw MLflowError.unreachable(url: address, detail: Self.explain(error, timeout: timeout))
        }
        let status = Int(answer.status.code)
        let bytes = answer.body.map { Data($0.readableBytesView) } ?? Data()
        guard (200..<300).contains(status) else {
            guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                throw MLflowError.notJSON(url: address, status: status, start: Self.start(of: bytes))
            }
            throw MLflowError.api(
                status: status, code: object["error_code"] as? String ?? "",
                message: object["message"] as? String ?? "",
                url: address)
        }
        return Response(status: status, body: bytes)
    }

    /// What a failed exchange says to a person: the deadline in seconds, else the client's own words.
    static func explain(_ error: any Error, timeout: Double) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            return "no answer within \(timeout) s"
        case let error as HTTPClientError where error == .connectTimeout:
            return "could not connect within \(timeout) s"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))  // "Connection refused"
        case let error as NIOConnectionError:
            if let failure = error.connectionErrors.first { return explain(failure.error, timeout: timeout) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve \(error.host)" }
            return "\(error)"
        default:
            return "\(error)"
        }
    }

    static func start(of body: Data) -> String {
        let text = String(decoding: body.prefix(120), as: UTF8.self)
        return text.replacingOccurrences(of: "\n", with: " ")
    }

    private func malformed(_ call: String) -> MLflowError {
        MLflowError.malformed(call: call, url: baseURL)
    }

    static func run(from answer: [String: Any], call: String) throws -> Run {
        guard let run = answer["run"] as? [String: Any], let info = run["info"] as? [String: Any],
            let id = info["run_id"] as? String
        else { throw MLflowError.malformed(call: call, url: "") }
        let data = run["data"] as? [String: Any] ?? [:]
        func pairs(_ key: String) -> [String: String] {
            var out: [String: String] = [:]
            for entry in data[key] as? [[String: Any]] ?? [] {
                if let k = entry["key"] as? String, let v = entry["value"] as? String { out[k] = v }
            }
            return out
        }
        var metrics: [String: Double] = [:]
        for entry in data["metrics"] as? [[String: Any]] ?? [] {
            if let k = entry["key"] as? String, let v = entry["value"] as? Double { metrics[k] = v }
        }
        return Run(
            id: id, artifactURI: info["artifact_uri"] as? String ?? "", status: info["status"] as? String ?? "",
            tags: pairs("tags"), params: pairs("params"), metrics: metrics)
    }

    static func modelVersion(_ value: Any?, call: String) throws -> ModelVersion {
        guard let object = value as? [String: Any], let version = object["version"] as? String else {
            throw MLflowError.malformed(call: call, url: "")
        }
        var tags: [String: String] = [:]
        for entry in object["tags"] as? [[String: Any]] ?? [] {
            if let k = entry["key"] as? String, let v = entry["value"] as? String { tags[k] = v }
        }
        return ModelVersion(
            version: version, runID: object["run_id"] as? String ?? "", source: object["source"] as? String ?? "",
            tags: tags, aliases: object["aliases"] as? [String] ?? [])
    }
}

/// What can go wrong talking to MLflow, each with a sentence a user can act on.
package enum MLflowError: Error, CustomStringConvertible, Equatable {
    /// No answer: refused, timed out, name not resolved.
    case unreachable(url: String, detail: String)
    /// An error status with MLflow's error code and message.
    case api(status: Int, code: String, message: String, url: String)
    /// An answer that is not MLflow's JSON (an HTML page from a proxy, a 502 from a load balancer).
    case notJSON(url: String, status: Int, start: String)
    case malformed(call: String, url: String)
    case badURI(String)
    /// The run's artifacts are not served by the tracking server (started without `--artifacts-destination`
    /// or with `--default-artifact-root` pointing elsewhere).
    case unsupportedArtifactStore(uri: String)

    package var description: String {
        switch self {
        case .unreachable(let url, let detail):
            return "MLflow is unreachable at \(url): \(detail)"
        case .api(let status, let code, let message, let url):
            return "MLflow answered HTTP \(status) \(code.isEmpty ? "" : "\(code) ")to \(url): \(message)"
        case .notJSON(let url, let status, let start):
            return "MLflow answered HTTP \(status) with something that is not JSON to \(url) "
                + "(is the tracking URI the MLflow server itself, not a proxy or a web page?): \(start)"
        case .malformed(let call, let url):
            return "MLflow's answer to \(call) lacks expected fields \(url)"
        case .badURI(let uri):
            return "[mlflow] tracking_uri \"\(uri)\" is not an http:// or https:// address"
        case .unsupportedArtifactStore(let uri):
            return "the run's artifact location \(uri) is not served by the tracking server: start `mlflow server` "
                + "with --artifacts-destination DIR (and without --default-artifact-root)"
        }
    }

    /// True when retrying later may help (the server is down, restarting or overloaded).
    package var isTransient: Bool {
        switch self {
        case .unreachable: return true
        case .api(let status, _, _, _): return status >= 500 || status == 429
        // A web page or a proxy's error instead of MLflow: a misconfiguration or a server starting up.
        case .notJSON: return true
        case .malformed, .badURI, .unsupportedArtifactStore: return false
        }
    }
}
