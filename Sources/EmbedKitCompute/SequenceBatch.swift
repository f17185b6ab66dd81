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

    /// At most `parts` contiguous runs of sequences whose token counts are as even as whole sequences
    /// allow (each cut at the prefix sum nearest its share of the tokens), none empty and none with fewer
    /// than `minimumTokens` tokens: fewer parts where the batch is too small. One run of everything when
    /// it cannot be split.
    public func split(into parts: Int, minimumTokens: Int = 1) -> [Range<Int>] {
        let wanted = min(parts, count, totalTokens / max(1, minimumTokens))
        guard wanted > 1 else { return [0..<count] }
        var runs: [Range<Int>] = []
        var start = 0
        for p in 1..<wanted {
            let target = Double(totalTokens) * Double(p) / Double(wanted)
            // The cut (first sequence of the next run) whose prefix sum is nearest the target, leaving
            // at least one sequence for this run and for each run after it.
            var cut = start + 1
            for c in (start + 1)...(count - (wanted - p)) where abs(Double(offsets[c]) - target) < abs(Double(offsets[cut]) - target) {
                cut = c
            }
            runs.append(start..<cut)
            start = cut
        }
        runs.append(start..<count)
        if runs.contains(where: { r in r.reduce(0) { $0 + lengths[$1] } < minimumTokens }) {
            return wanted > 2 ? split(into: wanted - 1, minimumTokens: minimumTokens) : [0..<count]
        }
        return runs
    }
}
