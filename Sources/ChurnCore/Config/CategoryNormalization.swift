/// How a categorical value is normalised before it is matched with a model's levels (`[schema.normalize]`).
///
/// Surrounding spaces and tabs are always removed (`trim`, what churnd did before normalisation existed);
/// `lower` and `upper` also set the case, as Python's `str.lower()` / `str.upper()` would. Training stores the
/// normalised levels and records the normalisation in the model's preprocessing; scoring applies what the
/// model records, so a model trained before normalisation existed keeps matching levels exactly as it did.
package enum CategoryNormalization: String, Codable, CaseIterable, Sendable {
    case trim
    case lower
    case upper

    /// The normalised text of a value.
    package func apply(_ value: String) -> String {
        let trimmed = value.spacesTrimmed
        switch self {
        case .trim: return trimmed
        case .lower: return trimmed.lowercased()
        case .upper: return trimmed.uppercased()
        }
    }

    /// The normalised bytes of an already trimmed value, in `scratch` (reused to avoid allocating per row).
    package func normalize(trimmed value: UnsafeBufferPointer<UInt8>, into scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        if self == .trim || value.contains(where: { $0 >= 0x80 }) {
            if self == .trim {
                scratch.append(contentsOf: value)
            } else {
                scratch.append(contentsOf: apply(String(decoding: value, as: UTF8.self)).utf8)
            }
            return
        }
        for byte in value { scratch.append(fold(byte)) }
    }

    /// The ASCII byte with this case applied.
    @inline(__always)
    func fold(_ byte: UInt8) -> UInt8 {
        switch self {
        case .trim: return byte
        case .lower: return byte &- 0x41 < 26 ? byte | 0x20 : byte
        case .upper: return byte &- 0x61 < 26 ? byte & 0xDF : byte
        }
    }

    /// Index of the trimmed `value` among normalised `levels` once normalised; -1 when it is none of them.
    /// ASCII values (nearly all) are compared folding case on the fly, without a copy.
    @inline(__always)
    func index(of value: UnsafeBufferPointer<UInt8>, in levels: [[UInt8]]) -> Int {
        if self == .trim { return Self.exactIndex(of: value, in: levels) }
        for byte in value where byte >= 0x80 {
            let normalized = Array(apply(String(decoding: value, as: UTF8.self)).utf8)
            return normalized.withUnsafeBufferPointer { Self.exactIndex(of: $0, in: levels) }
        }
        for j in levels.indices where levels[j].count == value.count {
            let same = levels[j].withUnsafeBufferPointer { level in
                for i in 0..<value.count where fold(value[i]) != level[i] { return false }
                return true
            }
            if same { return j }
        }
        return -1
    }

    /// Index of `value` among `levels`, byte for byte; -1 when it is not one of them.
    @inline(__always)
    static func exactIndex(of value: UnsafeBufferPointer<UInt8>, in levels: [[UInt8]]) -> Int {
        for j in levels.indices where levels[j].count == value.count {
            let same = levels[j].withUnsafeBufferPointer {
                value.count == 0 || memcmp($0.baseAddress!, value.baseAddress!, value.count) == 0
            }
            if same { return j }
        }
        return -1
    }
}

extension String {
    /// `String(trimmingSpaces())`, without walking Characters when neither end is a space, tab or CR byte (nearly
    /// always): a first or last Character that is one of those three starts or ends with its byte.
    package var spacesTrimmed: String {
        var copy = self
        let untouched = copy.withUTF8 { utf8 -> Bool in
            guard let first = utf8.first, let last = utf8.last else { return true }
            func space(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
            return !space(first) && !space(last)
        }
        return untouched ? self : String(trimmingSpaces())
    }
}

#if canImport(Glibc)
    import Glibc
#endif
