#if canImport(Glibc)
    import Glibc
#endif

/// XGBoost predicts on libgomp threads that, by default, spin for a while after each parallel region. While
/// churnd parses the next batch on its own thread, on two cores, those spinning threads take the CPU the
/// parser needs: scoring 1M rows with 200 trees took 2.7 s, and 1.9–2.1 s with passive waiting. libgomp reads
/// `OMP_WAIT_POLICY` in its load-time constructor, before `main`, so the only way to set it from inside is to
/// set it and start over: this re-executes churnd once with `OMP_WAIT_POLICY=PASSIVE`. A value the user set
/// is kept; when re-executing fails, churnd simply goes on with the default.
enum OpenMP {
    static func preferPassiveWaiting() {
        guard getenv("OMP_WAIT_POLICY") == nil else { return }
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1)
        var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        arguments.append(nil)
        execv("/proc/self/exe", arguments)
        // Only reached when execv failed: carry on in this process.
        for pointer in arguments { free(pointer) }
    }
}
