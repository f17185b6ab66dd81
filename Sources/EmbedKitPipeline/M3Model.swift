import EmbedKitCompute
import EmbedKitFormats
import EmbedKitModels
import Foundation

/// bge-m3's three heads on one forward pass of its XLM-RoBERTa encoder, as FlagEmbedding's `BGEM3Model`
/// computes them: the dense vector (the first token's state), each token's lexical weight
/// (ReLU of `sparse_linear.pt`, a Linear to one value) and each token's ColBERT vector (`colbert_linear.pt`
/// on every token but the first). The two head files are PyTorch state dicts, read by the safe unpickler.
public final class M3Model: @unchecked Sendable {
    public let folder: URL
    public let encoder: TransformerEncoder
    let colbert: Linear
    let sparse: Linear
    public let threadPool: ThreadPool

    /// One text's raw outputs: the first token's state, every token's weight, and the ColBERT vectors of
    /// tokens 1… (not normalized).
    public struct Output: Sendable {
        public let cls: [Float]
        public let tokenWeights: [Float]
        public let colbert: [[Float]]
    }

    /// Whether `folder` has bge-m3's head files.
    public static func isM3(folder: URL) -> Bool {
        ["colbert_linear.pt", "sparse_linear.pt"].allSatisfy { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    public init(folder: URL, threads: Int? = nil, precision: ComputePrecision = .fp32) throws {
        self.folder = folder
        threadPool = ThreadPool(threads: threads)
        let config = try TransformerConfig.load(folder: folder)
        encoder = try TransformerEncoder(config: config, store: try TensorStore.load(folder: folder), precision: precision)
        let h = config.hiddenSize
        func head(_ file: String, out: Int?) throws -> Linear {
            let url = folder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { throw PipelineError.missingFile(url.path) }
            let store = try PyTorchArchive.load(url)
            let weight = try store.require("weight")
            guard weight.shape.count == 2, weight.shape[1] == h, out == nil || weight.shape[0] == out else {
                throw PipelineError.invalidFile(file: url.path, reason: "weight has shape \(weight.shape); expected [\(out.map(String.init) ?? "n"), \(h)]")
            }
            let n = weight.shape[0]
            let bias = try store.tensor("bias").map { b -> [Float] in
                guard b.shape == [n] else { throw PipelineError.invalidFile(file: url.path, reason: "bias has shape \(b.shape); expected [\(n)]") }
                return b.floats()
            }
            return Linear(weight: weight.floats(), bias: bias, outFeatures: n, inFeatures: h)
        }
        colbert = try head("colbert_linear.pt", out: nil)
        sparse = try head("sparse_linear.pt", out: 1)
    }

    /// Weights and biases of the two heads.
    public var headParameterCount: Int {
        (colbert.inFeatures + 1) * colbert.outFeatures + (sparse.inFeatures + 1) * sparse.outFeatures
    }

    /// Width of the ColBERT vectors.
    public var colbertDimension: Int { colbert.outFeatures }

    /// One batch of token-id sequences (special tokens included): each one's outputs.
    public func forward(_ ids: [[Int]]) throws -> [Output] {
        let hidden = try encoder.forward(ids, pool: threadPool)
        let h = hidden.hiddenSize, c = colbert.outFeatures, total = hidden.batch.totalTokens
        var weights = [Float](repeating: 0, count: total)
        var vectors = [Float](repeating: 0, count: total * c)
        hidden.values.withUnsafeBufferPointer { x in
            weights.withUnsafeMutableBufferPointer { w in sparse.apply(x.baseAddress!, rows: total, into: w.baseAddress!, pool: threadPool) }
            vectors.withUnsafeMutableBufferPointer { v in colbert.apply(x.baseAddress!, rows: total, into: v.baseAddress!, pool: threadPool) }
        }
        return ids.indices.map { i in
            let start = hidden.batch.offsets[i], n = hidden.batch.lengths[i]
            let cls = n > 0 ? Array(hidden.values[start * h ..< (start + 1) * h]) : [Float](repeating: 0, count: h)
            return Output(cls: cls, tokenWeights: weights[start ..< start + n].map { Swift.max(0, $0) },
                          colbert: (1 ..< Swift.max(1, n)).map { j in Array(vectors[(start + j) * c ..< (start + j + 1) * c]) })
        }
    }
}
