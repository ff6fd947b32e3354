import TOMLKit

extension Config {
    /// Shadow scoring: the `challenger` version scores what the champion scores, into the prediction log only.
    public struct Shadow: Equatable, Sendable {
        /// Score every inbox file with the challenger too (when there is one). Its predictions never reach the
        /// outbox; they are logged with `"alias": "challenger"` for the same sampled rows as the champion's.
        public var enabled = true
        public init() {}
    }
}

extension TOMLConfigReader {
    func readShadow(_ section: TOMLTable, into shadow: inout Config.Shadow) throws {
        try checkKeys(section, section: "shadow", allowed: ["enabled"])
        try read(section, "shadow", "enabled", into: &shadow.enabled)
    }
}
