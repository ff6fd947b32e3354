/// Finds the first place in TOML text where TOMLKit's parser would assert (aborting the process, in release builds
/// too) instead of reporting an error, so that `Config.parse` refuses it first with the line and column:
/// - where a key must start and something else does: after a table header's `[` or `[[`, after a `.` in a key,
///   after an inline table's `{` or `,`, and at the start of a statement (e.g. `[é]`, `[$x]`, a `[` that ends its
///   line);
/// - a `}` where an array expects its next value (`x = [}`, `x = [1, }`).
/// Strings and comments are skipped; what is valid is left to the parser.
enum TOMLPreflight {
    struct Problem: Equatable {
        var line: Int
        var column: Int
        var found: Unicode.Scalar?
        /// What was expected there, e.g. "a key".
        var expected: String
        /// What the reader is told after the problem, e.g. what a key may be.
        var hint: String
    }

    static let keyHint = "a key is letters, digits, '_' and '-', or quoted: \"key\""

    static func firstProblem(in text: String) -> Problem? {
        var scanner = Scanner(Array(text.unicodeScalars))
        return scanner.run()
    }

    static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }

    private struct Scanner {
        enum Expecting { case statement, key, nothing }

        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1
        var lineStart = 0
        /// Open `[` (arrays) and `{` (inline tables) of the value being read.
        var brackets: [Unicode.Scalar] = []
        var expecting = Expecting.statement
        /// In a key (of a statement, a header or an inline table): a `.` asks for another key.
        var inKey = false
        /// Right after a header's `[` or `[[`, before its first key: TOMLKit asserts on a line end there.
        var headerOpen = false

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
            if scalars.first == "\u{FEFF}" { index = 1 }
        }

        mutating func run() -> Problem? {
            while index < scalars.count {
                let scalar = scalars[index]
                if headerOpen, scalar == "\r" || scalar == "\n" { return problem("a key") }
                if scalar == " " || scalar == "\t" || scalar == "\r" {
                    index += 1
                    continue
                }
                if scalar == "\n" {
                    newLine()
                    continue
                }
                switch expecting {
                case .statement:
                    if scalar == "#" {
                        skipComment()
                        continue
                    }
                    if scalar == "[" {
                        index += 1
                        if index < scalars.count, scalars[index] == "[" { index += 1 }
                        (expecting, inKey, headerOpen) = (.key, true, true)
                        continue
                    }
                    guard isKeyStart(scalar) else { return problem("a key, a [table] or a comment") }
                    (expecting, inKey) = (.nothing, true)
                case .key:
                    if scalar == "}", brackets.last == "{", scalars[index - 1] != "," {
                        expecting = .nothing  // `{}`, an empty inline table
                        continue
                    }
                    guard isKeyStart(scalar) else { return problem("a key") }
                    (expecting, headerOpen) = (.nothing, false)
                case .nothing:
                    if scalar == "}", brackets.last == "[" {
                        return problem("a value, ',' or ']'", hint: "an array closes with ']'")
                    }
                }
                step(scalar)
            }
            return nil
        }

        private func isKeyStart(_ scalar: Unicode.Scalar) -> Bool {
            isBareKeyCharacter(scalar) || scalar == "\"" || scalar == "'"
        }

        /// Moves past one token that starts with `scalar` (a string, a comment, or one character).
        private mutating func step(_ scalar: Unicode.Scalar) {
            switch scalar {
            case "\"", "'":
                skipString(quote: scalar)
                return
            case "#":
                skipComment()
                return
            case "." where inKey:
                expecting = .key
            case "=":
                inKey = false
            case "[" where !inKey:
                brackets.append("[")
            case "{" where !inKey:
                brackets.append("{")
                (expecting, inKey) = (.key, true)
            case "]" where !inKey, "}":
                _ = brackets.popLast()
            case "]":
                inKey = false  // the end of a table header
            case "," where brackets.last == "{":
                (expecting, inKey) = (.key, true)
            default:
                break
            }
            index += 1
        }

        private mutating func newLine() {
            index += 1
            line += 1
            lineStart = index
            if brackets.isEmpty { (expecting, inKey) = (.statement, false) }
        }

        private mutating func skipComment() {
            while index < scalars.count, scalars[index] != "\n" { index += 1 }
        }

        /// Skips a basic or literal string, one-line or multi-line, counting the lines it spans.
        private mutating func skipString(quote: Unicode.Scalar) {
            let multiLine = index + 2 < scalars.count && scalars[index + 1] == quote && scalars[index + 2] == quote
            index += multiLine ? 3 : 1
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "\\", quote == "\"" {
                    index += 2
                    continue
                }
                if scalar == "\n" {
                    if !multiLine { return }  // an unterminated string: the parser reports it
                    index += 1
                    line += 1
                    lineStart = index
                    continue
                }
                if scalar == quote {
                    if !multiLine {
                        index += 1
                        return
                    }
                    if index + 2 < scalars.count, scalars[index + 1] == quote, scalars[index + 2] == quote {
                        index += 3
                        // Up to two more quotes belong to the string (`""""` ends with a quote inside it).
                        while index < scalars.count, scalars[index] == quote { index += 1 }
                        return
                    }
                }
                index += 1
            }
        }

        private func problem(_ expected: String, hint: String = keyHint) -> Problem {
            Problem(line: line, column: index - lineStart + 1, found: scalars[index], expected: expected, hint: hint)
        }
    }
}
