from __future__ import annotations

import json

from genie_tui.core.context import TokenMeter, compact


def conversation(n_tools: int, size: int) -> list[dict]:
    msgs = [{"role": "system", "content": "system prompt with playbooks"}, {"role": "user", "content": "the task"}]
    for i in range(n_tools):
        call = {"id": f"c{i}", "type": "function", "function": {"name": "read_file",
                                                                "arguments": json.dumps({"path": f"f{i}.py"})}}
        msgs.append({"role": "assistant", "content": None, "tool_calls": [call]})
        msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": f"f{i}.py lines 1-300\n" + "x" * size})
        if i == 3:
            msgs.append({"role": "user", "content": "[The user edited the plan] keep me"})
    return msgs


def test_under_budget_is_untouched():
    msgs = conversation(3, 100)
    out, elided = compact(msgs, 60_000, TokenMeter())
    assert out is msgs and elided == 0


def test_over_budget_elides_oldest_tool_output_only():
    msgs = conversation(20, 4000)
    meter = TokenMeter()
    assert meter.estimate(msgs) > 10_000
    out, elided = compact(msgs, 10_000, meter)
    assert elided > 0 and meter.estimate(out) <= 9_000
    assert out[0] == msgs[0] and out[1] == msgs[1]
    tools = [m for m in out if m["role"] == "tool"]
    assert tools[0]["content"].startswith("[elided to fit the context budget: read_file result")
    assert all(not t["content"].startswith("[elided") for t in tools[-4:])
    assert msgs[2]["role"] == "assistant" and "elided" not in msgs[3]["content"]  # the original is not mutated


def test_meter_calibrates_from_usage():
    msgs = conversation(5, 2000)
    meter = TokenMeter()
    before = meter.estimate(msgs)
    meter.calibrate(msgs, before // 2)
    assert abs(meter.estimate(msgs) - before // 2) <= 2


def test_answers_reviews_and_playbooks_are_never_elided():
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "t"}]
    kinds = ["ask_user", "read_playbook", "propose_patch"] + ["read_file"] * 10
    for i, name in enumerate(kinds):
        call = {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": "{}"}}
        msgs.append({"role": "assistant", "content": None, "tool_calls": [call]})
        msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": f"{name} says: " + "y" * 3000})
    out, elided = compact(msgs, 4_000, TokenMeter())
    assert elided >= 6
    kept = {m["tool_call_id"]: m["content"] for m in out if m["role"] == "tool"}
    for i in range(3):
        assert kept[f"c{i}"] == msgs[3 + 2 * i]["content"]
    assert "c3" not in kept or kept["c3"].startswith("[elided")  # (left out whole if the budget needs it)


def test_recent_results_that_alone_exceed_the_budget_are_cut_to_fit():
    # A local model with a small context (context_budget = 8000) reading four long files at once: the last few
    # results are kept whole only while they fit; then they are cut, oldest first, keeping head and tail.
    msgs = conversation(6, 30_000)
    meter = TokenMeter()
    out, elided = compact(msgs, 8_000, meter)
    assert meter.estimate(out) <= 8_000 * 0.9 and elided > 0
    tools = [m for m in out if m["role"] == "tool"]
    assert [t["tool_call_id"] for t in tools] == [f"c{i}" for i in range(6)]  # every call keeps its result
    newest, oldest_kept = tools[-1]["content"], tools[-4]["content"]
    assert newest.startswith("f5.py lines 1-300\n") and "cut to fit the context budget" in newest
    assert len(newest) > len(oldest_kept)  # the newest result keeps the most
    assert out[0] == msgs[0] and out[1] == msgs[1]
    assert [m["content"] for m in out if m["role"] == "user"] == [m["content"] for m in msgs if m["role"] == "user"]


def test_a_run_tests_result_keeps_its_tail_when_cut():
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "t"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "run_tests", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "t1",
             "content": "FAILED: 1 failed\n" + "z" * 40_000 + "\n1 failed, 9 passed"}]
    out, _ = compact(msgs, 4_000, TokenMeter())
    content = out[-1]["content"]
    assert content.startswith("FAILED: 1 failed") and content.endswith("1 failed, 9 passed") and len(content) < 16_000


