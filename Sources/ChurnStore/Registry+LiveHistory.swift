import ChurnCore
import GRDB

extension Registry {
    /// Live metrics of one version at one moment: after a label file was joined.
    package struct LivePoint: Equatable, Sendable {
        package var version: Int
        /// When the label file's outcomes were stored.
        package var at: Double
        package var labelFile: String
        /// Over the version's last `window` outcomes up to this file, as `liveMetrics` counts them now.
        package var metrics: LiveMetrics
    }

    /// Live metrics of every version over time, oldest first: one point per version after each label file that
    /// judged it, over the version's last `window` outcomes then. Reads at most the last `maxOutcomes` outcomes,
    /// so the first points of a long history may count fewer rows than `window`.
    package func liveHistory(model: String, window: Int, maxOutcomes: Int = 200_000) throws -> [LivePoint] {
        let records = try read { db in
            Array(
                try LiveOutcomeRecord.filter(Column("model_name") == model).order(Column("id").desc)
                    .limit(maxOutcomes).fetchAll(db).reversed())
        }
        var recent: [Int: [(prediction: UInt8, label: UInt8)]] = [:]
        var points: [LivePoint] = []
        var index = records.startIndex
        while index < records.endIndex {
            // One label file's outcomes are stored together, in one transaction.
            let file = records[index].labelFile
            var touched: [Int: Double] = [:]
            while index < records.endIndex, records[index].labelFile == file {
                let record = records[index]
                recent[record.version, default: []].append(
                    (record.prediction == 1 ? 1 : 0, record.label == 1 ? 1 : 0))
                touched[record.version] = max(touched[record.version] ?? 0, record.labeledAt)
                index = records.index(after: index)
            }
            for (version, at) in touched.sorted(by: { $0.key < $1.key }) {
                let rows = (recent[version] ?? []).suffix(window)
                points.append(
                    LivePoint(
                        version: version, at: at, labelFile: file,
                        metrics: LiveMetrics(predictions: rows.map(\.prediction), labels: rows.map(\.label))))
            }
        }
        return points
    }
}
