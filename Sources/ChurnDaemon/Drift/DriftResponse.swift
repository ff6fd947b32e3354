import ChurnCore

/// What the daemon does about a drift check, as a state machine apart from any I/O: on an alert,
/// act once per policy, then hold off while the same version serves, so a persisting alert does not roll
/// back version after version. A new version serving (promoted by training or by hand) re-arms it.
///
/// A rollback is kept in the registry (an audited move whose cause is the drift alert), and the daemon starts
/// with `actedWhileServing` set from it, so a restart never rolls back again for the same alert. Alert-only
/// and retrain responses are remembered for the process's lifetime only: repeating one after a restart logs
/// the alert once more, and a retraining request is turned down when the data was already trained on.
struct DriftResponse: Equatable, Sendable {
    /// The version serving right after the last action; no new action while it still serves.
    var actedWhileServing: Int?

    init(actedWhileServing: Int? = nil) {
        self.actedWhileServing = actedWhileServing
    }

    enum Action: Equatable, Sendable {
        case none
        /// An alert, already acted on for this serving version.
        case holdOff(since: Int)
        case alertOnly
        /// Roll production back; retrain afterwards when the data in `watch/data` was not trained on yet.
        case rollback(retrain: Bool)
        case retrain
    }

    mutating func decide(alert: Bool, serving: Int, policy: Config.Drift.Policy, hasNewData: Bool) -> Action {
        if let acted = actedWhileServing, acted != serving { actedWhileServing = nil }
        guard alert else { return .none }
        if let acted = actedWhileServing { return .holdOff(since: acted) }
        switch policy {
        case .alert:
            return .alertOnly
        case .retrain:
            return hasNewData ? .retrain : .alertOnly
        case .rollback:
            return .rollback(retrain: hasNewData)
        }
    }

    /// Records that an action left `serving` in production (the version rolled back to, or the one kept).
    mutating func acted(nowServing serving: Int) {
        actedWhileServing = serving
    }
}
