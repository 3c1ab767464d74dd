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
