extension Config {
    /// Keys whose values differ from `old`, named as in `churnd.toml` (`drift.interval_seconds`), in file order:
    /// what a reload changed.
    package func changedKeys(from old: Config) -> [String] {
        var new: [(String, String)] = []
        var before: [String: String] = [:]
        Self.flatten(self, prefix: "", into: &new)
        var flatOld: [(String, String)] = []
        Self.flatten(old, prefix: "", into: &flatOld)
        for (key, value) in flatOld { before[key] = value }
        return new.filter { before[$0.0] != $0.1 }.map(\.0)
    }

    /// Every setting as (`section.key`, value text), walking the configuration's nested structs.
    static func flatten(_ value: Any, prefix: String, into result: inout [(String, String)]) {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .struct, !mirror.children.isEmpty else {
            result.append((prefix, String(describing: value)))
            return
        }
        for child in mirror.children {
            guard let label = child.label else { continue }
            let key = snakeCase(label)
            flatten(child.value, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &result)
        }
    }

    /// `intervalSeconds` → `interval_seconds`, `gateF1` → `gate_f1`, `minBinPSI` → `min_bin_psi`: Swift names
    /// to the file's keys (an acronym stays one word).
    static func snakeCase(_ name: String) -> String {
        var text = ""
        var previousWasUpper = false
        for character in name {
            if character.isUppercase {
                if !previousWasUpper, !text.isEmpty { text += "_" }
                text += character.lowercased()
            } else {
                text.append(character)
            }
            previousWasUpper = character.isUppercase
        }
        return text
    }
}
