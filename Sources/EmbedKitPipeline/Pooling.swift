import Foundation

/// sentence-transformers' Pooling module (1_Pooling/config.json): token embeddings → one vector.
/// Several modes concatenate in sentence-transformers' order: cls, max, mean, mean_sqrt_len,
/// weightedmean, lasttoken.
public struct Pooling: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case cls, max, mean, meanSqrtLen = "mean_sqrt_len_tokens", weightedMean = "weightedmean", lastToken = "lasttoken"

        var configKey: String {
            switch self {
            case .cls: return "pooling_mode_cls_token"
            case .max: return "pooling_mode_max_tokens"
            case .mean: return "pooling_mode_mean_tokens"
            case .meanSqrtLen: return "pooling_mode_mean_sqrt_len_tokens"
            case .weightedMean: return "pooling_mode_weightedmean_tokens"
            case .lastToken: return "pooling_mode_lasttoken"
            }
        }
    }

    public let modes: [Mode]
    public let wordEmbeddingDimension: Int
    /// When false, the prompt's tokens are left out of the pooled tokens (as sentence-transformers does).
    public let includePrompt: Bool

    public init(modes: [Mode], wordEmbeddingDimension: Int, includePrompt: Bool = true) {
        self.modes = modes
        self.wordEmbeddingDimension = wordEmbeddingDimension
        self.includePrompt = includePrompt
    }

    public var outputDimension: Int { modes.count * wordEmbeddingDimension }
    public var name: String { modes.map(\.rawValue).joined(separator: "+") }

    /// Reads `config.json` of a Pooling module folder.
    public static func load(folder: URL, defaultDimension: Int) throws -> Pooling {
        let url = folder.appendingPathComponent("config.json")
        guard let json = try JSONFile.object(url) else { throw PipelineError.missingFile(url.path) }
        // sentence-transformers 6 writes `embedding_dimension` where earlier versions wrote `word_embedding_dimension`.
        let dimension = (json["word_embedding_dimension"] as? NSNumber ?? json["embedding_dimension"] as? NSNumber)?.intValue ?? defaultDimension
        var modes: [Mode] = []
        if let named = json["pooling_mode"] as? String {
            let aliases: [String: Mode] = ["cls": .cls, "max": .max, "mean": .mean, "mean_sqrt_len_tokens": .meanSqrtLen,
                                           "weightedmean": .weightedMean, "lasttoken": .lastToken]
            guard let m = aliases[named] else {
                throw PipelineError.invalidFile(file: url.path, reason: "unknown pooling_mode '\(named)'; supported: \(aliases.keys.sorted())")
            }
            modes = [m]
        } else {
            for mode in Mode.allCases where (json[mode.configKey] as? Bool) == true { modes.append(mode) }
            let known = Set(Mode.allCases.map(\.configKey))
            for (key, value) in json where key.hasPrefix("pooling_mode_") && !known.contains(key) && (value as? Bool) == true {
                throw PipelineError.invalidFile(file: url.path, reason: "unknown pooling mode '\(key)'")
            }
        }
        guard !modes.isEmpty else {
            throw PipelineError.invalidFile(file: url.path, reason: "no pooling mode is enabled")
        }
        return Pooling(modes: modes, wordEmbeddingDimension: dimension, includePrompt: json["include_prompt"] as? Bool ?? true)
    }

    /// Pools the `length` rows (each `width` values) of one sequence. `skip` leading rows are left out
    /// of every mode but cls (the prompt, when `includePrompt` is false).
    public func pool(_ rows: ArraySlice<Float>, length: Int, width: Int, skip: Int = 0) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(outputDimension)
        let base = rows.startIndex
        let first = includePrompt ? 0 : min(skip, length)
        let count = length - first
        for mode in modes {
            switch mode {
            case .cls:
                out.append(contentsOf: length > 0 ? rows[base ..< base + width] : ArraySlice(repeating: 0, count: width))
            case .max:
                var m = [Float](repeating: count > 0 ? -.infinity : -1e9, count: width)
                for j in first..<length {
                    for c in 0..<width { m[c] = Swift.max(m[c], rows[base + j * width + c]) }
                }
                out.append(contentsOf: m)
            case .mean, .meanSqrtLen:
                var s = [Float](repeating: 0, count: width)
                for j in first..<length {
                    for c in 0..<width { s[c] += rows[base + j * width + c] }
                }
                let n = Swift.max(Float(count), 1e-9)
                let d = mode == .mean ? n : n.squareRoot()
                out.append(contentsOf: s.map { $0 / d })
            case .weightedMean:
                var s = [Float](repeating: 0, count: width)
                var total: Float = 0
                for j in first..<length {
                    let w = Float(j + 1)
                    total += w
                    for c in 0..<width { s[c] += w * rows[base + j * width + c] }
                }
                let d = Swift.max(total, 1e-9)
                out.append(contentsOf: s.map { $0 / d })
            case .lastToken:
                if count > 0 {
                    let j = length - 1
                    out.append(contentsOf: rows[base + j * width ..< base + (j + 1) * width])
                } else {
                    out.append(contentsOf: [Float](repeating: 0, count: width))
                }
            }
        }
        return out
    }
}
