"""Visitor and model text made safe to show the owner: terminals, CSV and JSON Lines, notifications.

Whatever a visitor typed or a model wrote is hostile wherever the owner reads it. Escape sequences
retitle or clear a terminal, hide text, write the clipboard (OSC 52) or plant links (OSC 8); bidi
overrides reorder what is shown; a newline forges a line of the tool's own output; `@everyone` or
`<!channel>` pings a whole chat. Every sink that shows such text to the owner goes through here, so
there is one definition of what is dangerous and one way of defusing it.

Control characters (C0, DEL, C1), format characters (bidi controls, zero-width characters, tag
characters) and line or paragraph separators are shown as visible escapes (`\\x1b`, `\\u202e`),
never passed on; the joiners that emoji and some scripts need stay as they are.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

#: Format characters that ordinary text needs (emoji sequences, Indic and Persian scripts).
_JOINERS = frozenset("\u200c\u200d")
#: Characters that need a closer look; printable ASCII, newlines and tabs never do.
_SUSPECT = re.compile(r"[^\x20-\x7e\n\t]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
#: `@everyone`, `@here`, `@channel` at the start of a word (an email's `@` is left alone).
_MENTION = re.compile(r"(?<![\w.%+-])@(?=(?:everyone|here|channel|all)\b)", re.IGNORECASE)
#: Discord's masked links: `[text](https://...)` shows only `text`.
_MASKED_LINK = re.compile(r"\]\s*\(")
#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_hostile(char: str) -> bool:
    """Whether `char` must never reach the owner's screen as itself."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in _JOINERS


def escape(char: str) -> str:
    """A visible stand-in for a hostile character: `\\x1b`, `\\u202e`, `\\U000e0041`."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def defused(text: str, *, keep: str = "") -> str:
    """`text` with every hostile character but those in `keep` shown as an escape."""

    def one(match: re.Match[str]) -> str:
        char = match.group()
        return escape(char) if char not in keep and is_hostile(char) else char

    return _SUSPECT.sub(one, text)


def one_line(text: str, limit: int | None = None) -> str:
    """A table cell or a single-line field: whitespace (newlines too) collapsed, hostile characters
    escaped, cut to `limit` characters with an ellipsis."""
    flat = defused(" ".join(text.split()))
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"


def lines(text: str) -> list[str]:
    """A message's own lines for the terminal, hostile characters escaped (tabs kept). Callers
    indent every line after the first, so a message can never pass for a line of the tool's own."""
    return [defused(line, keep="\t") for line in _LINE_BREAKS.sub("\n", text).split("\n")]


def for_terminal(text: str) -> str:
    """Multi-line text (a streamed reply, a report) with its newlines kept and nothing else raw."""
    return "\n".join(lines(text))


def json_text(encoded: bytes | str) -> str:
    """JSON with every hostile character written as a `\\uXXXX` escape: the same data once decoded,
    harmless when printed (`cat`, `less`, `jq -r` aside). JSON encoders escape C0 themselves."""
    text = encoded.decode() if isinstance(encoded, bytes) else encoded

    def one(match: re.Match[str]) -> str:
        char = match.group()
        if not is_hostile(char):
            return char
        data = char.encode("utf-16-be")
        return "".join(f"\\u{data[i] << 8 | data[i + 1]:04x}" for i in range(0, len(data), 2))

    return _SUSPECT.sub(one, text)


def csv_cell(value: object) -> str:
    """A CSV cell: one line, hostile characters escaped, a formula prefix quoted away."""
    cell = one_line(str(value))
    return "'" + cell if cell.startswith(_FORMULA_PREFIXES) else cell


def write_csv(out: Any, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A header and rows of safe cells to a text stream."""
    writer = csv.writer(out)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


def notification_field(text: str, limit: int | None = None) -> str:
    """A visitor-supplied field of an owner notification: one line, hostile characters escaped, and
    no chat markup that reaches past the text itself (mentions, Slack's `<!here>` and `<url|text>`,
    Discord's masked links)."""
    field = one_line(text, limit).replace("<", "\u2039").replace(">", "\u203a")
    field = _MASKED_LINK.sub("] (", field)
    return _MENTION.sub("@\u200b", field)
