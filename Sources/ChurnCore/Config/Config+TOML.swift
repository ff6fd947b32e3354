import TOMLKit

extension Config {
    /// Parses `churnd.toml` text. Unknown keys and wrong types are errors naming the key and its line.
    package static func parse(toml text: String, file: String) throws -> Config {
        // TOML allows no control character but tab and line ends, anywhere; TOMLKit's parser asserts (aborting a
        // debug build) on some of them, e.g. right after a `[`, so they are refused before it sees them.
        if let (line, column, scalar) = firstControlCharacter(in: text) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            throw ChurnError.config(
                file: file, line: line, key: "syntax",
                message: "control character U+\(String(repeating: "0", count: 4 - code.count))\(code) at column "
                    + "\(column); TOML allows none but tab and line ends")
        }
        // TOMLKit's parser asserts on some mistakes (e.g. `[é]`, `[$x]`, `x = [}`) instead of reporting them, so those
        // are refused first.
        if let problem = TOMLPreflight.firstProblem(in: text) {
            let found =
                switch problem.found {
                case nil: "the end"
                case "\r"?, "\n"?: "the end of the line"
                case let scalar?: "\"\(scalar)\""
                }
            throw ChurnError.config(
                file: file, line: problem.line, key: "syntax",
                message: "expected \(problem.expected) at column \(problem.column), found \(found) (\(problem.hint))")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ChurnError.config(
                file: file, line: error.source.begin.line, key: "syntax", message: error.description)
        }
        let reader = TOMLConfigReader(text: text, file: file)
        var config = Config()
        try reader.checkKeys(
            table, section: nil,
            allowed: [
                "schema", "training", "xgboost", "promotion", "scoring", "paths", "daemon", "drift", "shadow", "live",
                "retention", "mlflow", "registry", "http", "cluster",
            ])
        if let section = try reader.section(table, "schema") {
            try reader.checkKeys(
                section, section: "schema",
                allowed: ["id", "label", "positive", "numeric", "categorical", "missing", "bounds", "normalize"])
            try reader.read(section, "schema", "id", into: &config.schema.id)
            try reader.read(section, "schema", "label", into: &config.schema.label)
            try reader.read(section, "schema", "positive", into: &config.schema.positive)
            try reader.read(section, "schema", "numeric", into: &config.schema.numeric)
            try reader.read(section, "schema", "categorical", into: &config.schema.categorical)
            try reader.read(section, "schema", "missing", into: &config.schema.missing)
            try reader.readInputChecks(section, into: &config.schema)
        }
        if let section = try reader.section(table, "training") {
            try reader.checkKeys(
                section, section: "training",
                allowed: [
                    "model_name", "seed", "validation_fraction", "test_fraction", "max_missing_fraction", "families",
                    "cv_max_rows", "cv_folds", "search_budget_seconds",
                ])
            try reader.read(section, "training", "model_name", into: &config.training.modelName)
            var seed = Int(config.training.seed)
            try reader.read(section, "training", "seed", into: &seed, range: 0...Int.max)
            config.training.seed = UInt64(seed)
            try reader.read(
                section, "training", "validation_fraction", into: &config.training.validationFraction, range: 0.01...0.9
            )
            try reader.read(
                section, "training", "test_fraction", into: &config.training.testFraction, range: 0.01...0.9)
            try reader.read(
                section, "training", "max_missing_fraction", into: &config.training.maxMissingFraction, range: 0...1)
            try reader.read(section, "training", "families", into: &config.training.families)
            try reader.read(
                section, "training", "cv_max_rows", into: &config.training.cvMaxRows, range: 0...100_000_000)
            try reader.read(section, "training", "cv_folds", into: &config.training.cvFolds, range: 2...20)
            try reader.read(
                section, "training", "search_budget_seconds", into: &config.training.searchBudgetSeconds,
                range: 0...86_400)
            if config.training.validationFraction + config.training.testFraction >= 0.95 {
                throw reader.error(
                    "training", "test_fraction", "validation_fraction + test_fraction must leave rows to train on")
            }
            if !config.training.modelName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
                || config.training.modelName.isEmpty
            {
                throw reader.error("training", "model_name", "use letters, digits, '_' and '-' only")
            }
        }
        if let section = try reader.section(table, "xgboost") {
            try reader.readXGBoost(section, into: &config.xgboost)
        }
        if let section = try reader.section(table, "promotion") {
            try reader.checkKeys(
                section, section: "promotion",
                allowed: ["gate_f1", "min_f1_gain", "confidence", "bootstrap_resamples", "bootstrap_max_rows"])
            try reader.read(section, "promotion", "gate_f1", into: &config.promotion.gateF1, range: 0...1)
            try reader.read(section, "promotion", "min_f1_gain", into: &config.promotion.minF1Gain, range: 0...1)
            try reader.read(section, "promotion", "confidence", into: &config.promotion.confidence, range: 0...1)
            try reader.read(
                section, "promotion", "bootstrap_resamples", into: &config.promotion.bootstrapResamples,
                range: 100...100_000)
            try reader.read(
                section, "promotion", "bootstrap_max_rows", into: &config.promotion.bootstrapMaxRows,
                range: 1_000...100_000_000)
        }
        if let section = try reader.section(table, "scoring") {
            try reader.checkKeys(section, section: "scoring", allowed: ["passthrough", "max_record_bytes"])
            try reader.read(section, "scoring", "passthrough", into: &config.scoring.passthrough)
            try reader.read(
                section, "scoring", "max_record_bytes", into: &config.scoring.maxRecordBytes, range: 1024...(1 << 30))
        }
        if let section = try reader.section(table, "paths") {
            try reader.checkKeys(section, section: "paths", allowed: ["watch", "inbox", "outbox", "state"])
            try reader.read(section, "paths", "watch", into: &config.paths.watch)
            try reader.read(section, "paths", "inbox", into: &config.paths.inbox)
            try reader.read(section, "paths", "outbox", into: &config.paths.outbox)
            try reader.read(section, "paths", "state", into: &config.paths.state)
        }
        if let section = try reader.section(table, "drift") {
            try reader.readDrift(section, into: &config.drift)
        }
        if let section = try reader.section(table, "shadow") {
            try reader.readShadow(section, into: &config.shadow)
        }
        if let section = try reader.section(table, "live") {
            try reader.readLive(section, into: &config.live)
        }
        if let section = try reader.section(table, "daemon") {
            try reader.readDaemon(section, into: &config.daemon)
        }
        if let section = try reader.section(table, "retention") {
            try reader.readRetention(section, into: &config.retention)
        }
        if let section = try reader.section(table, "mlflow") {
            try reader.readMLflow(section, into: &config.mlflow)
        }
        if let section = try reader.section(table, "registry") {
            try reader.readRegistry(section, into: &config.registry)
        }
        if config.registry.backend == .mlflow, !config.mlflow.enabled {
            throw reader.error("registry", "backend", "\"mlflow\" needs [mlflow] tracking_uri")
        }
        if let section = try reader.section(table, "cluster") {
            try reader.readCluster(section, into: &config.cluster)
        }
        if config.cluster.role == .scorer, config.registry.backend != .mlflow {
            throw reader.error(
                "cluster", "role",
                "a scorer follows MLflow's aliases: it needs [registry] backend = \"mlflow\" and [mlflow] tracking_uri")
        }
        if config.cluster.sharedInbox, config.cluster.role != .scorer {
            throw reader.error(
                "cluster", "shared_inbox", "only scorers share an inbox: set [cluster] role = \"scorer\"")
        }
        if let section = try reader.section(table, "http") {
            try reader.readHTTP(section, into: &config.http)
        }
        if let problem = config.schema.problems().first {
            throw ChurnError.config(file: file, line: nil, key: "schema", message: problem)
        }
        return config
    }
}

