import Testing

@testable import ChurnCore

/// A label joins, per version, with the most recent logged prediction for its id made before the label file
/// arrived, and only within the age window; `request_id` and `file` columns make the join exact.
struct LabelJoinTests {
    static let day = 86_400.0
    /// The label files of these tests arrive at t = 100 days.
    static let arrival = 100 * day
    static let attribution = VersionAttribution(
        model: "churn_model", moves: [.init(alias: "production", at: 1, version: 1)])

    static func prediction(
        _ id: String, version: String = "1", file: String? = nil, prediction: Int, at ts: Double
    ) -> PredictionRecord {
        PredictionRecord(
            requestID: id, modelVersion: version, file: file, prediction: prediction,
            probability: prediction == 1 ? 0.9 : 0.1, features: [:], timestamp: ts)
    }

    static func join(_ csv: String, maxAgeDays: Double = 30, _ records: [PredictionRecord]) throws -> LabelJoin {
        let batch = try LabelBatch.read(MemorySource(csv), schema: .reference)
        var join = LabelJoin(
            labels: batch, arrivedAt: arrival, maxAge: maxAgeDays * day, attribution: attribution)
        for record in records { join.add(record) }
        return join
    }

    @Test func aLabelJudgesTheLatestPredictionBeforeItArrivedNotAnEarlierFilesNorALaterOne() throws {
        // Given C1 predicted for January's file (no churn), for March's (churn), and again after the labels came,
        let join = try Self.join(
            "customer_id,churn\nC1,1\n",
            [
                Self.prediction("C1", file: "jan.csv", prediction: 0, at: Self.arrival - 60 * Self.day + 1),
                Self.prediction("C1", file: "mar.csv", prediction: 1, at: Self.arrival - 2 * Self.day),
                Self.prediction("C1", file: "apr.csv", prediction: 0, at: Self.arrival + 1),
            ])
        // then the label is credited to March's prediction only.
        let result = join.result
        #expect(result.outcomes.count == 1)
        #expect(result.outcomes.first?.file == "mar.csv" && result.outcomes.first?.prediction == 1)
        #expect(result.joined == 1 && result.tooOld == 0 && result.unmatched == 0)
        #expect(join.laterLines == 1)
    }

    @Test func aPredictionOlderThanTheWindowIsNeverCredited() throws {
        let join = try Self.join(
            "customer_id,churn\nOLD,1\nNEW,0\nNOBODY,1\n", maxAgeDays: 30,
            [
                Self.prediction("OLD", prediction: 1, at: Self.arrival - 31 * Self.day),
                Self.prediction("NEW", prediction: 0, at: Self.arrival - 29 * Self.day),
            ])
        let result = join.result
        #expect(result.outcomes.map(\.requestID) == ["NEW"])
        #expect(result.joined == 1 && result.tooOld == 1 && result.unmatched == 1)
    }

    @Test func eachVersionIsJudgedOnItsOwnPrediction() throws {
        // v1's prediction is recent; v2's (a shadow line) is too old: only v1 is credited.
        let join = try Self.join(
            "customer_id,churn\nC1,1\n",
            [
                Self.prediction("C1", version: "1", prediction: 1, at: Self.arrival - Self.day),
                Self.prediction("C1", version: "2", prediction: 0, at: Self.arrival - 40 * Self.day),
            ])
        #expect(join.result.outcomes.map(\.version) == [1])
        #expect(join.result.joined == 1)
    }

    @Test func requestIDAndFileColumnsJoinExactly() throws {
        // A request_id from another service's log (attributed by its ts), and a customer's January prediction
        // named by its file although a later one exists.
        let lab = Self.prediction(
            "req-7f3a", version: "models:/churn_model@production", prediction: 1, at: Self.arrival - 5)
        let join = try Self.join(
            "customer_id,request_id,file,churn\n,req-7f3a,,1\nC1,,jan.csv,0\nC2,,,1\n",
            [
                lab,
                Self.prediction("C1", file: "jan.csv", prediction: 0, at: Self.arrival - 20 * Self.day),
                Self.prediction("C1", file: "feb.csv", prediction: 1, at: Self.arrival - 2 * Self.day),
                Self.prediction(
                    "req-other", version: "models:/churn_model@production", prediction: 1, at: Self.arrival - 5),
            ])
        let result = join.result
        #expect(result.joined == 2 && result.unmatched == 1)
        #expect(result.outcomes.map(\.requestID) == ["req-7f3a", "C1"])
        #expect(result.outcomes.map(\.version) == [1, 1])
        #expect(result.outcomes.last?.file == "jan.csv" && result.outcomes.last?.prediction == 0)
    }

    @Test func labelFilesMayNameTheRequestInsteadOfTheCustomer() throws {
        let batch = try LabelBatch.read(MemorySource("request_id,churn\nr1,1\nr2,0\n,1\n"), schema: .reference)
        #expect(batch.entries.map(\.key.requestID) == ["r1", "r2"])
        #expect(batch.skipped == 1)
        #expect(throws: LabelBatch.Problem.wrongColumns(header: ["file", "churn"], missing: ["customer_id"])) {
            try LabelBatch.read(MemorySource("file,churn\na.csv,1\n"), schema: .reference)
        }
    }
}
