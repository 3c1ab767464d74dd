"""A Java or Kotlin frame names its file by its package; by its name alone only where the file's own package line
is the frame's (a Kotlin file outside its package's directories): a dependency's class of the same name
(Jackson's ``com.fasterxml.jackson.core.JsonParser``) is no file of the repository's package."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

BASE = "src/main/java/com/minijson/"
FILES = {BASE + "JsonParser.java": "package com.minijson;\n\npublic final class JsonParser {\n" + "\n" * 2500 + "}\n",
         BASE + "JsonReader.java": "package com.minijson;\n\npublic class JsonReader {\n  public long nextLong() {\n"
                                   "    return 0;\n  }\n" + "\n" * 20 + "}\n",
         "examples/src/main/java/com/example/Main.java": "package com.example;\n\npublic class Main {\n" + "\n" * 20 + "}\n",
         "app/Ledger.kt": "package com.shop\n\nclass Ledger {\n" + "\n" * 20 + "}\n"}
TRACE = """Long field fails

```
Exception in thread "main" java.lang.NumberFormatException: For input string: "1e3"
	at java.base/java.lang.Long.parseLong(Long.java:711)
	at com.minijson.JsonReader.nextLong(JsonReader.java:5)
	at com.shop.Ledger.load(Ledger.kt:9)
	at com.shop.Main.main(Main.java:9)
```

Jackson's error for a bad value:

```
com.fasterxml.jackson.core.JsonParseException: Unexpected character ('x' (code 120))
	at com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:2477)
	at com.shop.Main.main(Main.java:14)
```
"""


def test_a_frame_of_another_package_is_no_file_of_the_same_name(make_repo, trace_signal):
    repo = make_repo(FILES)
    trace = trace_signal(repo, TRACE)
    assert trace[BASE + "JsonParser.java"] == 0.0 and trace["examples/src/main/java/com/example/Main.java"] == 0.0
    assert trace[BASE + "JsonReader.java"] > 0 and trace["app/Ledger.kt"] > 0  # its package line says com.shop
    ix = RepoIndex.open(repo)
    try:
        assert ix.search(TRACE, k=1)[0].path == BASE + "JsonReader.java"
    finally:
        ix.close()


def test_the_package_line_is_read_after_a_bom_a_long_license_and_through_scala_s_chained_clauses(make_repo,
                                                                                                  trace_signal):
    body = "".join(f"    fun f{i}() = {i}\n" for i in range(40))
    license_ = "/*\n" + " * Licensed under the Apache License, Version 2.0 (the \"License\"); you may not...\n" * 80 + " */\n"
    repo = make_repo({"app/Bom.kt": "\ufeffpackage com.acme.bom\n\nobject B {\n" + body + "}\n",
                      "app/Licensed.kt": license_ + "package com.acme.lic\n\nobject L {\n" + body + "}\n",
                      "app/Chained.scala": "package com.acme\npackage chained\n\nobject C {\n" + body + "}\n"})
    assert len(license_) > 6000
    for cls, name in (("com.acme.bom.B", "Bom.kt"), ("com.acme.lic.L", "Licensed.kt"),
                      ("com.acme.chained.C$", "Chained.scala")):
        text = f'Exception in thread "main" java.lang.IllegalStateException: boom\n\tat {cls}.f3({name}:12)\n'
        assert (name, trace_signal(repo, text)["app/" + name]) == (name, 1.0)
