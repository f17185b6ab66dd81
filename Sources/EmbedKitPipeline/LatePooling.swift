import EmbedKitCompute
import EmbedKitModels

/// Long late chunking: how a sequence longer than the encoder's window runs. Windows of `size` tokens
/// start every `size - overlap` tokens; each window after the first drops its first `overlap` output
/// states (they only give it left context), and the rest are concatenated, so every token's state
/// comes from exactly one window. This is the scheme of Jina's reference code (jina-ai/late-chunking).
public struct LateWindow: Sendable, Equatable {
    public let size: Int
    public let overlap: Int

    /// `size` at least 2; `overlap` in 0..<size.
    public init(size: Int, overlap: Int) {
        precondition(size >= 2 && overlap >= 0 && overlap < size, "window size \(size), overlap \(overlap)")
        self.size = size
        self.overlap = overlap
    }

    /// For a sequence of `length` tokens: each window's token range and the part of it whose states are kept.
    public func windows(length: Int) -> [(run: Range<Int>, keep: Range<Int>)] {
        guard length > size else { return [(0..<length, 0..<length)] }
        var out: [(Range<Int>, Range<Int>)] = []
        var start = 0
        while start < length {
            let end = min(start + size, length)
            let keepFrom = start == 0 ? 0 : start + overlap
            if keepFrom < end { out.append((start..<end, keepFrom..<end)) }
            if end == length { break }
            start += size - overlap
        }
        return out
    }
}

/// Late chunking's pooling: the mean of final token states over each span (Günther et al. 2024).
enum LatePooling {
    /// Sums `rows` (positions `first ..< first + rows.count / width` of the sequence) into each span's
    /// accumulator for the positions the span shares with `keep`.
    static func accumulate(_ rows: ArraySlice<Float>, first: Int, keep: Range<Int>, width: Int,
                           spans: [Range<Int>], into sums: inout [[Float]]) {
        let base = rows.startIndex
        for (s, span) in spans.enumerated() {
            let lo = max(span.lowerBound, keep.lowerBound), hi = min(span.upperBound, keep.upperBound)
            guard lo < hi else { continue }
            sums[s].withUnsafeMutableBufferPointer { acc in
                for j in lo..<hi {
                    let row = base + (j - first) * width
                    for c in 0..<width { acc[c] += rows[row + c] }
                }
            }
        }
    }

    /// The spans pooling sees: without the prompt's tokens when `skip` > 0 (a span that would be left
    /// empty keeps its tokens).
    static func pooledSpans(_ spans: [Range<Int>], skip: Int) -> [Range<Int>] {
        guard skip > 0 else { return spans }
        return spans.map { s in
            let lo = max(s.lowerBound, skip)
            return lo < s.upperBound ? lo..<s.upperBound : s
        }
    }

    /// Mean of each span of one sequence whose states are `rows` (all of them).
    static func means(_ rows: ArraySlice<Float>, width: Int, spans: [Range<Int>]) -> [Float] {
        let length = rows.count / width
        var sums = [[Float]](repeating: [Float](repeating: 0, count: width), count: spans.count)
        accumulate(rows, first: 0, keep: 0..<length, width: width, spans: spans, into: &sums)
        return divided(sums, spans: spans)
    }

    /// Mean of each span of a sequence longer than one window: windows run one at a time (memory of one
    /// window), their kept states summed into the spans as they come.
    static func windowedMeans(_ ids: [Int], window: LateWindow, spans: [Range<Int>],
                              encoder: TransformerEncoder, pool: ThreadPool) throws -> [Float] {
        let width = encoder.config.hiddenSize
        var sums = [[Float]](repeating: [Float](repeating: 0, count: width), count: spans.count)
        for (run, keep) in window.windows(length: ids.count) {
            guard spans.contains(where: { $0.overlaps(keep) }) else { continue }
            let hidden = try encoder.forward([Array(ids[run])], pool: pool)
            accumulate(hidden.rows(of: 0), first: run.lowerBound, keep: keep, width: width, spans: spans, into: &sums)
        }
        return divided(sums, spans: spans)
    }

    private static func divided(_ sums: [[Float]], spans: [Range<Int>]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(sums.count * (sums.first?.count ?? 0))
        for (sum, span) in zip(sums, spans) {
            let n = Float(max(span.count, 1))
            out.append(contentsOf: sum.map { $0 / n })
        }
        return out
    }
}
