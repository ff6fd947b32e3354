import CSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's side of systemd's notify protocol (sd_notify(3)), through libsystemd. Without NOTIFY_SOCKET
/// every call does nothing.
package struct SystemdNotifier: Sendable {
    package init() {}

    package var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    package func ready() { send("READY=1") }
    package func stopping() { send("STOPPING=1") }
    package func watchdog() { send("WATCHDOG=1") }

    package func status(_ text: String) {
        send("STATUS=" + text.replacingNewlines())
    }

    /// Half the watchdog timeout systemd set for us (WATCHDOG_USEC), or nil when there is no watchdog.
    package var watchdogPingInterval: Double? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return Double(microseconds) / 2_000_000
    }

    private func send(_ state: String) {
        guard isEnabled else { return }
        _ = sd_notify(0, state)
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
