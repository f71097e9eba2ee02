"""Placeholder: being written."""


class SequencePadder:
    """Placeholder."""
