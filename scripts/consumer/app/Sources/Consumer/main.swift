import EmbedKit
import Foundation
import Hub
import Models
import Tokenizers

// Prints the modules it sees beside EmbedKit on stderr and the embedding of argument 2 with the model
// folder of argument 1 on stdout, as one JSON array.
let arguments = CommandLine.arguments
guard arguments.count == 3 else { fatalError("usage: Consumer MODEL_FOLDER TEXT") }
let model = try await EmbeddingModel.load(arguments[1])
let vector = try model.encode([arguments[2]])[0]
let beside = [HubModule.name, TokenizersModule.name, ModelsModule.name].joined(separator: ", ")
FileHandle.standardError.write(Data("beside EmbedKit: \(beside)\n".utf8))
print("[" + vector.map { "\($0)" }.joined(separator: ", ") + "]")
