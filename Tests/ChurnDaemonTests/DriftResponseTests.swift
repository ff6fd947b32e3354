import ChurnCore
import Testing

@testable import ChurnDaemon

struct DriftResponseTests {
    @Test func noAlertNoAction() {
        var response = DriftResponse()
        #expect(response.decide(alert: false, serving: 2, policy: .rollback, hasNewData: true) == .none)
    }

    @Test func anAlertRollsBackOnceAndHoldsOffWhileTheVersionRolledBackToServes() {
        var response = DriftResponse()
        #expect(
            response.decide(alert: true, serving: 2, policy: .rollback, hasNewData: true) == .rollback(retrain: true))
        response.acted(nowServing: 1)
        // The alert persists on v1's records: no second rollback for the same alert.
        #expect(response.decide(alert: true, serving: 1, policy: .rollback, hasNewData: true) == .holdOff(since: 1))
        #expect(response.decide(alert: false, serving: 1, policy: .rollback, hasNewData: true) == .none)
        #expect(response.decide(alert: true, serving: 1, policy: .rollback, hasNewData: false) == .holdOff(since: 1))
        // A new version is promoted: the monitor is armed again.
        #expect(
            response.decide(alert: true, serving: 3, policy: .rollback, hasNewData: false) == .rollback(retrain: false))
    }

    @Test(
        "policies",
        arguments: [
            (Config.Drift.Policy.alert, true, DriftResponse.Action.alertOnly),
            (.retrain, true, .retrain), (.retrain, false, .alertOnly),
            (.rollback, false, .rollback(retrain: false)),
        ])
    func policies(policy: Config.Drift.Policy, hasNewData: Bool, expected: DriftResponse.Action) {
        var response = DriftResponse()
        #expect(response.decide(alert: true, serving: 4, policy: policy, hasNewData: hasNewData) == expected)
    }
}
