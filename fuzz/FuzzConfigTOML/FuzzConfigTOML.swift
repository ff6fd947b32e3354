import ChurnCore

/// libFuzzer entry point for the `churnd.toml` loader: any text either parses into a configuration or throws
/// a `ChurnError.config` naming the file; nothing else may happen (no trap, no other error).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzConfigTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try Config.parse(toml: text, file: "fuzz.toml")
    } catch let error as ChurnError {
        guard case .config(let file, _, _, let message) = error, file == "fuzz.toml", !message.isEmpty else {
            preconditionFailure("unexpected error: \(error)")
        }
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    return 0
}

/// LeakSanitizer suppressions: TOMLKit 0.6 frees neither a parsed table (`TOMLTable` has no deinit) nor the
/// error buffer of `TOMLTable(string:)`, a few bytes per parse outside churnd (which parses its configuration at
/// start and at each reload); without this the fuzzer stops at its first input.
@_cdecl("__lsan_default_suppressions")
func leakSuppressions() -> UnsafePointer<CChar> {
    UnsafeRawPointer(("leak:TOMLKit\n" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}
