#if canImport(Glibc)
    import Glibc
#endif

/// XGBoost trains on libgomp threads that, by default, spin for a while after each parallel region. The
/// daemon trains while it scores inbox files, on two cores, so spinning threads would take the CPU the
/// scoring workers need (when libxgboost still predicted for churnd, passive waiting cut scoring 1M rows with
/// 200 trees from 2.7 s to 1.9–2.1 s beside the parser). `churnd train` cross-validates small data with many
/// short boosting runs, each a few parallel regions per round: with the spinning default and another busy
/// process on the machine, a 5,000-row training took 386 s where passive waiting took 18–25 s.
///
/// libgomp reads `OMP_WAIT_POLICY` in its load-time constructor. It is loaded with libxgboost, which churnd
/// opens at its first call to XGBoost (CXGBoost), so setting the variable before that is enough; a value the
/// user set is kept. (Until libxgboost was opened on first use, it was loaded before `main`, and churnd started
/// itself over with the variable set.)
enum OpenMP {
    static func preferPassiveWaiting() {
        guard getenv("OMP_WAIT_POLICY") == nil else { return }
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1)
    }
}
