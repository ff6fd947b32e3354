import TOMLKit

extension Config {
    /// How `churnd run` schedules its work (the `[daemon]` section).
    package struct Daemon: Equatable, Sendable {
        /// Files scored in parallel; 0 means the number of CPU cores (at least 2).
        package var workers = 0
        /// Training starts this long after the last new labeled file...
        package var quietSeconds = 5.0
        /// ...but no later than this after the first file of a burst.
        package var maxQuietSeconds = 60.0
        /// Reconciliation scan of the inbox, for anything the watcher missed.
        package var scanIntervalSeconds = 60.0
        /// Poll the folders instead of using inotify (network and FUSE file systems).
        package var polling = false
        package var pollIntervalSeconds = 2.0
        /// On SIGTERM, files in hand get this long to finish; after that they are left for the next start.
        package var shutdownGraceSeconds = 10.0
        /// Bound on the whole graceful stop; past it, what still runs is cancelled (see `stopBoundSeconds`).
        package var stopTimeoutSeconds = 25.0
        package init() {}

        /// How long a graceful stop may take before the daemon cancels what still runs: `stop_timeout_seconds`,
        /// but always at least 5 s more than the files' grace period.
        package var stopBoundSeconds: Double { max(stopTimeoutSeconds, shutdownGraceSeconds + 5) }
    }
}

extension TOMLConfigReader {
    func readDaemon(_ section: TOMLTable, into daemon: inout Config.Daemon) throws {
        try checkKeys(
            section, section: "daemon",
            allowed: [
                "workers", "quiet_seconds", "max_quiet_seconds", "scan_interval_seconds", "polling",
                "poll_interval_seconds", "shutdown_grace_seconds", "stop_timeout_seconds",
            ])
        try read(section, "daemon", "workers", into: &daemon.workers, range: 0...256)
        try read(section, "daemon", "quiet_seconds", into: &daemon.quietSeconds, range: 0...3600)
        try read(section, "daemon", "max_quiet_seconds", into: &daemon.maxQuietSeconds, range: 0...86400)
        try read(section, "daemon", "scan_interval_seconds", into: &daemon.scanIntervalSeconds, range: 0.1...86400)
        try read(section, "daemon", "polling", into: &daemon.polling)
        try read(section, "daemon", "poll_interval_seconds", into: &daemon.pollIntervalSeconds, range: 0.1...3600)
        try read(section, "daemon", "shutdown_grace_seconds", into: &daemon.shutdownGraceSeconds, range: 0...3600)
        try read(section, "daemon", "stop_timeout_seconds", into: &daemon.stopTimeoutSeconds, range: 1...86400)
        if daemon.maxQuietSeconds < daemon.quietSeconds {
            throw error("daemon", "max_quiet_seconds", "must be at least quiet_seconds (\(daemon.quietSeconds))")
        }
    }
}
