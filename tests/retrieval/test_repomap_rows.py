"""The repo map's rows: which definitions of a file it shows when it cannot show them all."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex


def _map(repo, task="", files=(), budget_tokens=1200):  # type: ignore[no-untyped-def]
    ix = RepoIndex.open(repo)
    try:
        return ix.repo_map(task, files=files, budget_tokens=budget_tokens)
    finally:
        ix.close()


def _block(text: str, path: str) -> list[str]:
    """The rows under ``path:`` in the map ``text``."""
    lines = text.splitlines()
    start = lines.index(f"{path}:") + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return [line.strip() for line in lines[start:end]]


HANDLERS = "".join(f"def handler_{j}(request, ctx):\n    return connect_db()\n\n" for j in range(45))


def test_a_file_over_40_rows_keeps_the_definition_the_task_names(make_repo):
    repo = make_repo({
        "app/handlers.py": HANDLERS + "def connect_db():\n    '''Open the pool.'''\n    return 1\n",
        "app/cli.py": "from app.handlers import connect_db\n\n\ndef main():\n    connect_db()\n",
    })
    rows = _block(_map(repo, "connect_db leaks connections"), "app/handlers.py")
    # the first 40 rows in line order were handler_0..handler_39; connect_db, the 46th, was cut
    assert len(rows) == 40 and rows[-1] == "136: def connect_db():"
    assert rows[:39] == [f"{1 + 3 * j}: def handler_{j}(request, ctx):" for j in range(39)]  # still in line order


def test_a_file_over_40_rows_keeps_what_most_files_use_and_a_method_s_class(make_repo):
    tail = ("class Registry:\n    def lookup(self, key):\n        return key\n\n    def unused(self):\n        return 0\n\n"
            "def often():\n    return 2\n")
    repo = make_repo({
        "lib.py": HANDLERS + tail,
        **{f"user{i}.py": f"from lib import often, Registry\n\n\ndef use{i}():\n    Registry().lookup(often())\n"
           for i in range(3)},
    })
    rows = _block(_map(repo), "lib.py")
    # what three files use first (a method with its class), then the rest in line order
    assert rows == [f"{1 + 3 * j}: def handler_{j}(request, ctx):" for j in range(37)] + [
        "136: class Registry:", "137: def lookup(self, key):", "143: def often():"]


def test_a_file_over_40_rows_keeps_what_the_files_in_play_use(make_repo):
    popular = "".join(f"def popular_{j}():\n    return {j}\n\n" for j in range(45))
    calls = "".join(f"    popular_{j}()\n" for j in range(45))
    repo = make_repo({
        "lib.py": popular + "def rarely():\n    return 1\n",
        "main.py": "from lib import rarely\n\n\ndef main():\n    rarely()\n",
        **{f"user{i}.py": f"from lib import *\n\n\ndef use{i}():\n{calls}" for i in range(2)},
    })
    assert "136: def rarely():" not in _block(_map(repo), "lib.py")  # used by one file, two use the others
    rows = _block(_map(repo, files=["main.py"]), "lib.py")
    assert len(rows) == 40 and rows[-1] == "136: def rarely():"


SIG = ("(request, response, context, options, retries, timeout, verbose, callback, extra_arguments, more_arguments,"
       " and_more)")
VIEWS = "from app.db import connect_db\n\n" + "".join(f"def view_{j}{SIG}:\n    return connect_db(timeout)\n\n"
                                                     for j in range(40))


def test_a_file_that_does_not_fit_is_shortened_and_the_files_after_it_are_shown(make_repo):
    repo = make_repo({
        "app/db.py": "def connect_db(timeout):\n    '''Open the pool.'''\n    return 1\n",
        "app/views.py": VIEWS,  # 40 rows of 130 characters: more than the budget
        "app/retry.py": "from app.db import connect_db\n\ndef retry_connect(timeout):\n    return connect_db(timeout)\n",
        "app/pool.py": "from app.db import connect_db\n\ndef pool_size():\n    return connect_db(1)\n",
    })
    text = _map(repo, "connect_db ignores timeout in retry_connect", budget_tokens=1200)
    # the map stopped at views.py, the first file that did not fit: 87 of its 4,800 characters, no pool.py
    assert [line for line in text.splitlines() if not line.startswith(" ")] == [
        "app/db.py:", "app/retry.py:", "app/views.py:", "app/pool.py:"]
    views = _block(text, "app/views.py")
    assert 30 <= len(views) < 40 and views[0].startswith("3: def view_0(")
    assert 4500 <= len(text) <= 4800


def test_a_large_file_in_play_is_shortened_to_its_most_relevant_rows(make_repo):
    repo = make_repo({"app/db.py": "def connect_db(timeout):\n    return 1\n", "app/views.py": VIEWS,
                      "app/other.py": "def helper():\n    return 2\n"})
    text = _map(repo, "view_39 times out", files=["app/views.py"], budget_tokens=300)
    assert text.startswith("app/views.py:\n") and len(text) <= 1200
    # view_39, named by the task, then the first ones; the files after it share what it leaves
    views = _block(text, "app/views.py")
    assert views[-1].startswith("120: def view_39(") and views[0].startswith("3: def view_0(") and len(views) >= 3
    assert "app/db.py:" in text


def test_the_budget_is_counted_as_genie_counts_tokens(make_repo):
    from genie_tui.tokens import estimate_tokens

    repo = make_repo({f"svc/mod{i}.py": "".join(f"def 计算订单总额_{i}_{j}(订单, 折扣):  # 计算订单的总金额并应用折扣规则\n"
                                                 "    return 订单\n\n" for j in range(6)) for i in range(10)})
    for budget in (100, 400, 1200):
        # counted as characters / 4, the map came to 1.6-2.4 times its budget in genie's own count
        assert 0.85 * budget <= estimate_tokens(_map(repo, "计算订单总额 折扣", budget_tokens=budget)) <= budget
