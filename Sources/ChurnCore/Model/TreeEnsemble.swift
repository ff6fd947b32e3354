import CTreeWalk
import Foundation

/// The trees of an XGBoost booster, compiled from its JSON model into flat arrays that churnd walks itself to
/// score.
///
/// XGBoost's own predictor copies every row into a per-thread feature vector and branches on every split. Here
/// each tree is renumbered breadth first, so a node's right child directly follows its left one, and a leaf
/// points at itself with a split that always goes left. Walking a tree is then the same `depth` steps for
/// every row, without a data-dependent branch: the next node is `left + (goes right ? 1 : 0)`. Rows are walked
/// eight at a time from a transposed copy (feature-major), so the eight walks are independent chains of loads
/// the CPU runs side by side and a row's value is one load at a fixed offset; blocks of 64 rows take the trees
/// one by one, so a tree's nodes stay in the L1 cache while the block walks it. Nodes are eight bytes
/// (threshold, left child), indexed as they are, with their feature offsets and leaf values in tables beside
/// them: a step compiles to five instructions (feature offset, value, comparison, left child, child taken),
/// but with eight walks in flight the compiler keeps some of the indices on the stack, so a row costs what it
/// did with 16-byte nodes (about 9,700 instructions for 200 trees of depth 6, `bench/callgrind.sh`).
///
/// Where the CPU has AVX-512 (`CTreeWalk`), a block without missing values is walked sixteen rows to a vector
/// instead, over the same trees padded to perfect ones (`PerfectTrees`): a step picks each lane's node by a
/// permute rather than a load per row, and its feature value from vectors already in registers. The tests hold
/// both walks to the C library at every depth the vector walk takes (1 to 8); deeper trees, blocks with a missing
/// value and other CPUs keep the portable walk.
///
/// The arithmetic is XGBoost's (1.7, `binary:logistic`): leaf values are added in single precision in tree
/// order to the base margin, then `1 / (1 + expf(-x))`, so the probabilities are XGBoost's to the bit (the tests
/// check this against the C library on every row, missing values included).
package struct TreeEnsemble: Sendable {
    /// One node: eight bytes, eight to a cache line.
    struct Node {
        /// Split value; NaN for a leaf, so that no comparison sends a row right.
        var threshold: Float
        /// Index of the left child in `nodes`; the right child is the next node. A leaf points at itself.
        var left: UInt32
    }

    private let nodes: [Node]
    /// Per node: byte offset of its split feature's values in a group's transposed copy, feature × `group` × 4
    /// (0 for a leaf).
    private let offsets: [UInt32]
    /// Per node: its leaf value (0 for inner nodes).
    private let leafValues: [Float]
    /// Per node: a missing (NaN) value goes left. Read only for blocks (or single rows) with a missing value.
    private let defaultLeft: [Bool]
    /// Index of each tree's root in `nodes`, and the number of steps from it to its deepest leaf.
    private let roots: [(start: Int, depth: Int)]
    /// The same trees padded to perfect ones, for the AVX-512 walk; nil where it does not run.
    private let perfect: PerfectTrees?
    /// The base score in margin space: where every row's sum of leaves starts.
    let baseMargin: Float
    /// Input features the trees were trained on.
    package let featureCount: Int
    package var treeCount: Int { roots.count }

    /// Whether blocks of rows are walked sixteen to a vector (AVX-512, `CTreeWalk`) on this machine.
    package static let vectorWalkAvailable = churnd_trees_simd_available() == 1

    /// Whether this ensemble walks blocks of rows with the vector walk.
    package var walksVectors: Bool { perfect != nil }

    /// Compiles the trees of `json`, XGBoost's JSON model format. `vectorWalk: false` keeps to the portable walk
    /// (the tests compare the two).
    ///
    /// - Throws: `XGBoostError` naming what this ensemble cannot represent (another objective or booster,
    ///   categorical splits) or why the JSON does not read as a model.
    package init(json: String, vectorWalk: Bool = vectorWalkAvailable) throws(XGBoostError) {
        let learner = try Self.decode(ModelFile<AllTrees>.self, json).learner
        let (features, base) = try learner.checked()
        featureCount = features
        baseMargin = -logf(1 / base - 1)

        var nodes: [Node] = []
        var offsets: [UInt32] = []
        var leafValues: [Float] = []
        var defaultLeft: [Bool] = []
        var roots: [(start: Int, depth: Int)] = []
        for (index, tree) in learner.gradientBooster.model.trees.enumerated() {
            let compiled = try Self.compile(tree, first: nodes.count, features: features).mapError {
                Self.refuse("tree \(index): \($0)")
            }.get()
            roots.append((nodes.count, compiled.depth))
            nodes += compiled.nodes
            offsets += compiled.offsets
            leafValues += compiled.leafValues
            defaultLeft += compiled.defaultLeft
        }
        guard nodes.count < Int(UInt32.max) else { throw Self.refuse("\(nodes.count) nodes are too many") }
        self.nodes = nodes
        self.offsets = offsets
        self.leafValues = leafValues
        self.defaultLeft = defaultLeft
        self.roots = roots
        perfect =
            vectorWalk && Self.vectorWalkAvailable
            ? PerfectTrees(nodes: nodes, offsets: offsets, leafValues: leafValues, roots: roots) : nil
    }

    struct CompileError: Error, CustomStringConvertible {
        var description: String
    }

    /// One tree in breadth-first order starting at index `first`, checked: children in range, each node reached
    /// once, numeric splits on known features.
    private static func compile(_ tree: TreeFile, first: Int, features: Int)
        -> Result<
            (nodes: [Node], offsets: [UInt32], leafValues: [Float], defaultLeft: [Bool], depth: Int), CompileError
        >
    {
        let count = tree.leftChildren.count
        guard count > 0,
            [tree.rightChildren.count, tree.splitIndices.count, tree.splitConditions.count, tree.defaultLeft.count]
                .allSatisfy({ $0 == count })
        else { return .failure(CompileError(description: "node arrays of different lengths")) }
        if let types = tree.splitType, types.contains(where: { $0 != 0 }) {
            return .failure(CompileError(description: "categorical splits are not supported"))
        }
        var order = [0]  // original node ids, breadth first
        var depthOf = [0]
        var seen = [Bool](repeating: false, count: count)
        seen[0] = true
        var position = 0
        while position < order.count {
            let id = order[position]
            let left = Int(tree.leftChildren[id]), right = Int(tree.rightChildren[id])
            if left != -1 {
                guard (0..<count).contains(left), (0..<count).contains(right), !seen[left], !seen[right] else {
                    return .failure(CompileError(description: "node \(id) has children \(left) and \(right)"))
                }
                guard (0..<features).contains(Int(tree.splitIndices[id])) else {
                    return .failure(CompileError(description: "node \(id) splits on feature \(tree.splitIndices[id])"))
                }
                seen[left] = true
                seen[right] = true
                order += [left, right]
                depthOf += [depthOf[position] + 1, depthOf[position] + 1]
            }
            position += 1
        }
        var newIndex = [Int](repeating: -1, count: count)
        for (index, id) in order.enumerated() { newIndex[id] = first + index }
        let isLeaf = order.map { tree.leftChildren[$0] == -1 }
        let nodes = order.indices.map { k -> Node in
            let id = order[k]
            if isLeaf[k] { return Node(threshold: .nan, left: UInt32(newIndex[id])) }
            return Node(threshold: tree.splitConditions[id], left: UInt32(newIndex[Int(tree.leftChildren[id])]))
        }
        let offsets = order.indices.map { k in
            isLeaf[k] ? 0 : UInt32(Int(tree.splitIndices[order[k]]) * Self.group * 4)
        }
        // XGBoost keeps a leaf's value in split_conditions.
        let leafValues = order.indices.map { k in isLeaf[k] ? tree.splitConditions[order[k]] : 0 }
        // A leaf's NaN threshold sends every value left when NaN goes left: `value >= NaN` is false.
        let defaultLeft = order.map { tree.leftChildren[$0] == -1 || tree.defaultLeft[$0] != 0 }
        return .success((nodes, offsets, leafValues, defaultLeft, depthOf.max() ?? 0))
    }

    /// Rows walked together, tree by tree (the walk below spells out this many).
    static let group = 8
    /// Rows whose sums are built together, tree by tree.
    static let block = 64

    /// Probabilities of `rows` rows of `width` float features (row-major; NaN is missing), written to `output`,
    /// on up to `threads` threads (each takes a contiguous share of at least 4,096 rows).
    package func predict(
        _ features: UnsafeBufferPointer<Float>, rows: Int, width: Int, into output: UnsafeMutableBufferPointer<Float>,
        threads: Int = 1
    ) {
        precondition(width >= featureCount && features.count >= rows * width && output.count >= rows)
        guard rows > 0, let x = features.baseAddress, let out = output.baseAddress else { return }
        let shares = max(1, min(threads, rows / 4_096))
        if shares == 1 { return predictRange(x, 0..<rows, width: width, into: out) }
        // Unsafe pointers are not Sendable; the shares write disjoint ranges of `output`.
        let (input, result) = (UInt(bitPattern: x), UInt(bitPattern: out))
        DispatchQueue.concurrentPerform(iterations: shares) { share in
            let range = rows * share / shares..<rows * (share + 1) / shares
            predictRange(
                UnsafePointer(bitPattern: input)!, range, width: width, into: UnsafeMutablePointer(bitPattern: result)!)
        }
    }

    /// Probability of one row (`row` holds at least `featureCount` features; NaN is missing), for rows scored
    /// one at a time, where a group's transposed copy would cost more than the walks. Eight trees are walked
    /// side by side (a leaf points at itself, so the shallower ones just stay put), and their leaves are added
    /// in tree order: the same bits as `predict`.
    package func probability(_ row: UnsafeBufferPointer<Float>) -> Float {
        precondition(row.count >= featureCount)
        let missing = row.prefix(featureCount).contains { $0.isNaN }
        return withTables { tables in
            missing
                ? Self.sigmoid(walk(row.baseAddress!, tables, missingGoesLeft: true))
                : Self.sigmoid(walk(row.baseAddress!, tables, missingGoesLeft: false))
        }
    }

    /// The node tables as raw pointers, for the walks.
    struct Tables {
        let nodes: UnsafePointer<Node>
        let offsets: UnsafePointer<UInt32>
        let leafValues: UnsafePointer<Float>
        let defaultLeft: UnsafePointer<Bool>
    }

    @inline(__always)
    private func withTables<R>(_ body: (Tables) -> R) -> R {
        nodes.withUnsafeBufferPointer { nodes in
            offsets.withUnsafeBufferPointer { offsets in
                leafValues.withUnsafeBufferPointer { leafValues in
                    defaultLeft.withUnsafeBufferPointer { defaultLeft in
                        body(
                            Tables(
                                nodes: nodes.baseAddress!, offsets: offsets.baseAddress!,
                                leafValues: leafValues.baseAddress!, defaultLeft: defaultLeft.baseAddress!))
                    }
                }
            }
        }
    }

    /// The margin of one row: see `probability(_:)`.
    @inline(__always)
    private func walk(_ x: UnsafePointer<Float>, _ tables: Tables, missingGoesLeft: Bool) -> Float {
        let missingGoesLeft = missingGoesLeft ? tables.defaultLeft : nil
        let (nodes, leafValues) = (tables.nodes, tables.leafValues)
        @inline(__always) func next(_ at: Int) -> Int {
            Self.child(nodes[at], at, value: x[Int(tables.offsets[at]) / (Self.group * 4)], missingGoesLeft)
        }
        var sum = baseMargin
        var tree = 0
        while tree + 8 <= roots.count {
            let chunk = roots[tree..<tree + 8]
            var (a0, a1, a2, a3) = (
                chunk[tree].start, chunk[tree + 1].start, chunk[tree + 2].start, chunk[tree + 3].start
            )
            var (a4, a5, a6, a7) = (
                chunk[tree + 4].start, chunk[tree + 5].start, chunk[tree + 6].start, chunk[tree + 7].start
            )
            for _ in 0..<chunk.lazy.map(\.depth).max()! {
                a0 = next(a0)
                a1 = next(a1)
                a2 = next(a2)
                a3 = next(a3)
                a4 = next(a4)
                a5 = next(a5)
                a6 = next(a6)
                a7 = next(a7)
            }
            sum += leafValues[a0]
            sum += leafValues[a1]
            sum += leafValues[a2]
            sum += leafValues[a3]
            sum += leafValues[a4]
            sum += leafValues[a5]
            sum += leafValues[a6]
            sum += leafValues[a7]
            tree += 8
        }
        for (start, depth) in roots[tree...] {
            var at = start
            for _ in 0..<depth { at = next(at) }
            sum += leafValues[at]
        }
        return sum
    }

    /// Probabilities of rows of doubles (converted to float, as XGBoost does).
    package func predict(_ values: [Double], width: Int, threads: Int = 1) -> [Double] {
        let rows = width == 0 ? 0 : values.count / width
        let features = values.map { Float($0) }
        var output = [Float](repeating: .nan, count: rows)
        features.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer {
                predict(input, rows: rows, width: width, into: $0, threads: threads)
            }
        }
        return output.map(Double.init)
    }

    private func predictRange(
        _ x: UnsafePointer<Float>, _ range: Range<Int>, width: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let (group, block, features) = (Self.group, Self.block, featureCount)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: (features + 1) * block) { transposed in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { sums in
                withTables { tables in
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let rows = min(block, range.upperBound - start)
                        let sums = sums.baseAddress!
                        for r in 0..<rows { sums[r] = baseMargin }
                        if let perfect, !Self.anyMissing(x + start * width, rows: rows, width: width, features) {
                            perfect.accumulate(
                                x + start * width, rows: rows, stride: width, features: features,
                                scratch: transposed.baseAddress!, into: sums)
                            for r in 0..<rows { out[start + r] = Self.sigmoid(sums[r]) }
                            start += rows
                            continue
                        }
                        let groups = (rows + group - 1) / group
                        // Each group of eight rows feature-major; the last group repeats its last row.
                        var missing = false
                        for r in 0..<groups * group {
                            let row = x + (start + min(r, rows - 1)) * width
                            let slot = r / group * features * group + r % group
                            for f in 0..<features {
                                transposed[slot + f * group] = row[f]
                                missing = missing || row[f].isNaN
                            }
                        }
                        let blockValues = (UnsafeRawPointer(transposed.baseAddress!), features * group * 4)
                        for r in rows..<groups * group { sums[r] = baseMargin }
                        if missing {
                            accumulate(tables, blockValues, groups: groups, into: sums, missingGoesLeft: true)
                        } else {
                            accumulate(tables, blockValues, groups: groups, into: sums, missingGoesLeft: false)
                        }
                        for r in 0..<rows { out[start + r] = Self.sigmoid(sums[r]) }
                        start += rows
                    }
                }
            }
        }
    }

    /// Whether any of the first `features` values of `rows` rows is missing (NaN).
    @inline(__always)
    private static func anyMissing(_ x: UnsafePointer<Float>, rows: Int, width: Int, _ features: Int) -> Bool {
        var missing = false
        for r in 0..<rows {
            let row = x + r * width
            for f in 0..<features { missing = missing || row[f].isNaN }
        }
        return missing
    }

    /// Adds every tree's leaf to the sums of a block of `groups` groups of rows, tree by tree, so that a tree's
    /// nodes stay in the L1 cache while the block walks it. `values` is the block's transposed copy (and the
    /// byte stride from one group to the next).
    ///
    /// The eight walks of a group are spelled out so that their node indices stay in registers.
    /// `missingGoesLeft` is false when the block holds no missing value: one comparison decides (see `child`).
    @inline(__always)
    private func accumulate(
        _ tables: Tables, _ values: (base: UnsafeRawPointer, stride: Int), groups: Int,
        into sums: UnsafeMutablePointer<Float>, missingGoesLeft: Bool
    ) {
        let missingGoesLeft = missingGoesLeft ? tables.defaultLeft : nil
        let (nodes, offsets, leafValues) = (tables.nodes, tables.offsets, tables.leafValues)
        for (start, depth) in roots {
            for g in 0..<groups {
                let values = values.base + g * values.stride
                @inline(__always) func next(_ at: Int, _ r: Int) -> Int {
                    let value = values.load(fromByteOffset: Int(offsets[at]) &+ r &* 4, as: Float.self)
                    return Self.child(nodes[at], at, value: value, missingGoesLeft)
                }
                var (a0, a1, a2, a3, a4, a5, a6, a7) = (start, start, start, start, start, start, start, start)
                for _ in 0..<depth {
                    a0 = next(a0, 0)
                    a1 = next(a1, 1)
                    a2 = next(a2, 2)
                    a3 = next(a3, 3)
                    a4 = next(a4, 4)
                    a5 = next(a5, 5)
                    a6 = next(a6, 6)
                    a7 = next(a7, 7)
                }
                let sums = sums + g * Self.group
                sums[0] += leafValues[a0]
                sums[1] += leafValues[a1]
                sums[2] += leafValues[a2]
                sums[3] += leafValues[a3]
                sums[4] += leafValues[a4]
                sums[5] += leafValues[a5]
                sums[6] += leafValues[a6]
                sums[7] += leafValues[a7]
            }
        }
    }

    /// The child of `node` (at index `at`) that `value` goes to. Without `missingGoesLeft` (no NaN among the
    /// values) one comparison decides; with it, NaN follows the node's default direction, as in XGBoost.
    @inline(__always)
    private static func child(_ node: Node, _ at: Int, value: Float, _ missingGoesLeft: UnsafePointer<Bool>?) -> Int {
        let right: Bool
        if let missingGoesLeft {
            right = missingGoesLeft[at] ? value >= node.threshold : !(value < node.threshold)
        } else {
            right = value >= node.threshold
        }
        return Int(node.left) &+ Int(unsafeBitCast(right, to: UInt8.self))
    }

    /// XGBoost 1.7's logistic transform, in single precision.
    @inline(__always)
    static func sigmoid(_ margin: Float) -> Float {
        1 / (expf(min(-margin, 88.7)) + 1 + 1e-16)
    }
}

