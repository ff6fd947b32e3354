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
