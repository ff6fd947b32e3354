import Foundation

// The one JSON form churnd writes and reads: keys sorted, and the non-finite numbers JSON lacks written as
// the strings "inf", "-inf" and "nan".

extension JSONEncoder {
    /// Indented, with slashes left unescaped: model files, drift reports and `--json` output, for people and
    /// programs to read.
    package static func readable() -> JSONEncoder {
        let encoder = churnd()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Compact: stored columns and hashed values, where one value must always give the same bytes.
    package static func canonical() -> JSONEncoder {
        let encoder = churnd()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    private static func churnd() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}

extension JSONDecoder {
    /// Reads what `JSONEncoder.readable()` and `JSONEncoder.canonical()` write.
    package static func churnd() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
