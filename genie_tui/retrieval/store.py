"""The persisted index: one SQLite file per repository in the user cache dir.

SQLite gives crash safety and concurrent readers (WAL). Search terms live in a ``postings`` table
(term, file, term frequency per field) so field-weighted BM25 reads only the query's terms. Each thread gets its own
connection; writers serialise on a lock held by :class:`~genie_tui.retrieval.index.RepoIndex`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from genie_tui.config import paths
from genie_tui.errors import GenieError

# 9: methods outside their type record it as parent; 10: lines split at \n only; 11: JS/TS ``export ... from``,
# imports looked up by name, a name's first 200 reference lines in a file; 12: JS/TS default exports and imports
# 13: CommonJS require and module.exports, anonymous default exports (named ``default``), ``{ x }`` shorthands;
# 14: the name ``default`` of an anonymous JS/TS default export is no search word; 15: JS/TS functions assigned
# to objects, in object literals, in class fields and through module-level wrappers, Go interface methods, C
# ``char **f()``; 16: Ruby methods declared by calls (``attr_reader``, ``scope``); 17: CommonJS ``require`` with a
# comment, ``exports['X']``, ``Object.defineProperty(exports, 'X', ...)``, ``exports.X = m.Y`` and ``{ a: { b } }``;
# 18: ``typedef struct X {...} X;`` is one definition; 19: Vue and Svelte components; 20: C#, PHP and Kotlin
# definitions (.cs, .php, .phtml, .kt and .kts files were plain text); 21: Vue/Svelte template tags as references;
# 22: TypeScript's compiled __exportStar, __importDefault and __importStar; 23: Swift and Scala definitions
# (.swift and .scala files were plain text, .sc files not indexed); 24: Swift operators, subscripts and enum cases,
# Scala symbolic defs and vals, C# delegates, events and indexers; members declared on one line are one chunk;
# 25: string literals, for messages quoted in a task; 26: Kotlin's multi-line and Swift's raw string literals;
# 27: Ruby's and PHP's heredocs, PHP's nowdocs; 28: Scala auxiliary constructors, Scala 3 enum cases and the names
# a val's pattern binds, C# operators and conversion operators, Swift stored properties of a type; 29: Ruby's
# chained strings (``"a " \ "b"``) read whole, and literals whose words only escapes set apart (``"a\tb\tc"``);
# 30: a definition's chunk starts at its decorators or attributes (Python, JS/TS, Rust); 31: words with letters
# beyond ASCII are whole tokens (``größe`` was ``gr``, ``été`` nothing); 32: the code of a namespace or module
# between its definitions is in search chunks; 33: TypeScript namespaces and abstract methods, Rust type aliases
# and unions; 34: a JS/TS method written short in an object literal (``var utils = { merge() {} }``) is the object's
# 35: a C++ class template's specialisation (``class Box<int> {}``) is named ``Box``
# 36: JavaScript's private members (``#secret() {}``, ``#handler = () => {}``) are definitions named ``secret``
# 37: Java annotation types (``@interface Retry``), their elements and records' compact constructors
# 38: files that are not UTF-8 are read in their coding cookie's encoding or as Windows-1252, not with U+FFFD
# 39: Go, Python 3.12 and C++ type aliases, C/C++ unions and function pointer typedefs, C++ function-like macros
# 40: .rake, .gemspec, config.ru, Rakefile and the like are Ruby, .pyw Python, .tpp/.ipp/.inl/.cppm/.ixx C++
# 41: a .h file with classes, namespaces or templates is parsed as C++
# 42: a Ruby symbol (``each(&:total)``, ``before_action :login``) is a reference to the method it names
# 43: named values are definitions of the kind ``value``: Rust ``const`` and ``static`` items, Go's top-level ``const``
#     and ``var`` names, C/C++ object-like macros with a value (``#define BUF_SIZE 1024``), Kotlin's ``const val``s;
#     so are Kotlin's named companion objects and secondary constructors and a Rust trait's associated type; a
#     JavaScript method named by a string that reads as a name is named by its text (``"fetch-all"() {}``)
# 44: a Python module's and class's named values (``MAX_RETRIES = 3``, ``timeout: float = 5.0``) are ``value``s;
#     named values make no chunks of their own (they stay in their windows of module-level code)
# 45: a dot file without an extension (``.flake8``, ``.coveragerc``, ``.gitignore``) is a text file
# 46: a JS/TS method under a computed literal key (``['load']() {}``) is named by it; under a computed value, none
# 47: so is a class field holding a function (``['open'] = () => {}``)
# 48: a huge function split into its nested definitions keeps its own code in chunks named for it (in a class,
#     that code was in no chunk)
# 49: so does a class, between and after its members (``readline = read``); blank lines are in no such window
# 50: commit messages' words in a table of their own (``histterm``), scored in memory, not by SQLite's FTS5
# 51: a chunk's terms without their counts, which are a column of their own (one character each)
# 52: a posting's four counts in one integer (bm25.pack_tf)
# 53: each term's document frequency stored (``df``), not counted from its postings at each query
# 54: code in extern/, cextern/, externals/, third-party/ and 3rdparty/ directories is vendored (not indexed)
# 55: a file's ctime is stored instead of its mtime (``touch -r`` and ``chmod`` are seen)
# 56: Ruby's compact ``class Shop::Cart`` has ``Shop`` as its parent; files under a symlinked directory can be
#     aliases
# 57: files git tracks under build/, dist/, target/, venv/, .venv/, __pycache__/, .tox/ and .mypy_cache/ are indexed
#     (only untracked ones are left out there)
# 58: "auto-generated"/"autogenerated" in a file's header is no generator's marker (``@generated``, ``DO NOT EDIT``
#     and a comment line ``Code generated`` are)
# 59: text files of any kind are indexed (UTF-8 for kinds not known by name), not only listed extensions; a script
#     without an extension is its ``#!`` line's language; data kinds (``.csv``, ``.svg``, ``.po``, ``.ipynb``...),
#     keys and certificates are left out
# 60: a file is minified by a line over 50,000 characters or lines averaging over 1,000 bytes with under 5%
#     whitespace, no longer by a first line over 4 KB (a soft-wrapped Markdown paragraph)
# 61: a definition is at its name's line, below Java's (C#'s, Kotlin's...) annotations and a C function's return
#     type on a line of its own; a C++ template's chunk starts at its ``template <...>`` line; C++ pure virtual
#     methods are definitions; C and C++ functions declared without a body are stored (``decls``)
# 62: no declaration is stored from where the C/C++ parse recovered from an error (calls to macros that open
#     and close braces read as prototypes)
SCHEMA_VERSION = "62"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, size INT, ctime INT,
    hash TEXT, lang TEXT, nlines INT, excluded TEXT, lp INT DEFAULT 0, ln INT DEFAULT 0, ld INT DEFAULT 0,
    lb INT DEFAULT 0);
CREATE TABLE IF NOT EXISTS defs(file_id INT, name TEXT, kind TEXT, line INT, end_line INT, parent TEXT,
    doc TEXT);
CREATE INDEX IF NOT EXISTS defs_name ON defs(name);
CREATE INDEX IF NOT EXISTS defs_file ON defs(file_id);
-- C and C++ functions declared without a body (a header's prototype): go to definition's fallback (declared.py)
CREATE TABLE IF NOT EXISTS decls(file_id INT, name TEXT, line INT, end_line INT, parent TEXT);
CREATE INDEX IF NOT EXISTS decls_name ON decls(name);
CREATE INDEX IF NOT EXISTS decls_file ON decls(file_id);
CREATE TABLE IF NOT EXISTS refs(file_id INT, name TEXT, lines TEXT);
CREATE INDEX IF NOT EXISTS refs_name ON refs(name);
CREATE INDEX IF NOT EXISTS refs_file ON refs(file_id);
CREATE TABLE IF NOT EXISTS imports(file_id INT, module TEXT, name TEXT, alias TEXT);
CREATE INDEX IF NOT EXISTS imports_file ON imports(file_id);
CREATE INDEX IF NOT EXISTS imports_name ON imports(name);
CREATE TABLE IF NOT EXISTS strings(file_id INT, line INT, key INT, segs TEXT);
CREATE INDEX IF NOT EXISTS strings_key ON strings(key);
CREATE INDEX IF NOT EXISTS strings_file ON strings(file_id);
CREATE TABLE IF NOT EXISTS postings(term TEXT, fid INT, tf INT, PRIMARY KEY(term, fid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS postings_fid ON postings(fid);
CREATE TABLE IF NOT EXISTS df(term TEXT PRIMARY KEY, n INT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunks(file_id INT, start INT, end_line INT, name TEXT, ntok INT, terms TEXT, counts TEXT);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE TABLE IF NOT EXISTS commits(id INTEGER PRIMARY KEY, sha TEXT UNIQUE, files TEXT, ntok INT);
CREATE TABLE IF NOT EXISTS histterm(term TEXT, commit_id INT, tf INT, PRIMARY KEY(term, commit_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS histpost(term TEXT, path TEXT, tf INT, PRIMARY KEY(term, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS histlen(path TEXT PRIMARY KEY, len INT, ncommits INT, nrecent INT);
-- semantic search (retrieval/semantic.py): float32 vectors keyed by model and a hash of the embedded text;
-- chunk_vecs maps a file's chunks to them, vec_files says which version of a file they were made from
CREATE TABLE IF NOT EXISTS vectors(model TEXT, hash TEXT, vec BLOB, PRIMARY KEY(model, hash));
CREATE TABLE IF NOT EXISTS chunk_vecs(file_id INT, model TEXT, start INT, end_line INT, hash TEXT);
CREATE INDEX IF NOT EXISTS chunk_vecs_file ON chunk_vecs(file_id);
CREATE TABLE IF NOT EXISTS vec_files(file_id INT, model TEXT, path TEXT, hash TEXT, PRIMARY KEY(file_id, model));
"""
# one by one inside a transaction (executescript would commit first)
_STATEMENTS = [s.strip() for s in "\n".join(ln for ln in _SCHEMA.splitlines() if not ln.startswith("--")).split(";")
               if s.strip()]
