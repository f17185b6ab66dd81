public enum HubModule { public static let name = "Hub" }
