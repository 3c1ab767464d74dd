"""Text files of any kind are indexed, not only an allow-list of extensions: Terraform, Jenkinsfiles, CUDA,
properties, nginx configuration, PowerShell, Clojure; a script without an extension is parsed as the language its
``#!`` line names. Data that would flood keyword search (tables, drawings, translation catalogues), files of
unknown kinds that are not UTF-8 text, and credentials stay out, each with its reason."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

TEXT = {
    "bin/deploy": "#!/usr/bin/env python3\ndef deploy_frobnicator():\n    pass\n",
    "infra/main.tf": 'variable "frobnicator_region" {\n  default = "eu-west-1"\n}\n',
    "ci/Jenkinsfile": 'pipeline { stage("frobnicator_stage") { steps { sh "make" } } }\n',
    "src/kern.cu": "__global__ void frobnicator_kernel(float *x) { x[0] = 1; }\n",
    "src/app.properties": "frobnicator.timeout.seconds=30\n",
    "infra/nginx.conf": "server { listen 80; server_name frobnicator_host; }\n",
    "bin/run.ps1": 'Write-Host "frobnicator_ps"\n',
    "src/core.clj": "(defn frobnicator-clj [] 1)\n",
}
LEFT_OUT = {
    "data/cities.csv": "name,quokkapop\nOslo,700000\n",
    "docs/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><path id="quokkalogo" d="M0 0"/></svg>\n',
    "locale/de/messages.po": 'msgid "quokkamsg"\nmsgstr "Frobnikator"\n',
    ".env.local": "QUOKKA_TOKEN=secret\n",
    "deploy/server": "-----BEGIN OPENSSH PRIVATE KEY-----\nquokkakey\n-----END OPENSSH PRIVATE KEY-----\n",
    "go.sum": "example.com/quokka v1.0.0 h1:abc=\n",
}


def test_text_files_of_any_kind_are_searchable(make_repo):
    repo = make_repo({**TEXT, **LEFT_OUT})
    (repo / "doc/paper.tex").parent.mkdir()
    (repo / "doc/paper.tex").write_bytes("\\section{Gr\xf6\xdfe quokkalatin}\n".encode("latin-1"))
    ix = RepoIndex.open(repo)
    try:
        assert {p: ix.explain(p).split(": ", 1)[1] for p in TEXT} == {
            "bin/deploy": "indexed (3 lines; parsed as python, 1 definition)",
            **{p: f"indexed ({TEXT[p].count(chr(10))} line{'s' * (TEXT[p].count(chr(10)) > 1)}; indexed as plain "
                  "text (keywords only))" for p in TEXT if p != "bin/deploy"}}
        assert [d.path for d in ix.definitions("deploy_frobnicator")] == ["bin/deploy"]
        for word, path in (("frobnicator_region", "infra/main.tf"), ("frobnicator_stage", "ci/Jenkinsfile"),
                           ("frobnicator_kernel", "src/kern.cu"), ("frobnicator_host", "infra/nginx.conf"),
                           ("frobnicator_ps", "bin/run.ps1")):
            assert ix.search(word)[0].path == path
        assert {p: ix.explain(p).split(": ", 1)[1] for p in (*LEFT_OUT, "doc/paper.tex")} == {
            "data/cities.csv": "not indexed: data, not code or prose (.csv files are not indexed)",
            "docs/logo.svg": "not indexed: data, not code or prose (.svg files are not indexed)",
            "locale/de/messages.po": "not indexed: data, not code or prose (.po files are not indexed)",
            ".env.local": "not indexed: holds credentials, keys or certificates (by its name)",
            "deploy/server": "not indexed: holds a private key",
            "go.sum": "not indexed: generated (by its name)",
            "doc/paper.tex": ("not indexed: binary or not UTF-8 (a file of a kind not known by its name is indexed "
                              "only as UTF-8 text)")}
        for word in ("quokkapop", "quokkalogo", "quokkamsg", "quokkakey",
                     "quokkalatin"):
            assert ix.search(word) == []
    finally:
        ix.close()


def test_cli_finds_a_terraform_variable(make_repo, capsys):
    from genie_tui.cli import main

    repo = make_repo(TEXT)
    assert main(["search", "frobnicator_region", "--repo", str(repo), "-k", "1"]) == 0
    assert capsys.readouterr().out.split()[1] == "infra/main.tf"
