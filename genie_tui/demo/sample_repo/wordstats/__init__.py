"""wordstats: count and rank the words of a text."""

from wordstats.counter import count_words, top_words, words

__all__ = ["count_words", "top_words", "words"]
