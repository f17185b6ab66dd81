import Foundation

/// `pytorch_model.bin` (torch.save zip archive) reader. Placeholder until the restricted unpickler lands.
public enum PyTorchArchive {
    public static func load(_ url: URL) throws -> TensorStore {
        throw FormatError.unsupported(file: url.path, reason: "PyTorch archives are not supported yet")
    }
}
