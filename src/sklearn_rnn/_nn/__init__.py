"""The torch modules: the network, its parts, its loss, and masking.

Everything here works on right-padded batches plus each sequence's length,
and never lets padding reach a result.

- ``module``: :class:`RNNModule`, the network the estimators train.
- ``recurrent``: the recurrent cells and the bidirectional core.
- ``conv``: the optional convolutional branch and its masked batch norm.
- ``normalization``: instance normalization over valid steps.
- ``loss``: the sample-weighted training loss.
- ``masking``: the valid-step mask and the masked mean.
- ``deployment``: the prediction heads appended for ONNX export.
"""
