"""The torch modules: the network, its parts, its loss, and masking.

Everything here works on right-padded batches plus each sequence's length,
and never lets padding reach a result.
"""
