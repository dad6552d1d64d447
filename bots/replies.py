"""What goes into the engine and what comes out: platform-neutral messages and buttons."""

from __future__ import annotations

from dataclasses import dataclass

# Telegram's limit for callback data; every platform gets the same short tokens.
MAX_BUTTON_DATA = 64


@dataclass(frozen=True)
class Incoming:
    """A message or a button press from one chat."""

    platform: str  # "telegram", "console": also the channel logged interactions carry
    chat_id: str
    text: str | None = None
    callback: str | None = None  # the data of the pressed button
    language: str | None = None  # the client's language, used until the chat is linked


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > MAX_BUTTON_DATA:
            raise ValueError(f"button data over {MAX_BUTTON_DATA} bytes: {self.data!r}")


@dataclass(frozen=True)
class Reply:
    """A message to send; `edit` replaces the message whose button was pressed instead."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit: bool = False


def rows(*buttons: Button | None, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Buttons laid out `per_row` to a row; None entries are skipped."""
    present = [b for b in buttons if b is not None]
    return tuple(tuple(present[i:i + per_row]) for i in range(0, len(present), per_row))


def text_units(text: str) -> int:
    """Length as messengers count it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` units, cut at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while text_units(rest) > limit:
        cut = _fit(rest, limit)
        newline = rest.rfind("\n", 0, cut)
        if newline > cut // 2:
            cut = newline + 1
        pieces.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def truncate(text: str, limit: int, note: str) -> str:
    """`text` shortened to `limit` units, ending with `note` when cut."""
    if text_units(text) <= limit:
        return text
    return text[:_fit(text, limit - text_units(note) - 1)].rstrip() + "\n" + note


def _fit(text: str, limit: int) -> int:
    """The longest prefix length of `text` within `limit` units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)
