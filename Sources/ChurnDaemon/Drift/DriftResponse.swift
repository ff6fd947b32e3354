import ChurnCore

/// What the daemon does about a drift check, as a state machine apart from any I/O (SPEC §8): on an alert,
/// act once per policy, then hold off while the same version serves, so a persisting alert does not roll
/// back version after version. A new version serving (promoted by training or by hand) re-arms it.
struct DriftResponse: Codable, Equatable, Sendable {
    /// The version serving right after the last action; no new action while it still serves.
    var actedWhileServing: Int?

    enum Action: Equatable, Sendable {
        case none
        /// An alert, already acted on for this serving version.
        case holdOff(since: Int)
        case alertOnly
        /// Roll production back; retrain afterwards when new data is present.
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
