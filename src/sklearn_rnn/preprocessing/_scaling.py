"""Placeholder: being written."""


class SequenceScaler:
    """Placeholder."""
