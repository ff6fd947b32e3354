import Testing

@testable import ChurnCore

struct ConfigTests {
    @Test func theCommentedDefaultFileParsesToTheDefaults() throws {
        #expect(try Config.parse(toml: Config.defaultTOML, file: "churnd.toml") == Config())
    }

    @Test func valuesOverrideDefaults() throws {
        let config = try Config.parse(
            toml: """
                [schema]
                label = "Churn"
                positive = ["Yes"]
                numeric = ["tenure"]
                categorical = []
                [training]
                seed = 9
                """, file: "c.toml")
        #expect(config.schema.label == "Churn")
        #expect(config.schema.positive == ["Yes"])
        #expect(config.schema.features == ["tenure"])
        #expect(config.training.seed == 9)
    }

    @Test(
        "errors name the key and the line",
        arguments: [
            ("[schema]\nlabel = \"x\"\ncolour = 1\n", "c.toml:3: schema.colour: unknown key"),
            ("[training]\n\nseed = \"nine\"\n", "c.toml:3: training.seed: expected an integer, found string"),
            ("[promotion]\ngate_f1 = 2.0\n", "c.toml:2: promotion.gate_f1: 2.0 is out of range"),
            ("[schema]\nnumeric = [1, 2]\n", "c.toml:2: schema.numeric: expected an array of strings"),
            ("[nonsense]\n", "c.toml:1: nonsense: unknown key"),
            ("[schema\n", "c.toml:1: syntax"),
        ])
    func errorsNameKeyAndLine(toml: String, prefix: String) {
        do {
            _ = try Config.parse(toml: toml, file: "c.toml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix(prefix), "\(error)")
        }
    }
}
