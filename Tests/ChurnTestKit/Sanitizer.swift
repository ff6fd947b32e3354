#if canImport(Glibc)
    import Glibc
#endif

/// The sanitizer this test process was built with (`swift test --sanitize=thread|address`), or nil. The
/// daemons the tests start come from the same build folder, so they carry the same one. Found by the runtime's
/// own entry point, which a sanitized program exports and a plain one does not have.
package enum Sanitizer: String, Sendable {
    case thread = "ThreadSanitizer"
    case address = "AddressSanitizer"

    package static let active: Sanitizer? = {
        guard let program = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(program) }
        if dlsym(program, "__tsan_init") != nil { return .thread }
        if dlsym(program, "__asan_init") != nil { return .address }
        return nil
    }()
}
