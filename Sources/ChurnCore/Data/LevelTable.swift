/// Interns category values as small integer codes without allocating for values already seen.
package struct LevelTable: Sendable {
    package private(set) var levels: [String] = []
    private var bytes: [[UInt8]] = []
    private var index: [String: Int32] = [:]
    private static let linearLimit = 32

    package init() {}

    /// The code of `value`, adding it when new.
    @inline(__always)
    package mutating func code(for value: UnsafeBufferPointer<UInt8>) -> Int32 {
        if let found = lookup(value) { return found }
        let string = String(decoding: value, as: UTF8.self)
        let code = Int32(levels.count)
        levels.append(string)
        bytes.append(Array(value))
        index[string] = code
        return code
    }

    /// The code of `value` if it is known.
    @inline(__always)
    package func lookup(_ value: UnsafeBufferPointer<UInt8>) -> Int32? {
        if bytes.count <= Self.linearLimit {
            for k in bytes.indices where bytes[k].count == value.count {
                let same = bytes[k].withUnsafeBufferPointer { stored in
                    value.count == 0 || memcmp(stored.baseAddress!, value.baseAddress!, value.count) == 0
                }
                if same { return Int32(k) }
            }
            return nil
        }
        return index[String(decoding: value, as: UTF8.self)]
    }
}

#if canImport(Glibc)
    import Glibc
#endif
