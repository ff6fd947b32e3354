import Testing

@testable import ChurnDaemon

/// The systemd STATUS= line: what serves, what is in hand, and how the last training run ended.
struct DaemonStatusTests {
    private func line(_ change: (inout DaemonStatus.Snapshot) -> Void) -> String {
        var snapshot = DaemonStatus.Snapshot()
        change(&snapshot)
        return snapshot.line(clock: { _ in "12:03" })
    }

    @Test(arguments: [
        (TrainingNote(outcome: .promoted, version: 4, champion: 3, finishedAt: 0), "last training 12:03 promoted v4"),
        (TrainingNote(outcome: .kept, version: 5, champion: 3, finishedAt: 0), "last training 12:03 kept v3 over v5"),
        (
            TrainingNote(outcome: .refused, version: nil, champion: 3, finishedAt: 0),
            "last training 12:03 refused: not promotable"
        ),
        (TrainingNote(outcome: .failed, version: nil, champion: nil, finishedAt: 0), "last training 12:03 failed"),
    ])
    func theLastRunIsNamedByItsOutcome(note: TrainingNote, expected: String) {
        let text = line {
            $0.serving = 3
            $0.lastTraining = note
        }
        #expect(text == "serving v3 · 0 files in progress · \(expected)")
    }

    @Test func aRunningTrainingHidesTheLastOne() {
        let text = line {
            $0.inProgress = 1
            $0.waiting = 2
            $0.training = true
            $0.lastTraining = TrainingNote(outcome: .promoted, version: 1, champion: nil, finishedAt: 0)
        }
        #expect(text == "no production model yet · 1 file in progress · 2 waiting · training")
    }
}
