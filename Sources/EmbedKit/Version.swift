/// EmbedKit's version: what `embedkit --version` prints and the server's `/info` reports. Bumped with
/// each release tag.
public enum EmbedKitVersion {
    public static let current = "0.2.0"
}
