import ChurnCore
import ChurnStore
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /metrics`: churnd's metrics (`ChurnMetrics`) in Prometheus text format.
///
/// Events (files scored, training runs, drift checks, HTTP requests) are counted by swift-metrics where they
/// happen, into the process's Prometheus registry. State is read at each `render()`: the version of every
/// alias, alias moves by actor and live F1 from the registry, the p-values of the latest drift report, the inbox
/// backlog and the prediction logs' size from the folders. So a promote by the CLI, in another process, shows
/// at the next scrape. An alias or version that disappears loses its series rather than keeping a stale value.
package final class MetricsExport: Sendable {
    /// The response's `Content-Type`.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    let lifecycle: ModelLifecycle?
    let folders: Folders?
    private let state = Mutex(Derived())

    /// The folders `render()` reads, resolved against the root like the daemon's.
    struct Folders: Sendable {
        var inbox: String
        var processing: String
        var logs: String
        var reports: String
        var rotatedLog: String

        init(root: String, config: Config) {
            let state = Config.Paths.resolve(config.paths.state, root: root)
            inbox = Config.Paths.resolve(config.paths.inbox, root: root)
            processing = "\(state)/processing"
            logs = Config.Paths.resolve(config.paths.watch, root: root) + "/logs"
            reports = "\(state)/reports"
            rotatedLog = "\(logs)/\(config.drift.logFile).1"
        }
    }

    /// The label sets set last time per gauge family, and the alias moves already counted per actor.
    private struct Derived {
        var series: [String: Set<[String]>] = [:]
        var movesCounted: [String: Int] = [:]
    }

    /// - Parameters:
    ///   - registry: the process's registry, from `bootstrap()`.
    ///   - lifecycle: the registry and configuration to read state from; nil exports the events only.
    ///   - root: the root directory the configured folders are resolved against.
    package init(registry: PrometheusCollectorRegistry, lifecycle: ModelLifecycle?, root: String) {
        self.registry = registry
        self.lifecycle = lifecycle
        self.folders = lifecycle.map { Folders(root: root, config: $0.config) }
    }

    /// Bootstraps swift-metrics with a Prometheus registry, once per process (`MetricsSystem` accepts one
    /// bootstrap); every later call returns the same registry. The daemon and `churnd serve` call it at start.
    package static func bootstrap() -> PrometheusCollectorRegistry { shared }

    private static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [String: [Double]] = [
            ChurnMetrics.fileScoringSeconds.name: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            ChurnMetrics.httpRequestSeconds.name: [
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5,
            ],
            ChurnMetrics.trainingSeconds.name: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
        ]
        factory.durationHistogramBuckets = seconds.mapValues { $0.map { Duration.seconds($0) } }
        MetricsSystem.bootstrap(factory)
        ChurnMetrics.touch()
        bootstrapped.store(true, ordering: .releasing)
        return registry
    }()

    /// Records one HTTP request; the server calls it once per response with the route's pattern. Once the
    /// registry is bootstrapped, the series of each (route, status) are looked up once and kept.
    package static func recordRequest(route: String, status: Int, seconds: Double) {
        guard bootstrapped.load(ordering: .acquiring) else {
            return ChurnMetrics.httpRequest(route: route, status: status, seconds: seconds)
        }
        let key = RequestKey(route: route, status: status)
        let series = requestSeries.withLock { cache in
            if let series = cache[key] { return series }
            let series = ChurnMetrics.httpRequestSeries(route: route, status: status)
            cache[key] = series
            return series
        }
        series.requests.increment()
        series.seconds.recordSeconds(seconds)
    }

    private struct RequestKey: Hashable {
        var route: String
        var status: Int
    }

    private static let bootstrapped = Atomic<Bool>(false)
    private typealias RequestSeries = (requests: CoreMetrics.Counter, seconds: CoreMetrics.Timer)
    private static let requestSeries = Mutex<[RequestKey: RequestSeries]>([:])

    /// The Prometheus text: state refreshed from the registry and folders, then every family, sorted by name,
    /// each with its `# HELP` line.
    package func render() -> String {
        refresh()
        return Self.withHelp(registry.emitToString())
    }

    /// Adds `# HELP` lines (swift-metrics has no place for them) and orders the families by name, so the text
    /// is stable from one scrape to the next.
    static func withHelp(_ text: String) -> String {
        let help = Dictionary(uniqueKeysWithValues: ChurnMetrics.all.map { ($0.name, $0.help) })
        var blocks: [(name: String, lines: [Substring])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                var lines: [Substring] = []
                if let text = help[name] { lines.append(Substring("# HELP \(name) \(text)")) }
                blocks.append((name, lines + [line]))
            } else if !blocks.isEmpty {
                blocks[blocks.count - 1].lines.append(line)
            }
        }
        return blocks.sorted { $0.name < $1.name }.flatMap(\.lines).joined(separator: "\n") + "\n"
    }

    // MARK: State

    private func refresh() {
        guard let lifecycle, let folders else { return }
        let model = lifecycle.modelName
        let registry = lifecycle.registry
        if let aliases = try? registry.aliases(model: model) {
            replace(ChurnMetrics.servingVersion, aliases.map { ([$0.name], Double($0.version)) })
        }
        if let live = try? registry.liveMetrics(model: model, window: lifecycle.config.live.windowRows) {
            replace(ChurnMetrics.liveF1, live.map { ([String($0.key)], $0.value.f1) })
        }
        if let events = try? registry.history(model: model) {
            countMoves(events)
        }
        if let latest = try? DriftReports(directory: folders.reports).recent(limit: 1).last {
            replace(ChurnMetrics.driftPValue, latest.report.tests.map { ([$0.feature, $0.kind], $0.pValue) })
        }
        ChurnMetrics.set(ChurnMetrics.inboxBacklog, [], to: Double(Self.backlog(folders)))
        ChurnMetrics.set(ChurnMetrics.predictionLogBytes, [], to: Double(Self.logBytes(folders)))
    }

    /// Sets every series of a labeled gauge family and removes the ones set last time that are gone now.
    private func replace(_ family: ChurnMetrics.Family, _ values: [([String], Double)]) {
        let now = Set(values.map(\.0))
        let before = state.withLock { state in
            defer { state.series[family.name] = now }
            return state.series[family.name] ?? []
        }
        for labels in before.subtracting(now) { ChurnMetrics.remove(family, Array(zip(family.labels, labels))) }
        for (labels, value) in values { ChurnMetrics.set(family, Array(zip(family.labels, labels)), to: value) }
    }

    /// The audit log is append-only: the counter adds the moves per actor not counted yet.
    private func countMoves(_ events: [AliasEventRecord]) {
        var totals: [String: Int] = [:]
        for event in events { totals[event.actor.name, default: 0] += 1 }
        let increments = state.withLock { state in
            var increments: [(String, Int)] = []
            for (actor, total) in totals where total > state.movesCounted[actor, default: 0] {
                increments.append((actor, total - state.movesCounted[actor, default: 0]))
                state.movesCounted[actor] = total
            }
            return increments
        }
        for (actor, amount) in increments { ChurnMetrics.add(ChurnMetrics.aliasMoves, [("actor", actor)], amount) }
    }

    /// Files waiting in the inbox (not hidden: a hidden name is a copy in progress) plus claimed ones.
    static func backlog(_ folders: Folders) -> Int {
        let waiting = ((try? FileSystem.list(folders.inbox)) ?? []).filter { !$0.hasPrefix(".") }.count
        let claimed = ((try? FileSystem.list(folders.processing)) ?? []).count
        return waiting + claimed
    }

    /// Bytes in the prediction logs (every `*.log` / `*.jsonl` in watch/logs) and the rotated one.
    static func logBytes(_ folders: Folders) -> Int {
        var paths = (try? PredictionLogFiles.list(in: folders.logs)) ?? []
        if FileSystem.exists(folders.rotatedLog) { paths.append(folders.rotatedLog) }
        // Through Foundation: in a release build, `stat` here resolved to CDispatch's copy of the C struct,
        // which MemberImportVisibility refuses without importing that module.
        return paths.reduce(0) { total, path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber
            return total + (size?.intValue ?? 0)
        }
    }
}
