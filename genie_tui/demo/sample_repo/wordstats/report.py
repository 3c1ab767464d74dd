"""Format a word-frequency report for the command line."""

from wordstats.counter import top_words


def report(text, n=3):
    """One line per word: the word and how often it occurs."""
    return "\n".join(f"{word:<12} {count}" for word, count in top_words(text, n))