/// Reads typed values out of a TOML table and locates keys in the text for error messages
/// (TOMLKit does not expose source positions of values).
extension Config {
    /// The 1-based line and column (in characters) of the first control character TOML forbids: U+0000–U+001F
    /// except tab, line feed and carriage return, and U+007F.
    static func firstControlCharacter(in text: String) -> (line: Int, column: Int, Unicode.Scalar)? {
        var line = 1
        var column = 0
        for scalar in text.unicodeScalars {
            column += 1
            switch scalar.value {
            case 0x0A:
                line += 1
                column = 0
            case 0x09, 0x0D: continue
            case 0x00...0x1F, 0x7F: return (line, column, scalar)
            default: continue
            }
        }
        return nil
    }
}

struct TOMLConfigReader {
    let lines: [Substring]
    let file: String

    init(text: String, file: String) {
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.file = file
    }

    /// 1-based line where `key` is set inside `[section]` (or at top level), if it can be found.
    func line(section: String?, key: String) -> Int? {
        var current: String?
        for (index, raw) in lines.enumerated() {
            let text = raw.trimmingSpaces()
            if text.hasPrefix("[") {
                let name = text.dropFirst().prefix { $0 != "]" }.trimmingSpaces()
                current = String(name)
                if section == nil, String(name) == key { return index + 1 }
                continue
            }
            guard current == section else { continue }
            let name = text.prefix { $0 != "=" }.trimmingSpaces()
            if text.contains("="), name == key || name == "\"\(key)\"" { return index + 1 }
        }
        return nil
    }

    func error(_ section: String?, _ key: String, _ message: String) -> ChurnError {
        let name = section.map { "\($0).\(key)" } ?? key
        return .config(file: file, line: line(section: section, key: key), key: name, message: message)
    }

