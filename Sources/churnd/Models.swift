import ArgumentParser
import ChurnCore
import ChurnStore

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List registered model versions with their test metrics and aliases; * marks the serving one.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct VersionJSON: Encodable {
        var version: Int
        var family: String
        var createdAt: String
        var f1: Double
        var rocAUC: Double?
        var threshold: Double
        var trainRows: Int
        var testRows: Int
        var aliases: [String]
        var serving: Bool
        var artifact: String
        var sha256: String
        /// Live metrics over the version's last `[live] window_rows` labeled rows; absent without labels.
        var liveF1: Double?
        var livePrecision: Double?
        var liveRecall: Double?
        var liveRows: Int?
    }

    /// Label join counts over every label file.
    struct LabelsJSON: Encodable {
        var files: Int
        var labels: Int
        var joined: Int
        var tooOld: Int
        var unmatched: Int
        var outcomes: Int
        var lastFile: String
        var lastProcessedAt: String

        init(_ totals: Registry.LabelTotals) {
            files = totals.files
            labels = totals.labels
            joined = totals.joined
            tooOld = totals.tooOld
            unmatched = totals.unmatched
            outcomes = totals.outcomes
            lastFile = totals.last.file
            lastProcessedAt = timestamp(totals.last.processedAt, iso: true)
        }
    }

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let model = lifecycle.modelName
        let versions = try lifecycle.registry.versions(model: model)
        let aliases = try lifecycle.registry.aliases(model: model)
        let serving = aliases.first { $0.name == AliasName.production }?.version
        let live = try lifecycle.registry.liveMetrics(model: model, window: lifecycle.config.live.windowRows)
        let labels = try lifecycle.registry.labelTotals(model: model)
        func names(_ version: Int) -> [String] { aliases.filter { $0.version == version }.map(\.name) }
        if json {
            struct Output: Encodable {
                var model: String
                var serving: Int?
                var versions: [VersionJSON]
                /// What the label files joined, summed; absent before the first one.
                var labels: LabelsJSON?
            }
            try printJSON(
                Output(
                    model: model, serving: serving,
                    versions: versions.map { v in
                        VersionJSON(
                            version: v.version, family: v.family, createdAt: timestamp(v.createdAt, iso: true),
                            f1: v.f1, rocAUC: v.rocAuc, threshold: v.threshold, trainRows: v.trainRows,
                            testRows: v.testRows, aliases: names(v.version), serving: v.version == serving,
                            artifact: lifecycle.registry.artifacts.path(v.artifactPath), sha256: v.artifactSha256,
                            liveF1: live[v.version]?.f1, livePrecision: live[v.version]?.precision,
                            liveRecall: live[v.version]?.recall, liveRows: live[v.version]?.rows)
                    }, labels: labels.map(LabelsJSON.init)))
            return
        }
        guard !versions.isEmpty else {
            print("no versions of \(model) yet: train one with churnd train (labeled CSVs in watch/data)")
            return
        }
        var rows = [
            [
                "", "VERSION", "FAMILY", "CREATED", "TEST F1", "AUC", "THRESHOLD", "TRAIN ROWS", "LIVE F1 (ROWS)",
                "ALIASES",
            ]
        ]
        for v in versions {
            rows.append([
                v.version == serving ? "*" : "", "\(v.version)", v.family, timestamp(v.createdAt), fixed(v.f1, 4),
                v.rocAuc.map { fixed($0, 4) } ?? "n/a", fixed(v.threshold, 4), grouped(v.trainRows),
                live[v.version].map { "\(fixed($0.f1, 4)) (\(grouped($0.rows)))" } ?? "–",
                names(v.version).joined(separator: ", "),
            ])
        }
        print(table(rows))
        if let labels {
            print(
                "labels: \(grouped(labels.labels)) from \(grouped(labels.files)) file\(labels.files == 1 ? "" : "s"): "
                    + "\(grouped(labels.joined)) joined, \(grouped(labels.tooOld)) too old, "
                    + "\(grouped(labels.unmatched)) matched no prediction (last: \(labels.last.file) at "
                    + "\(timestamp(labels.last.processedAt)))")
        }
        print(serving.map { "* serving: v\($0) (production)" } ?? "nothing serving yet: churnd promote VERSION")
    }
}
