import EmbedKit
