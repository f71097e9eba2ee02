"""A token's spelling as a vector: the character CNN of Ma and Hovy (2016).

Unknown words decide a tagger's quality on new text, and their spelling
(capitals, digits, suffixes such as "-ing" or "-mente") tells much of what
they are. Each token's characters are embedded, convolved over windows of 3
and max-pooled over the token's valid characters: a fixed-size vector per
token, whatever its length, which a CNN computes several times faster than a
character LSTM on CPU for about the same tagging accuracy (Ma and Hovy,
2016; Lample et al., 2016).
"""

from torch import nn


class CharacterEncoder(nn.Module):
    """Character ids of each token -> one vector per token.

    Parameters
    ----------
    vocab_size : int
        Number of character ids, padding 0 included.
    embedding_dim : int
        Size of each character's embedding.
    channels : int
        Number of convolution filters: the size of a token's vector.
    kernel_size : int, default=3
        Characters per convolution window.
    """

    def __init__(self, vocab_size, embedding_dim, channels, kernel_size=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.conv = nn.Conv1d(
            embedding_dim, channels, kernel_size, padding=kernel_size // 2
        )
        self.output_size = channels

    def forward(self, chars):
        """``chars``: int64 (batch, time, characters), 0 after each token's end.

        Returns float (batch, time, channels); a token without characters
        (padding) gets zeros.
        """
        batch, time, width = chars.shape
        flat = chars.reshape(batch * time, width)
        present = flat > 0
        # (tokens, embedding, characters) for Conv1d.
        features = self.conv(self.embedding(flat).transpose(1, 2))
        features = features.masked_fill(~present.unsqueeze(1), float("-inf"))
        pooled = features.max(dim=2).values
        pooled = pooled.masked_fill(~present.any(dim=1, keepdim=True), 0.0)
        return pooled.reshape(batch, time, -1)
