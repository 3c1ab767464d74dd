"""Identifier-aware tokenising shared by indexing and querying, and path classification (tests, docs)."""

from __future__ import annotations

import codecs
import functools
import os
import posixpath
import re
from pathlib import Path

# words in any script (``größe``, ``été``, ``计算``): on ASCII text the same as ``[A-Za-z_][A-Za-z0-9_]*|[0-9]+``
WORD_RE = re.compile(r"[A-Za-z_]\w*|[0-9]+|[^\W\d]\w*")
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
STOP = frozenset(
    """a an and are as at be but by for from has have if in into is it its of on or that the their then there
    these this to was were will with not no can do does i we you he she they me my our your would should could
    when what which who how why where been being am so than too very just also only some any all more most such
    here get got use using used like one two e g ie eg etc self none true false""".split()  # noqa: SIM905 - a word list reads better as text
)


def split_identifier(word: str) -> list[str]:
    """``parseHTTPResponse_v2`` -> ``[parse, http, response, v2]`` (lower-cased pieces)."""
    parts: list[str] = []
    for piece in word.split("_"):
        if piece:
            pieces = _CAMEL_RE.findall(piece) if piece.isascii() else _camel_pieces(piece)
            parts.extend(p.lower() for p in pieces)
    return parts


def _camel_pieces(piece: str) -> list[str]:
    """``_CAMEL_RE``'s pieces of a word with letters beyond ASCII (``GrößeBerechnen`` -> ``Größe``,
    ``Berechnen``; ``ÜBERSchrift`` -> ``ÜBER``, ``Schrift``): the regex knows only ASCII case, and cut
    ``Größe`` into ``Gr`` and ``e``."""
    out: list[str] = []
    cur = ""
    for i, ch in enumerate(piece):
        if cur:
            prev = cur[-1]
            nxt = piece[i + 1] if i + 1 < len(piece) else ""
            if (ch.isdigit() != prev.isdigit()
                    or (ch.isupper() and (prev.islower() or (prev.isupper() and nxt.islower())))):
                out.append(cur)
                cur = ""
        cur += ch
    if cur:
        out.append(cur)
    return out


_MEMO: dict[str, tuple[str, ...]] = {}


def _word_tokens(w: str) -> tuple[str, ...]:
    lw = w.lower()
    out: list[str] = []
    if len(lw) > 1 and lw not in STOP:
        out.append(lw)
    if "_" in w or not (w.islower() or w.isupper()):
        parts = split_identifier(w)
        if len(parts) > 1 or (parts and parts[0] != lw):
            out.extend(p for p in parts if len(p) > 1 and p not in STOP)
    return tuple(out)


def tokenize(text: str) -> list[str]:
    """Whole identifiers (lower-cased) plus their snake/camel pieces; stop words and 1-char tokens dropped.

    Keeping the whole identifier makes an exact name match count more than a match of a common piece.
    Words repeat a lot in code, so each word's tokens are memoised.
    """
    out: list[str] = []
    extend = out.extend
    memo = _MEMO
    for w in WORD_RE.findall(text):
        toks = memo.get(w)
        if toks is None:
            toks = _word_tokens(w)
            if len(memo) < 500_000:
                memo[w] = toks
        extend(toks)
    return out


def path_tokens(path: str) -> list[str]:
    """Tokens of a path: directory and file names, their pieces, and the stem."""
    return tokenize(re.sub(r"[/\\.\-]", " ", path))


_TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "test_utils"})
_DOC_DIRS = frozenset({"doc", "docs", "documentation", "examples", "example", "samples", "sample", "demo",
                       "benchmarks", "bench", "changelog", "changes"})
DOC_EXTS = (".md", ".rst", ".txt", ".adoc")


@functools.lru_cache(maxsize=1 << 17)  # asked for every candidate of every query: thousands in a large repository
def is_test_path(path: str) -> bool:
    """Whether ``path`` looks like test code in any of the supported languages."""
    parts = path.lower().split("/")
    if any(p in _TEST_DIRS for p in parts[:-1]):
        return True
    name = parts[-1]
    stem = name.rsplit(".", 1)[0]
    # ``widget_unittest.cc`` and ``_browsertest.cc`` are how Chromium and much of C++ name gtest files
    if stem.startswith("test_") or stem.endswith(("_test", "_tests", "_spec", ".test", ".spec", "_unittest",
                                                   "_unittests", "_browsertest")):
        return True
    original = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return name in ("conftest.py", "test.py") or original.endswith(("Test", "Tests"))


def repo_path(repo: Path, path: str) -> str | None:
    """``path`` as the index names files: relative to ``repo``'s root, with ``/``. Models write ``./src/app.py``
    or the absolute path as often as ``src/app.py``. None for the root itself.

    Raises:
        ValueError: ``path`` is outside the repository (absolute elsewhere, or ``../other/x.py``).
    """
    path = path.strip()
    if os.path.isabs(path):
        path = os.path.normpath(path)
        for root in dict.fromkeys((os.path.normpath(repo.absolute()), os.path.realpath(repo))):
            if os.path.commonpath((root, path)) == root:
                path = os.path.relpath(path, root)
                break
        else:
            raise ValueError(f"{path}: outside the repository")
    path = posixpath.normpath(path.replace(os.sep, "/"))
    if path == ".." or path.startswith("../"):
        raise ValueError(f"{path}: outside the repository")
    return None if path == "." else path


