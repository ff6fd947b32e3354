import Testing

@testable import ChurnCore

struct TrainingFingerprintTests {
    static let files = ["aa", "bb"].map { String(repeating: $0, count: 32) }

    static func fingerprint(_ change: (inout Config) -> Void = { _ in }, inputs: [String] = files) -> String {
        var config = Config()
        change(&config)
        return TrainingFingerprint(inputs: inputs, config: config).value
    }

    @Test func theOrderOfTheFilesDoesNotMatterButTheirContentDoes() {
        #expect(Self.fingerprint().count == 64)
        #expect(Self.fingerprint(inputs: Self.files.reversed()) == Self.fingerprint())
        #expect(Self.fingerprint(inputs: [Self.files[0]]) != Self.fingerprint())
        #expect(Self.fingerprint(inputs: Self.files + [Self.files[0]]) != Self.fingerprint())
    }

    @Test(
        "settings that change the model change the fingerprint",
        arguments: [
            "seed", "validation", "test", "missing", "families", "eta", "depth", "rounds", "schema", "model name",
            "cv rows", "folds", "search budget",
        ])
    func settingsThatShapeTheModel(setting: String) {
        let changed = Self.fingerprint { config in
            switch setting {
            case "seed": config.training.seed = 7
            case "validation": config.training.validationFraction = 0.25
            case "test": config.training.testFraction = 0.3
            case "missing": config.training.maxMissingFraction = 0.1
            case "families": config.training.families = [.logisticRegression]
            case "eta": config.xgboost.eta = 0.05
            case "depth": config.xgboost.maxDepth = 4
            case "rounds": config.xgboost.rounds = 100
            case "schema": config.schema.positive = ["yes"]
            case "cv rows": config.training.cvMaxRows = 0
            case "folds": config.training.cvFolds = 10
            case "search budget": config.training.searchBudgetSeconds = 30
            default: config.training.modelName = "other"
            }
        }
        #expect(changed != Self.fingerprint())
    }

    @Test(
        "settings that only judge or run do not",
        arguments: ["gate", "gain", "confidence", "threads", "daemon", "drift", "folders"])
    func settingsThatDoNotShapeTheModel(setting: String) {
        let same = Self.fingerprint { config in
            switch setting {
            case "gate": config.promotion.gateF1 = 0.5
            case "gain": config.promotion.minF1Gain = 0.01
            case "confidence": config.promotion.confidence = 0.95
            case "threads": config.xgboost.nthread = 1
            case "daemon": config.daemon.quietSeconds = 9
            case "drift": config.drift.lastN = 1000
            default: config.paths.watch = "elsewhere"
            }
        }
        #expect(same == Self.fingerprint())
    }

    @Test func anotherChurndVersionIsAnotherFingerprint() {
        #expect(
            TrainingFingerprint(inputs: Self.files, config: Config(), version: "9.9.9").value != Self.fingerprint())
    }
}