extension TreeEnsemble {
    /// The trees for the AVX-512 walk (`churnd_trees_accumulate`): each padded to a perfect tree of the deepest
    /// tree's depth, breadth first, so that a row's place in a level is all a step needs. Where a leaf is
    /// shallower than that depth it becomes inner nodes with a NaN threshold (every row goes left) over copies
    /// of its value; the row ends on one of those copies, so it adds the same value as the compact walk.
    ///
    /// Missing values are not handled here: a block with one goes the compact walk, which follows each split's
    /// default direction.
    struct PerfectTrees {
        let thresholds: [Float]
        let features: [Int32]
        let leaves: [Float]
        let depth: Int
        let count: Int

        /// Nil when the deepest tree is deeper than the kernel walks (2^depth slots per tree).
        init?(nodes: [Node], offsets: [UInt32], leafValues: [Float], roots: [(start: Int, depth: Int)]) {
            let depth = max(1, roots.lazy.map(\.depth).max() ?? 1)
            guard depth <= Int(CHURND_TREES_MAX_DEPTH) else { return nil }
            let slots = 1 << depth
            // Each array is followed by the 32 slots the kernel may read past a tree's last.
            var thresholds = [Float](repeating: .nan, count: roots.count * slots + 32)
            var features = [Int32](repeating: 0, count: roots.count * slots + 32)
            var leaves = [Float](repeating: 0, count: roots.count * slots + 32)
            for (tree, root) in roots.enumerated() {
                let first = tree * slots
                /// Fills the subtree at `slot` (breadth first within the perfect tree) from compact node `at`.
                func fill(_ slot: Int, level: Int, _ at: Int) {
                    if level == depth {
                        leaves[first + slot - (slots - 1)] = leafValues[at]
                        return
                    }
                    let node = nodes[at]
                    let isLeaf = Int(node.left) == at
                    if !isLeaf {
                        thresholds[first + slot] = node.threshold
                        features[first + slot] = Int32(Int(offsets[at]) / (TreeEnsemble.group * 4) * 16)
                    }
                    let left = isLeaf ? at : Int(node.left)
                    fill(2 * slot + 1, level: level + 1, left)
                    fill(2 * slot + 2, level: level + 1, isLeaf ? at : left + 1)
                }
                fill(0, level: 0, root.start)
            }
            (self.thresholds, self.features, self.leaves, self.depth, count) =
                (thresholds, features, leaves, depth, roots.count)
        }

