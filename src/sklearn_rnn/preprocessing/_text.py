"""Placeholder: being written."""


class Tokenizer:
    """Placeholder."""
