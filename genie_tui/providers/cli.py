"""``genie models``: list what the configured endpoint offers, so local servers need no guessing."""

from __future__ import annotations

import argparse
import asyncio
import sys

from genie_tui.printable import shown_path
from genie_tui.providers.client import ModelClient, display_url

# Listing models is one small GET: do not make the user wait the full per-turn model timeout.
LIST_TIMEOUT = 20.0


async def _list(client: ModelClient) -> list[str]:
    try:
        return await client.list_models()
    finally:
        await client.aclose()


def models(args: argparse.Namespace) -> int:
    """Print one model id per line on stdout; a note on stderr when the configured model is not offered."""
    from genie_tui.config.cli import settings_for

    _, settings = settings_for(args)
    if not settings.model_configured:
        from genie_tui.errors import UsageError
        from genie_tui.headless import NO_MODEL

        raise UsageError(NO_MODEL)
    client = ModelClient(model=settings.model, base_url=settings.base_url, api_key=settings.api_key,
                         timeout=min(settings.timeout, LIST_TIMEOUT), max_retries=settings.max_retries,
                         backoff_base=settings.backoff_base)
    names = asyncio.run(_list(client))
    for name in names:
        print(shown_path(name))  # quoted with escapes when it holds a line break or a control character
    if not names:
        print(f"genie: {display_url(client.base_url)} offers no models", file=sys.stderr)
    elif settings.model not in names:
        print(f"genie: note: the configured model {settings.model!r} is not among these "
              f"(set it with --model, GENIE_MODEL or model = \"...\" in config.toml)", file=sys.stderr)
    return 0
