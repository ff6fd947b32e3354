import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List registered model versions with their test metrics and aliases; * marks the serving one.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

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
            try printJSON(try RegistryViews.models(lifecycle))
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
