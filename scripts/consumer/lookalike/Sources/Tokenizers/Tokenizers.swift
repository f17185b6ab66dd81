public enum TokenizersModule { public static let name = "Tokenizers" }
