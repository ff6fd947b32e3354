import TOMLKit

extension Config {
    /// Shadow scoring: the `challenger` version scores what the champion scores, into the prediction log only.
    package struct Shadow: Equatable, Sendable {
        /// Score every inbox file with the challenger too (when there is one). Its predictions never reach the
        /// outbox; they are logged with `"alias": "challenger"` for the same sampled rows as the champion's.
        package var enabled = true
        /// A/B serving: this share of rows, chosen by a stable hash of the customer id (`ServingSplit`), is
        /// served by the challenger instead, and says so in `model_version`. 0 (the default) serves every row
        /// with the champion.
        package var serveFraction = 0.0
        package init() {}
    }
}

extension TOMLConfigReader {
    func readShadow(_ section: TOMLTable, into shadow: inout Config.Shadow) throws {
        try checkKeys(section, section: "shadow", allowed: ["enabled", "serve_fraction"])
        try read(section, "shadow", "enabled", into: &shadow.enabled)
        try read(section, "shadow", "serve_fraction", into: &shadow.serveFraction, range: 0...1)
    }
}
