"""Which crate a Rust place is of, as the text says: a backtrace's frame by its function's crate, where a trait's
method of a type counts for the type's crate and the trait's (the repository's trait implemented for ``String``),
and rustc's ``-->`` place by the crate whose build the same run of cargo's output then reports failed."""

from __future__ import annotations

from tests.conftest import git

RS = "".join(f"pub fn f{i}() {{}}\n" for i in range(80))
FILES = {"Cargo.toml": '[package]\nname = "my-crate"\nversion = "0.1.0"\n\n[lib]\nname = "mc"\n',
         "src/lib.rs": "pub mod ext;\n" + RS, "src/ext.rs": RS}
BACKTRACE = """thread 'main' panicked at library/core/src/option.rs:1:1:
boom
stack backtrace:
   0: rust_begin_unwind
             at /rustc/82e1608dfa6e0b5569232559e3d385fea5a93112/library/std/src/panicking.rs:645:5
   1: {call}
             at ./src/ext.rs:12:9
"""


def test_a_trait_s_method_of_a_foreign_type_is_the_trait_s_crate_s(make_repo, trace_signal):
    repo = make_repo(FILES)
    for call in ("<alloc::string::String as mc::ext::Ext>::ext", "<core::option::Option<T> as mc::ext::Ext>::ext",
                 "<&mut alloc::vec::Vec<u8> as mc::Ext>::ext", "<mc::ext::Foo as serde::de::Deserialize>::deserialize"):
        assert (call, trace_signal(repo, BACKTRACE.format(call=call))["src/ext.rs"]) == (call, 1.0)
    call = "<alloc::string::String as core::fmt::Display>::fmt"
    assert trace_signal(repo, BACKTRACE.format(call=call))["src/ext.rs"] == 0.0


RUSTC = """error[E0308]: mismatched types
  --> src/ext.rs:12:20
   |
12 |     let x: u32 = "a";
   |                  ^^^ expected `u32`, found `&str`
{between}
error: failed to run custom build command for `openssl-sys v0.9.93`
error: could not compile `{crate}` (build script) due to 1 previous error
"""


def test_a_rustc_place_is_of_the_crate_that_the_same_run_of_cargo_names(make_repo, trace_signal):
    repo = make_repo(FILES)
    for between in ("\n(and with --features tls, after fixing that:)\n", "```\n\n```\n", "$ cargo build --features tls"):
        text = RUSTC.format(between=between, crate="openssl-sys")
        assert (between, trace_signal(repo, text)["src/ext.rs"]) == (between, 1.0)
    # within one run, another crate's place stays none of the repository's
    assert trace_signal(repo, RUSTC.format(between="", crate="gateway"))["src/ext.rs"] == 0.0


def test_a_git_dependency_s_checkout_is_its_crate_s_not_the_repository_s(make_repo, trace_signal):
    repo = make_repo({"Cargo.toml": '[package]\nname = "tinyjson"\n', "src/lib.rs": RS, "src/read.rs": RS})
    for home in ("/home/u/.cargo", "/usr/local/cargo", "/opt/cargo-home"):
        panic = f"thread 'main' panicked at {home}/git/checkouts/{{name}}-0123456789abcdef/1a2b3c4/src/lib.rs:5:3:\n"
        assert (home, trace_signal(repo, panic.format(name="regex"))["src/lib.rs"]) == (home, 0.0)
        # the repository's own crate from a git checkout is its file
        assert (home, trace_signal(repo, panic.format(name="tinyjson"))["src/lib.rs"]) == (home, 1.0)


def test_a_git_checkout_of_the_repository_is_its_own_whatever_its_crates_are_called(make_repo, trace_signal):
    """Cargo names a git dependency's checkout after the last part of its URL (``json-<hash>`` for serde-rs/json,
    whose crate is ``serde_json``), and the path in it is one from the repository's root, a workspace member's too."""
    files = {"Cargo.toml": '[package]\nname = "serde_json"\n', "src/lib.rs": RS, "derive/Cargo.toml":
             '[package]\nname = "serde_json_derive"\n', "derive/src/lib.rs": RS}
    at = "thread 'main' panicked at /home/u/.cargo/git/checkouts/{name}-0123456789abcdef/1a2b3c4/{path}:5:3:\n"
    remote = make_repo(files, name="checkout")
    git(remote, "remote", "add", "origin", "git@github.com:serde-rs/JSON.git")
    named = make_repo(files, name="json")  # no remote: the directory's name, as a clone has it
    for repo in (remote, named):
        for path in ("src/lib.rs", "derive/src/lib.rs"):
            assert (repo.name, path, trace_signal(repo, at.format(name="json", path=path))[path]) == \
                (repo.name, path, 1.0)
            # another repository's checkout of the same layout is not this one
            assert trace_signal(repo, at.format(name="regex", path=path))[path] == 0.0


def test_a_git_dependency_named_as_the_repository_stays_the_dependency_s(make_repo, trace_signal):
    """A clone in ``core/`` whose Cargo.toml (or Cargo.lock) takes ``core`` from another repository's git: that
    checkout is the dependency's; and a checkout's path that is none from the root is still looked for in the
    workspace member of the checkout's name (the layout before the crate moved into ``tokio/``)."""
    at = "thread 'main' panicked at /home/u/.cargo/git/checkouts/{name}-0123456789abcdef/1a2b3c4/{path}:5:3:\n"
    for manifest, lock in (('[package]\nname = "app"\n\n[dependencies]\ncore = { git = "https://github.com/other/core" }\n',
                            None),
                           ('[package]\nname = "app"\n', ('[[package]]\nname = "core"\nsource = '
                                                          '"git+https://github.com/other/core.git?branch=main#1a2b3c4d"\n'))):
        files = {"Cargo.toml": manifest, "src/lib.rs": RS, **({"Cargo.lock": lock} if lock else {})}
        repo = make_repo(files, name="core" if lock is None else "core-lock")
        if lock is not None:
            git(repo, "remote", "add", "origin", "https://github.com/acme/core.git")
        assert trace_signal(repo, at.format(name="core", path="src/lib.rs"))["src/lib.rs"] == 0.0
    tokio = make_repo({"Cargo.toml": '[workspace]\nmembers = ["tokio"]\n', "tokio/Cargo.toml":
                       '[package]\nname = "tokio"\n', "tokio/src/runtime/mod.rs": RS}, name="tokio")
    assert trace_signal(tokio, at.format(name="tokio", path="src/runtime/mod.rs"))["tokio/src/runtime/mod.rs"] == 1.0