        /// Adds every tree's leaf to the sums of `rows` rows (at most `block`, none missing a feature).
        func accumulate(
            _ x: UnsafePointer<Float>, rows: Int, stride: Int, features width: Int,
            scratch: UnsafeMutablePointer<Float>,
            into sums: UnsafeMutablePointer<Float>
        ) {
            thresholds.withUnsafeBufferPointer { thresholds in
                features.withUnsafeBufferPointer { features in
                    leaves.withUnsafeBufferPointer { leaves in
                        churnd_trees_accumulate(
                            x, rows, stride, width, scratch, thresholds.baseAddress, features.baseAddress,
                            leaves.baseAddress, count, Int32(depth), sums)
                    }
                }
            }
        }
    }

    /// The number of features `json` expects, checked as `init(json:)` checks the model but without decoding
    /// its trees: for checking an artifact when it is loaded (its trees are compiled once, by the scorer).
    package static func featureCount(json: String) throws(XGBoostError) -> Int {
        try decode(ModelFile<NoTrees>.self, json).learner.checked().features
    }

    /// Why a model cannot be compiled.
    fileprivate static func refuse(_ message: String) -> XGBoostError {
        XGBoostError(operation: "compiling the booster's trees", message: message)
    }

    private static func decode<File: Decodable>(_ type: File.Type, _ json: String) throws(XGBoostError) -> File {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw XGBoostError(operation: "reading the booster JSON", message: "\(error)")
        }
    }
}

