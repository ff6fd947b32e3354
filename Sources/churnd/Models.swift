import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List registered model versions with their test metrics and aliases; * marks the serving one.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let overview = try lifecycle.overview()
        if json {
            try printJSON(RegistryViews.models(overview, artifacts: lifecycle.registry.artifacts))
            return
        }
        guard !overview.versions.isEmpty else {
            print("no versions of \(overview.model) yet: train one with churnd train (labeled CSVs in watch/data)")
            return
        }
        let serving = overview.serving
        var rows = [
            [
                "", "VERSION", "FAMILY", "CREATED", "TEST F1", "AUC", "THRESHOLD", "TRAIN ROWS", "LIVE F1 (ROWS)",
                "ALIASES",
            ]
        ]
        for v in overview.versions {
            rows.append([
                v.version == serving ? "*" : "", "\(v.version)", v.family, timestamp(v.createdAt), fixed(v.f1, 4),
                v.rocAuc.map { fixed($0, 4) } ?? "n/a", fixed(v.threshold, 4), grouped(v.trainRows),
                overview.live[v.version].map { "\(fixed($0.f1, 4)) (\(grouped($0.rows)))" } ?? "–",
                overview.aliases(at: v.version).joined(separator: ", "),
            ])
        }
        print(table(rows))
        if let labels = overview.labels {
            print(
                "labels: \(grouped(labels.labels)) from \(grouped(labels.files)) file\(labels.files == 1 ? "" : "s"): "
                    + "\(grouped(labels.joined)) joined, \(grouped(labels.tooOld)) too old, "
                    + "\(grouped(labels.unmatched)) matched no prediction (last: \(labels.last.file) at "
                    + "\(timestamp(labels.last.processedAt)))")
        }
        print(serving.map { "* serving: v\($0) (production)" } ?? "nothing serving yet: churnd promote VERSION")
    }
}
