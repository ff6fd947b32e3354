#if canImport(Glibc)
    import Glibc
#endif

/// XGBoost trains on libgomp threads that, by default, spin for a while after each parallel region. The
/// daemon trains while it scores inbox files, on two cores, so spinning threads would take the CPU the
/// scoring workers need (when libxgboost still predicted for churnd, passive waiting cut scoring 1M rows with
/// 200 trees from 2.7 s to 1.9–2.1 s beside the parser). `churnd train` cross-validates small data with many
/// short boosting runs, each a few parallel regions per round: with the spinning default and another busy
/// process on the machine, a 5,000-row training took 386 s where passive waiting took 18–25 s. libgomp reads `OMP_WAIT_POLICY` in its load-time
/// constructor, before `main`, so the only way to set it from inside is to set it and start over: this
/// re-executes churnd once with `OMP_WAIT_POLICY=PASSIVE`. A value the user set is kept; when re-executing
/// fails, churnd simply goes on with the default.
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
