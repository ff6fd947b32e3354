import TOMLKit

/// `[schema.bounds]` and `[schema.normalize]`: the checks the Python lab's API made on its inputs.
///
/// ```toml
/// [schema.bounds]
/// tenure_months = [0, 200]          # inclusive [min, max]
/// num_complaints = { min = 0 }      # one side only
/// [schema.normalize]
/// plan_type = "lower"               # "trim", "lower" or "upper"
/// ```
extension TOMLConfigReader {
    func readInputChecks(_ schemaTable: TOMLTable, into schema: inout Schema) throws {
        if let value = schemaTable["bounds"] {
            guard let table = value.table else {
                throw error("schema", "bounds", "expected a table [schema.bounds] of column = [min, max]")
            }
            var bounds: [String: Bounds] = [:]
            for key in table.keys.sorted() {
                guard schema.numeric.contains(key) else {
                    throw error(
                        "schema.bounds", key,
                        "not a numeric column of the schema; numeric columns: \(schema.numeric.joined(separator: ", "))"
                    )
                }
                bounds[key] = try readBounds(table, key)
            }
            schema.bounds = bounds
        }
        if let value = schemaTable["normalize"] {
            guard let table = value.table else {
                throw error("schema", "normalize", "expected a table [schema.normalize] of column = \"lower\"")
            }
            let choices = CategoryNormalization.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            var normalize: [String: CategoryNormalization] = [:]
            for key in table.keys.sorted() {
                guard schema.categorical.contains(key) else {
                    throw error(
                        "schema.normalize", key,
                        "not a categorical column of the schema; categorical columns: "
                            + schema.categorical.joined(separator: ", "))
                }
                guard let text = table[key]?.string else {
                    throw error(
                        "schema.normalize", key, "expected one of \(choices), found \(table[key]?.type ?? .table)")
                }
                guard let choice = CategoryNormalization(rawValue: text) else {
                    throw error("schema.normalize", key, "\"\(text)\" is not one of \(choices)")
                }
                normalize[key] = choice
            }
            schema.normalize = normalize
        }
    }

    /// `[min, max]` or `{ min = …, max = … }` (either key may be left out); `inf` / `-inf` leave a side open.
    private func readBounds(_ table: TOMLTable, _ key: String) throws -> Bounds {
        let expected = "expected [min, max] or { min = …, max = … }"
        func number(_ value: any TOMLValueConvertible) -> Double? {
            guard let number = value.double ?? value.int.map(Double.init), !number.isNaN else { return nil }
            return number
        }
        var bounds = Bounds()
        if let array = table[key]?.array {
            guard array.count == 2, let lower = number(array[0]), let upper = number(array[1]) else {
                throw error("schema.bounds", key, "\(expected), found an array that is not two numbers")
            }
            bounds = Bounds(min: lower.isInfinite ? nil : lower, max: upper.isInfinite ? nil : upper)
        } else if let inner = table[key]?.table {
            for name in inner.keys.sorted() where name != "min" && name != "max" {
                throw error("schema.bounds", key, "unknown key \"\(name)\"; known keys here: max, min")
            }
            for name in ["min", "max"] {
                guard let value = inner[name] else { continue }
                guard let limit = number(value) else {
                    throw error("schema.bounds", key, "\(name): expected a number, found \(value.type)")
                }
                if name == "min" {
                    bounds.min = limit.isInfinite ? nil : limit
                } else {
                    bounds.max = limit.isInfinite ? nil : limit
                }
            }
        } else {
            throw error("schema.bounds", key, "\(expected), found \(table[key]?.type ?? .table)")
        }
        if let lower = bounds.min, let upper = bounds.max, lower > upper {
            throw error(
                "schema.bounds", key,
                "the minimum \(NumberFormat.plain(lower)) is above the maximum \(NumberFormat.plain(upper))")
        }
        return bounds
    }
}
