import ChurnTestKit
import Testing

@testable import ChurnCore

struct ConfigTests {
    @Test func theCommentedDefaultFileParsesToTheDefaultsPlusTheLabsInputChecks() throws {
        #expect(try Config.parse(toml: Config.defaultTOML, file: "churnd.toml") == Config.initial)
        var expected = Config()
        expected.schema.bounds = Schema.labBounds
        expected.schema.normalize = Schema.labNormalization
        #expect(Config.initial == expected)
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

    @Test func promotionKeysOverrideDefaults() throws {
        let config = try Config.parse(
            toml:
                "[promotion]\nmin_f1_gain = 0.01\nconfidence = 0.95\nbootstrap_resamples = 2000\nbootstrap_max_rows = 5000\n",
            file: "c.toml")
        #expect(config.promotion.minF1Gain == 0.01)
        #expect(config.promotion.confidence == 0.95)
        #expect(config.promotion.bootstrapResamples == 2000)
        #expect(config.promotion.bootstrapMaxRows == 5000)
        #expect(config.promotion.gateF1 == 0.65)
    }

    @Test func liveKeysOverrideDefaults() throws {
        let config = try Config.parse(
            toml: "[live]\npromote_challenger = false\nmin_live_rows = 50\nwindow_rows = 100\n", file: "c.toml")
        #expect(!config.live.promoteChallenger && config.live.minLiveRows == 50 && config.live.windowRows == 100)
        #expect(Config().live.promoteChallenger && Config().live.minLiveRows == 500)
    }

    @Test func labelsOlderThanTheConfiguredAgeAreNotCredited() throws {
        #expect(Config().live.maxLabelAgeDays == 30)
        #expect(try Config.parse(toml: "[live]\nmax_label_age_days = 7\n", file: "c.toml").live.maxLabelAgeDays == 7)
        #expect(
            try Config.parse(toml: "[live]\nmax_label_age_days = 0.5\n", file: "c.toml").live.maxLabelAgeDays == 0.5)
    }

