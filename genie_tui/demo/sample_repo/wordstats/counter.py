"""Count words in text and rank them by frequency."""

from collections import Counter


def words(text):
    """Split ``text`` into words."""
    return text.split()


def count_words(text):
    """How many times each word occurs in ``text``."""
    return Counter(words(text))


def unique_words(text):
    """The distinct words of ``text``, in order of first appearance."""
    seen = {}
    for word in words(text):
        seen.setdefault(word, None)
    return list(seen)


def top_words(text, n=3):
    """The ``n`` most common words of ``text``, most common first."""
    counts = count_words(text)
    ranked = sorted(counts.items(), key=lambda item: item[1])
    return ranked[:n]