/// The parts of XGBoost's JSON model format the ensemble reads; `Model` is the trees, or nothing when only
/// the header is wanted.
private struct ModelFile<Model: Decodable>: Decodable {
    struct Learner: Decodable {
        struct Parameters: Decodable {
            var baseScore: String
            var numFeature: String
            enum CodingKeys: String, CodingKey {
                case baseScore = "base_score"
                case numFeature = "num_feature"
            }
        }
        struct Objective: Decodable { var name: String }
        struct GradientBooster: Decodable {
            var name: String
            var model: Model
        }
        var parameters: Parameters
        var objective: Objective
        var gradientBooster: GradientBooster
        enum CodingKeys: String, CodingKey {
            case parameters = "learner_model_param"
            case objective
            case gradientBooster = "gradient_booster"
        }

        /// The feature count and base score, once the model is one the ensemble represents.
        func checked() throws(XGBoostError) -> (features: Int, baseScore: Float) {
            guard objective.name == "binary:logistic" else {
                throw TreeEnsemble.refuse("objective \"\(objective.name)\" is not binary:logistic")
            }
            guard gradientBooster.name == "gbtree" else {
                throw TreeEnsemble.refuse("booster \"\(gradientBooster.name)\" is not gbtree")
            }
            guard let base = Float(parameters.baseScore), base > 0, base < 1,
                let features = Int(parameters.numFeature), (1...1 << 24).contains(features)
            else {
                throw TreeEnsemble.refuse(
                    "base_score \(parameters.baseScore) or num_feature \(parameters.numFeature) is out of range")
            }
            return (features, base)
        }
    }
    var learner: Learner
}

private struct AllTrees: Decodable { var trees: [TreeFile] }
private struct NoTrees: Decodable {}

/// One tree of the model file.
private struct TreeFile: Decodable {
    var leftChildren: [Int32]
    var rightChildren: [Int32]
    var splitIndices: [Int32]
    var splitConditions: [Float]
    var defaultLeft: [Int8]
    var splitType: [Int8]?
    enum CodingKeys: String, CodingKey {
        case leftChildren = "left_children"
        case rightChildren = "right_children"
        case splitIndices = "split_indices"
        case splitConditions = "split_conditions"
        case defaultLeft = "default_left"
        case splitType = "split_type"
    }
}
