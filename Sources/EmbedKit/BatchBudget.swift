/// The one rule that groups inputs into forward passes: at most `maxInputs` inputs and `maxTokens` real
/// tokens per pass (the engine never pads, so real tokens are what the kernels compute). An input longer
/// than `maxTokens` runs alone. `encode` plans its passes with it; the server's worker takes its queue
/// with it.
public struct BatchBudget: Sendable, Equatable {
    public var maxTokens: Int
    public var maxInputs: Int

    public init(maxTokens: Int, maxInputs: Int = .max) {
        self.maxTokens = max(1, maxTokens)
        self.maxInputs = max(1, maxInputs)
    }

    /// Whether an input of `length` tokens joins a pass that already holds `inputs` inputs and `tokens` tokens.
    @inline(__always)
    public func admits(_ length: Int, inputs: Int, tokens: Int) -> Bool {
        inputs == 0 || (inputs < maxInputs && tokens + length <= maxTokens)
    }

    /// Passes over inputs of `lengths` (indices), longest first, as sentence-transformers orders `encode`.
    public func passes(lengths: [Int]) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        var passes: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for i in order {
            if !admits(lengths[i], inputs: current.count, tokens: tokens) {
                passes.append(current)
                current = []
                tokens = 0
            }
            current.append(i)
            tokens += lengths[i]
        }
        if !current.isEmpty { passes.append(current) }
        return passes
    }
}
