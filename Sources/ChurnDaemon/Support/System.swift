#if canImport(Glibc)
    import Glibc
#endif

enum System {
    /// Online CPU cores.
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The device a path lives on, or nil when it cannot be read.
    static func device(of path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_dev) : nil
    }
}
