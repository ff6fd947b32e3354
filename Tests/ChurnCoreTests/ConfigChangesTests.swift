import Foundation
import Testing

@testable import ChurnCore

/// A reload names the keys that changed, spelled as in churnd.toml.
struct ConfigChangesTests {
    @Test func changedKeysAreNamedAsInTheFile() throws {
        let old = Config()
        var new = old
        new.drift.intervalSeconds = 60
        new.promotion.gateF1 = 0.7
        new.schema.missing = ["", "?"]
        new.training.families = [.xgboost]
        new.drift.minBinPSI = 0.2
        #expect(
            new.changedKeys(from: old) == [
                "schema.missing", "training.families", "promotion.gate_f1", "drift.interval_seconds",
                "drift.min_bin_psi",
            ])
        #expect(old.changedKeys(from: old).isEmpty)
    }

    /// Every key the comparison can name is a key of the file `churnd init` writes, in its section, so a
    /// renamed property cannot make a reload report a key nobody can find.
    @Test func everyComparedKeyIsAKeyOfTheConfigFile() throws {
        var keys: [(String, String)] = []
        Config.flatten(Config(), prefix: "", into: &keys)
        var section = ""
        var fileKeys: Set<String> = []
        for line in Config.defaultTOML.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("[") {
                section = String(text.dropFirst().prefix { $0 != "]" })
                fileKeys.insert(section)  // a table such as [schema.bounds] is itself a key of its section
            } else if !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") {
                fileKeys.insert("\(section).\(text[..<equals].trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(keys.count > 40)
        #expect(keys.map(\.0).filter { !fileKeys.contains($0) } == [])
    }
}
