"""Placeholder: being written."""


def make_windows():
    """Placeholder."""