BUSY_SECONDS = 30.0
NAME_BYTES = 200


# OperationalErrors that only a damaged or foreign cache gives (text that is not UTF-8, tables of another shape)
_DAMAGE = ("could not decode to utf-8", "no such column", "no such table", "malformed")


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file (rebuild it), as opposed to a busy database, a full disk or a constraint (never wipe for
    those)."""
    if type(exc) is sqlite3.DatabaseError:
        return True
    return isinstance(exc, sqlite3.OperationalError) and str(exc).lower().startswith(_DAMAGE)


WAITING = "another genie process is updating this repository's index; waiting for it"


class Stopped(Exception):
    """An update told to stop (``RepoIndex.close``): what it committed stays, the rest is rolled back."""


class Closed(GenieError):
    """The index was closed (genie quitting) while a lookup on another thread still used it."""

    def __init__(self) -> None:
        super().__init__("the code index was closed (genie is quitting)")


class TooMany(Exception):
    """An update asked to parse at most so many files found more to parse (see ``build.update``'s ``max_parse``)."""


class LockBusy(Exception):
    """Another process is updating the index (see :meth:`Store.build_lock`)."""


class StaleIndex(Exception):
    """The cache file is from another schema version or cannot be read."""


class CacheUnusable(GenieError):
    """The index cache cannot be created or written (a read-only or full disk, a file where a dir should be)."""

    def __init__(self, path: Path, exc: Exception) -> None:
        if isinstance(exc, OSError):
            path, reason = Path(exc.filename or path), exc.strerror or str(exc)
        else:
            reason = str(exc)
        super().__init__(f"cannot use the index cache {path}: {reason}")


def db_path(repo: Path) -> Path:
    """Where the index of ``repo`` lives (keyed by the repository's absolute path)."""
    full = repo.resolve()
    # fsencode: a directory name that is not UTF-8 arrives with lone surrogates, which .encode() refused
    key = hashlib.sha1(os.fsencode(full)).hexdigest()[:16]
    name = os.fsencode(full.name).decode("utf-8", "replace")
    # a file name holds at most 255 bytes, and "-<key>.sqlite.embed.lock" takes 35: a long directory name is
    # cut (the key tells such names apart)
    name = name.encode("utf-8")[:NAME_BYTES].decode("utf-8", "ignore")
    return paths.user_cache_dir() / "index" / f"{name}-{key}.sqlite"


def _wal(c: sqlite3.Connection) -> None:
    """Switch to WAL, waiting for other processes: SQLite answers SQLITE_BUSY at once here, without its busy
    handler, so several processes opening a new index together failed with "database is locked"."""
    deadline = time.monotonic() + BUSY_SECONDS
    delay = 0.002
    while True:
        try:
            c.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_BUSY) & 0xFF != sqlite3.SQLITE_BUSY \
                    or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _schema_row(c: sqlite3.Connection) -> str | None:
    if c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone() is None:
        return None
    row = c.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    return None if row is None else str(row[0])


