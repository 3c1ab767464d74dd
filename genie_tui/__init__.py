"""genie: a terminal AI software engineer."""

__version__ = "0.1.0"
