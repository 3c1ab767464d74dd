"""Print the README's configuration table from the Settings dataclass (run it after adding a setting)."""

from __future__ import annotations

from dataclasses import MISSING, fields

from genie_tui.config.settings import ENV_VARS, INTERNAL, Settings


def table() -> str:
    rows = ["| key | default | env | meaning |", "|---|---|---|---|"]
    for f in fields(Settings):
        if f.name in INTERNAL:
            continue
        default = "" if f.default is MISSING or f.default in (None, "") else f"`{f.default}`"
        env = ", ".join(f"`{v}`" for v in ENV_VARS.get(f.name, ()))
        rows.append(f"| `{f.name}` | {default} | {env} | {f.metadata['doc']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