class Store:
    """Per-thread SQLite connections to one index file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._file: tuple[int, int] | None = None  # the file the first connection opened (device, inode)
        self._closed = False

    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            if self._closed:  # a lookup in flight at close(): a connection opened now was never closed
                raise Closed
            c = sqlite3.connect(self.path, timeout=BUSY_SECONDS, check_same_thread=False)
            try:  # the same file as this store's other connections: another process may have replaced it since
                st = os.stat(self.path)
            except OSError:
                st = None
            with self._lock:
                if st is not None and self._file is None:
                    self._file = (st.st_dev, st.st_ino)
                elif self._file is not None and (st is None or (st.st_dev, st.st_ino) != self._file):
                    c.close()  # its snapshot and caches are of the old file: no answer from both at once
                    raise CacheUnusable(self.path, RuntimeError(
                        "another genie process replaced it (a rebuild, or a genie of another version); restart "
                        "this genie to use the new one"))
            _wal(c)
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA temp_store=MEMORY")
            self._local.conn = c
            with self._lock:
                self._conns.append(c)
        return c

    def release(self) -> None:
        """Close the calling thread's connection, as a thread that ends does (a background build's): kept, each
        branch switch's catch-up left one more open until the index closed."""
        c = getattr(self._local, "conn", None)
        if c is None:
            return
        self._local.conn = None
        with self._lock:
            if c in self._conns:
                self._conns.remove(c)
        try:
            c.close()
        except sqlite3.Error:
            pass

    def init(self, *, thorough: bool = False) -> None:
        """Create the schema, or raise :class:`StaleIndex` if the file is corrupt or from another version,
        or :class:`CacheUnusable` when the cache dir cannot be written. ``thorough`` runs SQLite's full
        integrity check, which reads the whole file (0.6 s for a 1M-line repository's). Without it only what
        is read finds damage: every read of the index rebuilds it when it trips over a damaged page."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            c = self.conn()
            # the version first: another version's tables may not take this version's indexes
            version = _schema_row(c)
            if version is None:
                version = self._create(c)
            if version != SCHEMA_VERSION:
                raise StaleIndex(f"index schema {version} != {SCHEMA_VERSION}")
            if thorough and c.execute("PRAGMA integrity_check(1)").fetchone()[0] != "ok":
                raise StaleIndex("index failed its integrity check")
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                raise StaleIndex(str(exc)) from exc
            if isinstance(exc, sqlite3.OperationalError):  # cannot open or write: a rebuild would not help
                raise CacheUnusable(self.path, exc) from None
            raise
        except OSError as exc:
            raise CacheUnusable(self.path, exc) from None

    @staticmethod
    def _create(c: sqlite3.Connection) -> str:
        """Create the tables and the schema row in one transaction, so that another process opening the index
        at the same moment sees either nothing (and waits for the write lock) or all of it; returns the schema
        version found (a racing process may have written it first)."""
        c.execute("BEGIN IMMEDIATE")
        try:
            version = _schema_row(c)
            if version is None:
                if c.execute("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1").fetchone():
                    raise StaleIndex("it has tables but no schema version")
                for statement in _STATEMENTS:
                    c.execute(statement)
                c.execute("INSERT INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
                version = SCHEMA_VERSION
            c.commit()
        except BaseException:
            c.rollback()
            raise
        return version

    @contextlib.contextmanager
    def build_lock(self, on_wait: Callable[[str], None] | None = None, block: bool = True,
                   stop: threading.Event | None = None) -> Iterator[None]:
        """Serialise index updates across processes (the app and ``genie search`` may open one repo at once).
        When another holds it, ``on_wait`` is told before waiting (a ``genie index`` stopped with Ctrl+Z holds it
        until it goes on), or :class:`LockBusy` is raised at once (``block`` false); :class:`Stopped` once
        ``stop`` is set while it waits (genie quitting)."""
        try:
            import fcntl
        except ImportError:  # Windows: SQLite's own locking still keeps the file consistent
            yield
            return
        try:
            fh = open(str(self.path) + ".lock", "a+b")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise CacheUnusable(Path(str(self.path) + ".lock"), exc) from None
        with fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not block:
                    raise LockBusy from None
                if on_wait is not None:
                    on_wait(WAITING)
                while stop is not None:  # looked at again every 0.1 s, so that quitting does not wait for it
                    with contextlib.suppress(BlockingIOError):
                        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    if stop.wait(0.1):
                        raise Stopped
                else:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        """Close every thread's connection; :meth:`conn` opens none after this (it raises :class:`Closed`)."""
        self._closed = True
        self._drop()

    def _drop(self) -> None:
        with self._lock:
            for c in self._conns:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()
        self._local = threading.local()

    def wipe(self) -> None:
        """Delete the index file (and WAL side files) so it is rebuilt."""
        self._drop()
        for suffix in ("", "-wal", "-shm"):  # the .lock file stays: another process may hold it
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        self._file = None

    def meta(self, key: str) -> str | None:
        row = self.conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn().execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))
