"""Option lists whose PageUp/PageDown work at any terminal size.

Textual's ``OptionList`` pages by the lines it has laid its options out in, and it lays out none while it has
no cells to draw in: in a terminal of 7 rows or 4 columns the plan list is 0 cells high or wide, and
PageDown raised ``KeyError`` in ``OptionList._move_page`` (Textual 8.2.8), which ended the app. There a page
is as many options as the list has rows, at least one: the highlight moves as it would in a list of
one-line options. A page that ends on a title row (a disabled option, as the search pane's) at either end
of the list left nothing highlighted; it goes to the nearest option that can be. Every option list of genie's pages so: the plan, the search hits, the session picker, and
the command palette's commands (through the app's ``palette_page`` action, which takes the palette's keys).
"""

from __future__ import annotations

from typing import Literal

from textual.widgets import OptionList


def page(options: OptionList, direction: Literal[-1, 1]) -> None:
    """PageDown (``direction`` 1) or PageUp (-1) in ``options``, at any size."""
    count = options.option_count
    region = options.scrollable_content_region
    if region:  # room to lay the options out: Textual's own page, by lines
        if direction > 0:
            OptionList.action_page_down(options)
        else:
            OptionList.action_page_up(options)
        if options.highlighted is not None or not count:
            return
        # a page that ends on a title row (a disabled option) at the top or bottom lost the highlight
        target = count - 1 if direction > 0 else 0
    elif not count:
        return
    elif (current := options.highlighted) is None:
        target = count - 1 if direction > 0 else 0
    else:
        target = min(max(current + direction * max(1, region.height), 0), count - 1)
    # a title row is passed over as Textual passes it: on in the direction of the page, else back from there
    beyond = range(target, count) if direction > 0 else range(target, -1, -1)
    before = range(target - 1, -1, -1) if direction > 0 else range(target + 1, count)
    for index in (*beyond, *before):
        if not options.get_option_at_index(index).disabled:
            options.highlighted = index
            return


class PagedOptionList(OptionList):
    """An ``OptionList`` whose PageUp and PageDown never fail, however small the terminal."""

    def action_page_down(self) -> None:
        page(self, 1)

    def action_page_up(self) -> None:
        page(self, -1)
