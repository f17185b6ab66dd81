/// A batch of variable-length sequences stored back to back, without padding: sequence `i` owns
/// rows `offsets[i] ..< offsets[i] + lengths[i]` of every [tokens, features] buffer.
public struct SequenceBatch: Sendable, Equatable {
    public let lengths: [Int]
    public let offsets: [Int]
    public let totalTokens: Int

    public init(lengths: [Int]) {
        self.lengths = lengths
        var offsets: [Int] = []
        offsets.reserveCapacity(lengths.count)
        var t = 0
        for l in lengths { offsets.append(t); t += l }
        self.offsets = offsets
        self.totalTokens = t
    }

    public var count: Int { lengths.count }
    public var maxLength: Int { lengths.max() ?? 0 }
}
