import unittest

from wordstats.counter import count_words, top_words, words


class WordsTest(unittest.TestCase):
    def test_splits_on_whitespace(self):
        self.assertEqual(words("a b\tc\nd"), ["a", "b", "c", "d"])

    def test_ignores_punctuation_and_case(self):
        self.assertEqual(words("Hello, hello world!"), ["hello", "hello", "world"])


class TopWordsTest(unittest.TestCase):
    def test_most_common_first(self):
        self.assertEqual(top_words("a b b c c c", 2), [("c", 3), ("b", 2)])

    def test_counts(self):
        self.assertEqual(count_words("x y x")["x"], 2)


if __name__ == "__main__":
    unittest.main()