def test_calibration_counts_what_else_the_request_carried():
    msgs = conversation(5, 2000)
    chars = sum(len(json.dumps(m)) for m in msgs)
    meter = TokenMeter()
    meter.calibrate(msgs, (chars + 4800) // 4, extra_chars=4800)  # the tool schemas are in prompt_tokens too
    assert abs(meter.chars_per_token - 4.0) < 0.05


def test_a_recent_result_too_short_to_gain_from_a_cut_is_left_whole():
    # cut to the 1,000 characters kept at least, plus the note saying where, a result of 1,100 would grow
    # (a budget this small cannot hold the older turns either: they are left out, the newest stays whole)
    msgs = conversation(4, 1_100)
    out, _ = compact(msgs, 500, TokenMeter())
    originals = {m.get("tool_call_id"): m for m in msgs if m["role"] == "tool"}
    kept = [m for m in out if m["role"] == "tool"]
    assert kept and all(m == originals[m["tool_call_id"]] for m in kept)
    assert kept[-1] is [m for m in msgs if m["role"] == "tool"][-1]


def test_a_request_measures_only_the_messages_it_has_not_seen(monkeypatch):
    # a long session's request serialised its whole history several times to fit the budget (tens of ms on the
    # app's event loop at 500 turns): each message is measured once, and compaction's copies are made and
    # measured once, then reused by the next requests
    from genie_tui.core import context

    measured: list[dict] = []
    real = context._chars
    monkeypatch.setattr(context, "_chars", lambda m: measured.append(m) or real(m))
    msgs = conversation(40, 2000)
    meter = TokenMeter()
    out, elided = compact(msgs, 10_000, meter)
    assert elided > 0
    first = len(measured)
    assert first == len(msgs) + elided  # every message once, and each elided copy once
    meter.calibrate(out, 9_000)
    assert len(measured) == first  # the request just compacted is known whole
    measured.clear()
    more = [*msgs, {"role": "assistant", "content": "next"}]
    out2, elided2 = compact(more, 10_000, meter)
    # only the new message, and the copies this request needs that the last one did not make
    assert measured[0] is more[-1] and len(measured) == 1 + elided2 - elided
    assert [m["content"] for m in out2[:len(out)] if m["role"] == "tool"][:elided] == \
        [m["content"] for m in out if m["role"] == "tool"][:elided]
    assert out2[:2] == msgs[:2] and out2[-1] is more[-1]
    assert meter.estimate(out2) == int(sum(real(m) for m in out2) / meter.chars_per_token)


def with_calls(calls: list[tuple[str, dict]], result: str = "ok") -> list[dict]:
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "t"}]
    for i, (name, args) in enumerate(calls):
        call = {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        msgs.append({"role": "assistant", "content": None, "tool_calls": [call]})
        msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": result})
    return msgs


def sent_arguments(messages: list[dict]) -> list[dict]:
    return [json.loads(c["function"]["arguments"]) for m in messages if m["role"] == "assistant"
            for c in m.get("tool_calls") or []]


def test_old_long_tool_call_arguments_are_elided_oldest_first_and_stay_json():
    # compaction trimmed only tool outputs: a long query or trace the model sent went out again with every request
    trace = "Traceback (most recent call last):\n" + "  File 'x.py', line 1\n" * 2_000
    calls = [("search_code", {"query": trace, "k": 3})] * 6 + [("read_file", {"path": "a.py"})] * 4
    msgs = with_calls(calls)
    before = json.dumps(msgs)
    meter = TokenMeter()
    out, elided = compact(msgs, 30_000, meter)
    assert meter.estimate(out) <= 27_000 and elided > 0
    assert json.dumps(msgs) == before  # the history itself is never changed
    args = sent_arguments(out)
    assert args[0] == {"query": args[0]["query"], "k": 3}
    assert args[0]["query"].startswith(f"[elided to fit the context budget: {len(trace)} chars; it began: ")
    assert "Traceback (most recent call last)" in args[0]["query"] and len(args[0]["query"]) < 200
    assert args[5]["query"] == trace  # the newest that fit stay whole
    assert args[6:] == [{"path": "a.py"}] * 4


def test_a_single_call_larger_than_the_budget_is_cut_even_in_the_latest_turn():
    diff = "--- a/a.py\n+++ b/a.py\n" + "+y = 2\n" * 200_000
    msgs = with_calls([("read_file", {"path": "a.py"}), ("propose_patch", {"diff": diff, "summary": "s"})])
    meter = TokenMeter()
    out, elided = compact(msgs, 8_000, meter)
    assert elided == 1 and meter.estimate(out) <= 8_000
    assert len(json.dumps(out)) < 2_000
    assert sent_arguments(out)[1] == {"diff": sent_arguments(out)[1]["diff"], "summary": "s"}
    assert "1400022 chars" in sent_arguments(out)[1]["diff"]
    # arguments that are not shortened by their strings (a thousand keys) become a single note
    many = {f"k{i}": i for i in range(50_000)}
    out, _ = compact(with_calls([("read_file", many)]), 4_000, TokenMeter())
    assert list(sent_arguments(out)[0]) == ["elided_arguments"] and len(json.dumps(out)) < 1_000


def test_elided_arguments_are_made_and_measured_once(monkeypatch):
    from genie_tui.core import context

    measured: list[dict] = []
    real = context._chars
    monkeypatch.setattr(context, "_chars", lambda m: measured.append(m) or real(m))
    msgs = with_calls([("search_code", {"query": "x" * 20_000})] * 20)
    meter = TokenMeter()
    out, elided = compact(msgs, 20_000, meter)
    assert elided > 0 and len(measured) == len(msgs) + elided
    measured.clear()
    more = [*msgs, {"role": "assistant", "content": "next"}]
    out2, elided2 = compact(more, 20_000, meter)
    assert elided2 == elided and measured == [more[-1]]  # the same copies, not made or measured again
    assert all(a is b for a, b in zip(out, out2, strict=False))
