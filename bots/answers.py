"""Typed answers to buttons: what a person writes instead of tapping works like the tap.

Each reply with buttons leaves them in the chat state (label and data, in the order the
console numbers them). A later free-text message that names one of them presses it: its
number ("2"), its label ("Visit", "确认", case and trailing punctuation aside; a customer
button by the name before its " · "), or a yes/no word of any catalog ("yes", "ok", "好的",
"no", "取消") for the Confirm / Cancel button. Anything else stays free text for the step.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from bots.i18n import words
from bots.replies import Reply

CONFIRM, CANCEL = "ok", "x"  # the callback prefixes of a flow's Confirm and Cancel buttons
_TRAILING = ".!?,;:。！？，；：…"


def offered(replies: list[Reply]) -> list[list[str]] | None:
    """The buttons of the last reply that has any, as [label, data] pairs; None: no buttons."""
    for reply in reversed(replies):
        buttons = [[b.label, b.data] for row in reply.buttons for b in row]
        if buttons:
            return buttons
    return None


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().rstrip(_TRAILING).strip().casefold()


def pressed(text: str, buttons: list[list[Any]] | None) -> str | None:
    """The data of the button `text` names among `buttons`, else None (also when it names several)."""
    if not buttons or len(text) > 200:  # a summary, not an answer
        return None
    said = normal(text)
    if said.isdigit():
        number = int(said)
        return buttons[number - 1][1] if 0 < number <= len(buttons) else None
    named = [data for label, data in buttons if said in {normal(label), normal(label.split(" · ")[0])}]
    if len(named) == 1:
        return named[0]
    for prefix, key in ((CONFIRM, "answer.yes"), (CANCEL, "answer.no")):
        if said in words(key):
            matching = [data for _, data in buttons if data.split(":")[0] == prefix]
            if len(matching) == 1:
                return matching[0]
    return None