@functools.lru_cache(maxsize=1 << 17)
def is_doc_path(path: str) -> bool:
    """Documentation, examples and benchmarks: rarely where a fix goes unless the query is about them."""
    parts = path.lower().split("/")
    return parts[-1].endswith(DOC_EXTS) or any(p in _DOC_DIRS for p in parts[:-1])


def split_lines(text: str) -> list[str]:
    """Lines as tree-sitter, git and editors number them: split at ``\n`` only (a trailing ``\r`` dropped).

    ``str.splitlines`` also breaks at form feeds, vertical tabs, ``\x1c``-``\x1e``, ``\x85``, U+2028/U+2029 and
    lone ``\r``: one form feed shifted every span and line number after it.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [ln.removesuffix("\r") for ln in lines]
    return lines


# PEP 263's coding cookie (``# -*- coding: latin-1 -*-``, ``# vim: set fileencoding=cp1252 :``), which Ruby's magic
# comment (``# encoding: iso-8859-1``) matches too; in the first two lines
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_COOKIE_LANGS = frozenset({"python", "ruby"})
# a well-formed UTF-8 sequence of two or more bytes (RFC 3629), and any byte that begins or continues one
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH = re.compile(rb"[\x80-\xff]")


def decode_source(data: bytes, lang: str | None = None, head: bytes | None = None) -> str:
    """A source file's text (or a line of it) the way its author wrote it: UTF-8 when it is; else the encoding a
    Python or Ruby coding cookie in the file's first two lines (``head``, by default those of ``data``) names;
    else, when its bytes beyond ASCII are mostly not UTF-8 (a Latin-1 or Windows-1252 file: ``caf\xe9``),
    Windows-1252 (Latin-1 for the five bytes it leaves out). UTF-8 with a stray bad byte stays UTF-8, the bad
    byte replaced. A UTF-8 byte order mark (Windows editors write one) is no character of the text: a snippet
    of the first line showed it. Binary files are left out before this (files.content_exclusion)."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        pass
    if lang in _COOKIE_LANGS:
        for line in (data if head is None else head).split(b"\n", 2)[:2]:
            m = _COOKIE.match(line)
            if m:
                try:
                    text = data.decode(codecs.lookup(m.group(1).decode("ascii")).name)
                except (LookupError, ValueError):  # unknown, or not a text encoding (``undefined``, ``hex``)
                    break
                # one that does not keep the lines (``unicode_escape`` turns ``\n`` into a line break) is no
                # encoding a file can be written in: line numbers must stay git's and the editor's
                if text.count("\n") == data.count(b"\n"):
                    return text
                break
    utf8_bytes = sum(len(m) for m in _UTF8_SEQ.findall(data))
    if utf8_bytes * 2 >= len(_HIGH.findall(data)):  # most bytes beyond ASCII are UTF-8: a stray bad one
        return data.decode("utf-8", "replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def source_lines(root: Path, path: str, wanted: set[int], lang: str | None) -> dict[int, str]:
    """The text of the lines ``wanted`` of a source file under ``root``, read once and decoded as the index
    decoded them (:func:`decode_source`); lines end at ``\\n`` only, as tree-sitter counts them."""
    out: dict[int, str] = {}
    last = max(wanted, default=0)
    try:
        with open(root / path, "rb") as fh:
            head = b""
            for i, raw in enumerate(fh, 1):
                if i <= 2:
                    head += raw
                if i in wanted:
                    out[i] = decode_source(raw, lang, head).rstrip("\r\n")
                if i >= last:
                    break
    except OSError:
        pass
    return out


# a Java, Kotlin or Scala file's package clause (Scala's ``package object`` is an object in it), and Scala's next
# ones, which name packages inside it (``package com.acme`` then ``package chained``), on the lines after it
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+(?!object\b)([\w.`]+)", re.MULTILINE)
_NEXT_PACKAGE = re.compile(r"[^\n]*\n(?:[ \t]*(?://[^\n]*)?\r?\n)*[ \t]*package[ \t]+(?!object\b)([\w.`]+)")
PACKAGE_HEAD = 16384  # the characters of a file where its package clause is looked for (after a license's header)


def package_clause(text: str) -> str | None:
    """The package a Java, Kotlin or Scala file's text declares (its first :data:`PACKAGE_HEAD` characters are
    enough), Scala's chained clauses joined, backquotes taken off; None when it declares none."""
    m = _PACKAGE.search(text, 0, PACKAGE_HEAD)
    if m is None:
        return None
    parts = [m.group(1)]
    while (m := _NEXT_PACKAGE.match(text, m.end(), PACKAGE_HEAD)) is not None:
        parts.append(m.group(1))
    return ".".join(parts).replace("`", "")
