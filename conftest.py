"""Repository-wide pytest setup, shared by tests/ and the doctests under src/."""

import torch

# The test and doctest models are tiny: a second thread buys nothing, and on a
# loaded 2-core machine OpenMP threads fighting over cores made each fit ~100x
# slower.
torch.set_num_threads(1)
