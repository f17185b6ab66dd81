/// Which repository files the sentence-transformers pipeline needs: configs, tokenizer files and ONE
/// weights format per folder (model.safetensors preferred over pytorch_model.bin). Nothing else
/// (no ONNX, OpenVINO, TF, Flax or duplicate weights) is downloaded.
public enum FileSelection {
    /// Files read from the model root and from each module folder when present.
    public static let configFiles = [
        "config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
    ]
    /// bge-m3's sparse and ColBERT heads (PyTorch state dicts, a few MB), read from the model root.
    public static let headFiles = ["colbert_linear.pt", "sparse_linear.pt"]
    /// Weight formats in order of preference.
    public static let weightFiles = ["model.safetensors", "pytorch_model.bin"]

    /// The files of the folder `prefix` ("" for the root, "2_Dense" for a module) among `siblings`.
    public static func files(in prefix: String, siblings: Set<String>) -> [String] {
        let base = prefix.isEmpty ? "" : prefix + "/"
        var chosen = (configFiles + (prefix.isEmpty ? headFiles : [])).map { base + $0 }.filter(siblings.contains)
        if let weights = weightFiles.map({ base + $0 }).first(where: siblings.contains) {
            chosen.append(weights)
        }
        return chosen
    }

    public static func isWeights(_ file: String) -> Bool {
        weightFiles.contains { file == $0 || file.hasSuffix("/" + $0) }
    }
}
