public enum ModelsModule { public static let name = "Models" }