    @Test func shadowScoringCanBeTurnedOffAndServingSplit() throws {
        #expect(Config().shadow.enabled && Config().shadow.serveFraction == 0)
        #expect(try !Config.parse(toml: "[shadow]\nenabled = false\n", file: "c.toml").shadow.enabled)
        #expect(
            try Config.parse(toml: "[shadow]\nserve_fraction = 0.25\n", file: "c.toml").shadow.serveFraction == 0.25)
    }

    @Test func crossValidationKeysOverrideDefaults() throws {
        #expect(Config().training.cvMaxRows == 100_000 && Config().training.cvFolds == 5)
        #expect(Config().training.searchBudgetSeconds == 5)
        let config = try Config.parse(
            toml: "[training]\ncv_max_rows = 0\ncv_folds = 10\nsearch_budget_seconds = 30\n", file: "c.toml")
        #expect(config.training.cvMaxRows == 0 && config.training.cvFolds == 10)
        #expect(config.training.searchBudgetSeconds == 30)
    }

    @Test func theTestsSingleSplitSwitchTurnsCrossValidationOffAndKeepsTheRest() throws {
        // The switch the tests that are not about model quality train with (ChurnTestKit's SingleSplit).
        let cases: [(String, Config)] = [
            ("", Config()), (Config.defaultTOML, Config.initial),
            (
                "[drift]\ninterval_seconds = 60\n[training]\nseed = 7\n",
                try Config.parse(
                    toml: "[drift]\ninterval_seconds = 60\n[training]\nseed = 7\n", file: "c.toml")
            ),
            ("[training]\ncv_max_rows = 500\nseed = 3", try Config.parse(toml: "[training]\nseed = 3", file: "c.toml")),
        ]
        for (toml, plain) in cases {
            let config = try Config.parse(toml: SingleSplit.toml(toml), file: "c.toml")
            #expect(config.training.cvMaxRows == 0, "\(toml)")
            #expect(config == plain.singleSplit, "\(toml)")
        }
    }

    @Test func retentionKeysOverrideDefaultsAndZeroKeepsEverything() throws {
        #expect(Config().retention.archiveDays == 30 && Config().retention.reportsKeep == 1000)
        let config = try Config.parse(toml: "[retention]\narchive_days = 0\nreports_keep = 5\n", file: "c.toml")
        #expect(config.retention.archiveDays == 0 && config.retention.reportsKeep == 5)
    }

    @Test(
        "errors name the key and the line",
        arguments: [
            ("[schema]\nlabel = \"x\"\ncolour = 1\n", "c.toml:3: schema.colour: unknown key"),
            ("[training]\n\nseed = \"nine\"\n", "c.toml:3: training.seed: expected an integer, found string"),
            ("[promotion]\ngate_f1 = 2.0\n", "c.toml:2: promotion.gate_f1: 2.0 is out of range"),
            ("[promotion]\n\nconfidence = 1.5\n", "c.toml:3: promotion.confidence: 1.5 is out of range"),
            ("[promotion]\nbootstrap_resamples = 10\n", "c.toml:2: promotion.bootstrap_resamples: 10 is out of range"),
            ("[promotion]\nmin_gain = 0.1\n", "c.toml:2: promotion.min_gain: unknown key"),
            ("[schema]\nnumeric = [1, 2]\n", "c.toml:2: schema.numeric: expected an array of strings"),
            ("[nonsense]\n", "c.toml:1: nonsense: unknown key"),
            ("[shadow]\n\nenabled = 1\n", "c.toml:3: shadow.enabled: expected true or false"),
            ("[shadow]\nsample = 1\n", "c.toml:2: shadow.sample: unknown key"),
            ("[shadow]\nserve_fraction = 1.5\n", "c.toml:2: shadow.serve_fraction: 1.5 is out of range"),
            ("[live]\nmin_live_rows = 0\n", "c.toml:2: live.min_live_rows: 0 is out of range"),
            ("[live]\nmax_label_age_days = 0\n", "c.toml:2: live.max_label_age_days: 0.0 is out of range"),
            ("[live]\nmax_label_age_days = \"a month\"\n", "c.toml:2: live.max_label_age_days: expected a number"),
            (
                "[live]\nmin_live_rows = 600\nwindow_rows = 500\n",
                "c.toml:2: live.min_live_rows: 600 is more than window_rows (500)"
            ),
            ("[retention]\narchive_days = -1\n", "c.toml:2: retention.archive_days: -1 is out of range"),
            ("[training]\ncv_folds = 1\n", "c.toml:2: training.cv_folds: 1 is out of range"),
            ("[training]\ncv_max_rows = -5\n", "c.toml:2: training.cv_max_rows: -5 is out of range"),
            ("[training]\nsearch_budget_seconds = \"4s\"\n", "c.toml:2: training.search_budget_seconds: expected"),
            ("[retention]\nreports_keep = 1.5\n", "c.toml:2: retention.reports_keep: expected an integer"),
            ("[retention]\nkeep_days = 3\n", "c.toml:2: retention.keep_days: unknown key"),
            ("[schema\n", "c.toml:1: syntax"),
            // Found by the fuzzer: TOMLKit aborted (an assertion of its parser) on a control character after `[`.
            ("[\u{0C}= 0", "c.toml:1: syntax: control character U+000C at column 2; TOML allows none but tab"),
            ("[training]\n[\u{7F}]\n", "c.toml:2: syntax: control character U+007F at column 2"),
            ("# a comment\u{01}\n", "c.toml:1: syntax: control character U+0001 at column 12"),
            // Found by the fuzzer: TOMLKit aborted on a key starting with a character a key cannot start with.
            ("[\u{E9}x]\n", "c.toml:1: syntax: expected a key at column 2, found \"\u{E9}\""),
            ("[training]\n[$chema]\n", "c.toml:2: syntax: expected a key at column 2, found \"$\""),
            ("[training. $x]\n", "c.toml:1: syntax: expected a key at column 12, found \"$\""),
            ("[[ %a]]\n", "c.toml:1: syntax: expected a key at column 4, found \"%\""),
            ("[schema]\nbounds = { a = 1, ? = 2 }\n", "c.toml:2: syntax: expected a key at column 19, found \"?\""),
            ("[schema]\n\u{E9} = 1\n", "c.toml:2: syntax: expected a key, a [table] or a comment at column 1"),
            // Found by the fuzzer too: a header's `[` or `[[` with nothing after it on its line.
            ("[\nworkers = \"four\"\n", "c.toml:1: syntax: expected a key at column 2, found the end of the line"),
            ("[training]\n[[ \r\nx]]\n", "c.toml:2: syntax: expected a key at column 4, found the end of the line"),
            // Found by the fuzzer (in CI): a `}` where an array expects its next value.
            ("[schema]\nnumeric = [}\n", "c.toml:2: syntax: expected a value, ',' or ']' at column 12, found \"}\""),
            ("a = [1,\n  # c\n  }\n", "c.toml:3: syntax: expected a value, ',' or ']' at column 3, found \"}\" (an"),
            ("a = [[[[}[[\"x\"\n", "c.toml:1: syntax: expected a value, ',' or ']' at column 9, found \"}\""),
            ("a = [{ b = [ { } }]\n", "c.toml:1: syntax: expected a value, ',' or ']' at column 18, found \"}\""),
        ])
    func errorsNameKeyAndLine(toml: String, prefix: String) {
        Self.expectError(toml: toml, prefix: prefix)
    }

    @Test func theKeyCheckLetsEveryValidConstructThrough() {
        let valid = [
            Config.defaultTOML,
            "a = 1\n\"quoted key\" = 2\n'literal' = 3\na.b . c = 4\n",
            "[ t . \"u\" ]\nx = [1, [2, 3], { a = 1, b.c = [4] }, {}]\ny = { }\n",
            "[[arr]]\nz = \"\"\"\nmulti [é] line \"\" \\\" \"\"\"\nw = '''[$x]\n'''\n",
            "\u{FEFF}# é in a comment\n[a]  # [é]\nk = \"é[$\" # x\nm = [\n  1, # c\n  2,\n]\n",
            "d = 1979-05-27T07:32:00Z\nf = -1.5e3\ng = inf\n",
        ]
        for text in valid { #expect(TOMLPreflight.firstProblem(in: text) == nil, "\(text)") }
    }

    /// Parsing `toml` (as `c.toml`) fails with an error starting with `prefix`.
    static func expectError(toml: String, prefix: String) {
        do {
            _ = try Config.parse(toml: toml, file: "c.toml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix(prefix), "\(error)")
        }
    }
}

/// `[cluster]`: roles, node names, the shared inbox, and the settings they need.
struct ClusterConfigTests {
    private static let mlflow = """
        [mlflow]
        tracking_uri = "http://127.0.0.1:5000"
        [registry]
        backend = "mlflow"

        """

    @Test(arguments: [("all", Config.Cluster.Role.all), ("trainer", .trainer), ("scorer", .scorer)])
    func rolesParse(text: String, role: Config.Cluster.Role) throws {
        let config = try Config.parse(toml: Self.mlflow + "[cluster]\nrole = \"\(text)\"\n", file: "churnd.toml")
        #expect(config.cluster.role == role)
        #expect(config.cluster.trains == (role != .scorer))
        #expect(config.cluster.scores == (role != .trainer))
    }

    @Test(
        arguments: [
            ("[cluster]\nrole = \"worker\"\n", "use \"all\", \"trainer\" or \"scorer\""),
            ("[cluster]\nrole = \"scorer\"\n", "needs [registry] backend = \"mlflow\""),
            ("[cluster]\nshared_inbox = true\n", "only scorers share an inbox"),
            ("[cluster]\nnode = \"../a\"\n", "is not a node name"),
            ("[cluster]\nnodes = \"a\"\n", "nodes"),
        ])
    func badClusterSettingsAreRefusedWithTheReason(text: String, message: String) throws {
        let error = #expect(throws: ChurnError.self) { try Config.parse(toml: text, file: "churnd.toml") }
        #expect("\(error.map { "\($0)" } ?? "")".contains(message), "\(error.map { "\($0)" } ?? "")")
    }

    @Test func aScorerOnASharedInboxParses() throws {
        let config = try Config.parse(
            toml: Self.mlflow + "[cluster]\nrole = \"scorer\"\nnode = \"scorer-1\"\nshared_inbox = true\n",
            file: "churnd.toml")
        #expect(config.cluster.node == "scorer-1")
        #expect(config.cluster.sharedInbox)
    }
}
