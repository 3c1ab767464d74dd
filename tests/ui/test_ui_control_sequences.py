"""Text from the model and the repository is drawn without terminal control sequences everywhere in the app:
tool lines, notes (the finish summary, why a patch was refused), the plan and the patch pane."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from genie_tui.providers.scripted import Reply

EVIL = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x9b31m"
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


async def test_tool_lines_notes_plan_and_patch_pane_show_no_control_sequences(sample_repo: Path, serve: Any,
                                                                                helpers: Any) -> None:
    missing = f"gone{EVIL}.py"
    diff = f"--- a/{missing}\n+++ b/{missing}\n@@ -1 +1 @@\n-a\n+b\n"
    server = serve([
        Reply(tool_calls=[("update_plan", {"steps": [{"text": f"step {EVIL}one", "status": "doing"}]})]),
        Reply(tool_calls=[("propose_patch", {"diff": diff, "summary": f"fix {EVIL}it"})]),
        Reply(tool_calls=[("read_file", {"path": f"read{EVIL}me"})]),
        Reply(tool_calls=[("finish", {"summary": f"done {EVIL}here"})]),
    ])
    app = helpers.make_app(sample_repo, server.base_url, approve="auto")
    async with app.run_test(size=(160, 50)) as pilot:
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        prompt.value = "go"
        await pilot.press("enter")
        await helpers.wait_until(pilot, lambda: len(server.requests) >= 4 and not app.screen.turn_running)
        await pilot.pause(0.3)
        text = helpers.screen_text(app)  # the compositor's strips: what is written to the terminal
    assert CONTROLS.findall(text) == [], [line for line in text.splitlines() if CONTROLS.search(line)]
    assert "finish summary=done here" in text and "finished: done here" in text
    assert "step one" in text and "read_file path=readme" in text and "gone.py" in text
