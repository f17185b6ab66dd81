import EmbedKitCompute
import EmbedKitFormats
import Foundation

/// sentence-transformers' Dense module (e.g. 2_Dense): y = activation(W·x + b).
public struct Dense: Sendable {
    public enum Activation: String, Sendable {
        case identity = "torch.nn.modules.linear.Identity"
        case tanh = "torch.nn.modules.activation.Tanh"
    }

    public let linear: Linear
    public let activation: Activation

    public var inFeatures: Int { linear.inFeatures }
    public var outFeatures: Int { linear.outFeatures }

    /// Reads `config.json` and the weights (`linear.weight`, `linear.bias`) of a Dense module folder.
    public static func load(folder: URL) throws -> Dense {
        let url = folder.appendingPathComponent("config.json")
        guard let json = try JSONFile.object(url) else { throw PipelineError.missingFile(url.path) }
        guard let inF = (json["in_features"] as? NSNumber)?.intValue, let outF = (json["out_features"] as? NSNumber)?.intValue,
              inF > 0, outF > 0 else {
            throw PipelineError.invalidFile(file: url.path, reason: "in_features and out_features must be positive integers")
        }
        let hasBias = json["bias"] as? Bool ?? true
        // sentence-transformers' Dense defaults to Tanh when no activation is named.
        let name = json["activation_function"] as? String ?? Activation.tanh.rawValue
        let activation: Activation
        switch name {
        case Activation.identity.rawValue, "Identity", "torch.nn.Identity": activation = .identity
        case Activation.tanh.rawValue, "Tanh", "torch.nn.Tanh": activation = .tanh
        default:
            throw PipelineError.invalidFile(file: url.path, reason: "unsupported activation_function '\(name)'; supported: Identity, Tanh")
        }
        let store = try TensorStore.load(folder: folder)
        let weight = try store.require("linear.weight", shape: [outF, inF])
        let bias = hasBias ? try store.require("linear.bias", shape: [outF]).floats() : nil
        return Dense(linear: Linear(weight: weight.floats(), bias: bias, outFeatures: outF, inFeatures: inF), activation: activation)
    }

    /// Applies the layer to `rows` vectors stored back to back.
    public func apply(_ x: [Float], rows: Int, pool: ThreadPool) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outFeatures)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                linear.apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!, pool: pool)
                if activation == .tanh { Ops.tanh(yp.baseAddress!, count: rows * outFeatures) }
            }
        }
        return y
    }
}