    func checkKeys(_ table: TOMLTable, section: String?, allowed: Set<String>) throws {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let choices = allowed.sorted().joined(separator: ", ")
            throw error(section, key, "unknown key; known keys here: \(choices)")
        }
    }

    func section(_ table: TOMLTable, _ name: String) throws -> TOMLTable? {
        guard let value = table[name] else { return nil }
        guard let section = value.table else { throw error(nil, name, "expected a table [\(name)]") }
        return section
    }

    func read(_ table: TOMLTable, _ section: String, _ key: String, into target: inout String) throws {
        guard let value = table[key] else { return }
        guard let string = value.string else { throw error(section, key, "expected a string, found \(value.type)") }
        target = string
    }

    func read(_ table: TOMLTable, _ section: String, _ key: String, into target: inout Bool) throws {
        guard let value = table[key] else { return }
        guard let bool = value.bool else { throw error(section, key, "expected true or false, found \(value.type)") }
        target = bool
    }

    func read(_ table: TOMLTable, _ section: String, _ key: String, into target: inout [String]) throws {
        guard let value = table[key] else { return }
        guard let array = value.array else {
            throw error(section, key, "expected an array of strings, found \(value.type)")
        }
        var strings: [String] = []
        for element in array {
            guard let string = element.string else {
                throw error(section, key, "expected an array of strings, found an element of type \(element.type)")
            }
            strings.append(string)
        }
        target = strings
    }

    func read(_ table: TOMLTable, _ section: String, _ key: String, into target: inout [ModelFamily]) throws {
        guard table[key] != nil else { return }
        var names: [String] = []
        try read(table, section, key, into: &names)
        let known = ModelFamily.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        var families: [ModelFamily] = []
        for name in names {
            guard let family = ModelFamily(rawValue: name) else {
                throw error(section, key, "unknown model family \"\(name)\"; known families: \(known)")
            }
            if !families.contains(family) { families.append(family) }
        }
        guard !families.isEmpty else { throw error(section, key, "name at least one model family: \(known)") }
        target = families
    }

    func readXGBoost(_ table: TOMLTable, into x: inout Config.XGBoost) throws {
        try checkKeys(
            table, section: "xgboost",
            allowed: [
                "nthread", "tree_method", "max_depth", "eta", "rounds", "early_stopping_rounds", "min_child_weight",
                "subsample", "colsample_bytree", "lambda", "max_bin",
            ])
        try read(table, "xgboost", "nthread", into: &x.nthread, range: 0...1024)
        try read(table, "xgboost", "tree_method", into: &x.treeMethod)
        let methods = ["hist", "approx", "exact", "auto"]
        guard methods.contains(x.treeMethod) else {
            throw error(
                "xgboost", "tree_method", "\"\(x.treeMethod)\" is not one of \(methods.joined(separator: ", "))")
        }
        try read(table, "xgboost", "max_depth", into: &x.maxDepth, range: 1...32)
        try read(table, "xgboost", "eta", into: &x.eta, range: 0.0001...1)
        try read(table, "xgboost", "rounds", into: &x.rounds, range: 1...100_000)
        try read(table, "xgboost", "early_stopping_rounds", into: &x.earlyStoppingRounds, range: 0...100_000)
        try read(table, "xgboost", "min_child_weight", into: &x.minChildWeight, range: 0...1e9)
        try read(table, "xgboost", "subsample", into: &x.subsample, range: 0.01...1)
        try read(table, "xgboost", "colsample_bytree", into: &x.colsampleBytree, range: 0.01...1)
        try read(table, "xgboost", "lambda", into: &x.lambda, range: 0...1e9)
        try read(table, "xgboost", "max_bin", into: &x.maxBin, range: 2...65_536)
    }

    func read(
        _ table: TOMLTable, _ section: String, _ key: String, into target: inout Int, range: ClosedRange<Int>
    ) throws {
        guard let value = table[key] else { return }
        guard let int = value.int else { throw error(section, key, "expected an integer, found \(value.type)") }
        guard range.contains(int) else {
            throw error(section, key, "\(int) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        target = int
    }

    func read(
        _ table: TOMLTable, _ section: String, _ key: String, into target: inout Double, range: ClosedRange<Double>
    ) throws {
        guard let value = table[key] else { return }
        guard let number = value.double ?? value.int.map(Double.init) else {
            throw error(section, key, "expected a number, found \(value.type)")
        }
        guard range.contains(number) else {
            throw error(section, key, "\(number) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        target = number
    }
}

extension StringProtocol {
    func trimmingSpaces() -> Substring {
        let scalars = self[...]
        let start = scalars.firstIndex { $0 != " " && $0 != "\t" && $0 != "\r" } ?? scalars.endIndex
        let end = scalars.lastIndex { $0 != " " && $0 != "\t" && $0 != "\r" }.map { scalars.index(after: $0) } ?? start
        return Substring(scalars[start..<Swift.max(start, end)])
    }
}
