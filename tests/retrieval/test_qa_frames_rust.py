"""A Rust backtrace names the files of crates as Cargo installs them, in a registry of any cargo home
(``~/.cargo``, the Docker image's ``/usr/local/cargo``, OSS-Fuzz's ``/rust``), and the files of Rust's own library
(``/rustc/<commit>/library/std/...``): only the repository's own crate's are its files, the one at its root too,
which its Cargo.toml names."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

CARGO = '[package]\nname = "tinyjson"\nversion = "0.3.1"\nedition = "2021"\n'
READ = ("pub struct SliceRead<'a> { slice: &'a [u8], start: usize, index: usize }\n\n"
        "impl<'a> SliceRead<'a> {\n    pub fn end_raw(&mut self) -> &'a str {\n"
        "        let raw = &self.slice[self.start..self.index];\n        std::str::from_utf8(raw).unwrap()\n    }\n}\n\n"
        "pub fn from_slice(v: &[u8]) -> &str {\n    let mut r = SliceRead { slice: v, start: 0, index: v.len() };\n"
        "    r.end_raw()\n}\n")
FILES = {"Cargo.toml": CARGO, "src/lib.rs": "pub mod read;\npub mod io;\npub use read::from_slice;\n" + "\n" * 900,
         "src/read.rs": READ, "src/io/mod.rs": "pub struct Reader;\n" + "\n" * 1100}
PANIC = """Panic on bytes that are not UTF-8

```
thread 'main' panicked at {home}/registry/src/index.crates.io-6f17d22bba15001f/tinyjson-0.3.1/src/read.rs:6:34:
called `Result::unwrap()` on an `Err` value: Utf8Error {{ valid_up_to: 0, error_len: Some(1) }}
stack backtrace:
   0: rust_begin_unwind
             at /rustc/82e1608dfa6e0b5569232559e3d385fea5a93112/library/std/src/panicking.rs:645:5
   1: tinyjson::read::SliceRead::end_raw
             at {home}/registry/src/index.crates.io-6f17d22bba15001f/tinyjson-0.3.1/src/read.rs:6:34
   2: tinyjson::read::from_slice
             at {home}/registry/src/index.crates.io-6f17d22bba15001f/tinyjson-0.3.1/src/read.rs:11:5
   3: regex::Regex::replace_all
             at {home}/registry/src/index.crates.io-6f17d22bba15001f/regex-1.10.2/src/lib.rs:812:9
   4: <std::io::BufReader<R> as std::io::Read>::read
             at /rustc/82e1608dfa6e0b5569232559e3d385fea5a93112/library/std/src/io/mod.rs:1001:9
```
"""


def test_the_repository_s_root_crate_in_any_cargo_home_is_its_file_and_no_other_crate_s_or_std_s_is(make_repo,
                                                                                                        trace_signal):
    repo = make_repo(FILES)
    for home in ("/home/alice/.cargo", "/usr/local/cargo", "/rust", "/opt/cargo-home"):
        trace = trace_signal(repo, PANIC.format(home=home))
        assert (home, trace["src/read.rs"], trace["src/lib.rs"], trace["src/io/mod.rs"]) == (home, 1.0, 0.0, 0.0)
    ix = RepoIndex.open(repo)
    try:
        assert ix.search(PANIC.format(home="/usr/local/cargo"), k=1)[0].path == "src/read.rs"
    finally:
        ix.close()


def test_a_workspace_crate_is_found_by_its_cargo_toml_s_name_and_rust_s_repository_keeps_its_library(make_repo,
                                                                                                       trace_signal):
    repo = make_repo({"Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
                      "crates/parse/Cargo.toml": '[package]\nauthors = [\n  "a",\n]\nname = "tinyjson"\n',
                      "crates/parse/src/read.rs": READ, "crates/parse/src/lib.rs": "pub mod read;\n"})
    assert trace_signal(repo, PANIC.format(home="/home/alice/.cargo"))["crates/parse/src/read.rs"] == 1.0
    rust = make_repo({"library/std/src/io/mod.rs": "pub struct Reader;\n" + "\n" * 1100,
                      "library/std/src/panicking.rs": "pub fn begin_panic() {}\n" + "\n" * 700}, name="rust")
    trace = trace_signal(rust, PANIC.format(home="/usr/local/cargo"))
    assert trace["library/std/src/io/mod.rs"] > 0 and trace["library/std/src/panicking.rs"] > 0


TEST_PANIC = """Panic instead of error on invalid UTF-8 input

```
thread 'tests::rejects_bad_bytes' panicked at 'called `Result::unwrap()` on an `Err` value', /home/alice/.cargo/registry/src/github.com-1ecc6299db9ec823/tinyjson-0.3.1/src/read.rs:6:34
stack backtrace:
   0: rust_begin_unwind
             at /rustc/cb75ad5db02783e8b0222fee363c5f63f7e2cf5b/library/std/src/panicking.rs:493:5
   1: tinyjson::read::SliceRead::end_raw
             at /home/alice/.cargo/registry/src/github.com-1ecc6299db9ec823/tinyjson-0.3.1/src/read.rs:6:34
   2: {crate}::tests::rejects_bad_bytes
             at ./src/lib.rs:{line}:43
```
"""
COMPILE_ERROR = """RawValue has no way to get the text back

```
error[E0599]: no method named `as_str` found for struct `Box<RawValue>` in the current scope
  --> src/lib.rs:{line}:20
   |
   |     let text = raw.as_str();
   |                    ^^^^^^ method not found in `Box<RawValue>`

error: could not compile `{crate}` (lib) due to 1 previous error
```
"""


def test_a_place_in_another_crate_s_src_lib_rs_is_no_file_of_the_repository(make_repo, trace_signal):
    repo = make_repo(FILES)
    for text in (TEST_PANIC, COMPILE_ERROR):
        # the reporter's crate, gateway, is not the repository's: its src/lib.rs is not the repository's
        theirs = trace_signal(repo, text.format(crate="gateway", line=88))
        ours = trace_signal(repo, text.format(crate="tinyjson", line=88))
        assert (theirs["src/lib.rs"], ours["src/lib.rs"] > 0) == (0.0, True)
    ix = RepoIndex.open(repo)
    try:  # nor is its path one the query names
        mention = {path: feats.get("mention", 0.0) for path, feats in ix.features(TEST_PANIC.format(crate="gateway",
                                                                                                   line=88))}
    finally:
        ix.close()
    assert mention.get("src/lib.rs", 0.0) == 0.0
    # a crate of the package's tests/ is the repository's too
    tests = make_repo({**FILES, "tests/regression.rs": "#[test]\nfn rejects_bad_bytes() {}\n" + "\n" * 90},
                      name="with-tests")
    text = TEST_PANIC.format(crate="regression", line=88).replace("./src/lib.rs", "./tests/regression.rs")
    assert trace_signal(tests, text)["tests/regression.rs"] > 0
