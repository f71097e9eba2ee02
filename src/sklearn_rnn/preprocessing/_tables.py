"""Placeholder: being written."""


def long_to_sequences():
    """Placeholder."""
