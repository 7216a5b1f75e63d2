"""Rows out: a table for people (aligned by display width, so Chinese lines up), or exact
JSON, JSON lines or CSV for machines; and the phrase a sanction's output ends with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from ledger.i18n import N_, _, column_title

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.application import Ledger
    from ledger.fold import MembershipState

FORMATS = ("table", "json", "jsonl", "csv")


def format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
        help=N_("table for people; json, jsonl or csv for machines"),
    )(function)


_ZWJ = "\u200d"


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: wide (CJK, emoji) count two; combining marks,
    format characters, variation selectors and skin-tone modifiers count none, and a
    character joined by a zero-width joiner belongs to the one before it.
    """
    width = 0
    joined = False
    for ch in text:
        if joined:
            joined = False
            continue
        if ch == _ZWJ:
            joined = True
            continue
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf") \
                or "\U0001f3fb" <= ch <= "\U0001f3ff" or "\ufe00" <= ch <= "\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


_LONG_ID = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{24}\b")
_FRACTION = re.compile(r"(T\d\d:\d\d:\d\d)\.\d+")


def _cell(value: Any) -> str:
    """A value as a person reads it: ids cut to 8 digits (any unique prefix is accepted
    back), times to the second. The machine formats keep them whole.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return for_people(str(value).replace("\n", " "))


def for_people(text: str) -> str:
    return _FRACTION.sub(r"\1", _LONG_ID.sub(r"\1", for_terminal(text)))


# What a terminal would obey rather than show: control characters (an escape starts a
# colour, a title or a hyperlink) and the marks that reorder a line (a right-to-left
# override makes "exe.txt" of "txt.exe"). Tables show them spelled out instead.
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")


def for_terminal(text: str) -> str:
    """`text` with every control character and bidi control spelled as `\\u202e`."""
    return _UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows aligned in columns, for people, under the columns' titles in the language of
    the run (the machine formats keep the keys).
    """
    titles = [column_title(c) for c in columns]
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([display_width(t)] + [display_width(r[i]) for r in cells])
              for i, t in enumerate(titles)]

    def line(values: Sequence[str]) -> str:
        padded = [v + " " * (w - display_width(v)) for v, w in zip(values, widths)]
        return "  ".join(padded).rstrip()

    out = [line(titles), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Rows in the chosen format; the JSON forms keep every key of every row."""
    import orjson  # here, not above: `--help` need not load it

    if fmt == "json":
        return orjson.dumps(list(rows), option=orjson.OPT_INDENT_2).decode()
    if fmt == "jsonl":
        return "\n".join(orjson.dumps(row).decode() for row in rows)
    if fmt == "csv":
        import csv  # only the csv format needs it: every command's start-up would pay
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows([{c: _csv_value(row.get(c)) for c in columns} for row in rows])
        return buffer.getvalue().rstrip("\n")
    if not rows:
        return _("(no rows)")
    return render_table(rows, columns)


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in _FORMULA:
        # A spreadsheet runs a cell that starts like a formula (=HYPERLINK(…) in a
        # nickname); a leading apostrophe makes it text, as OWASP advises.
        return "'" + value
    return "" if value is None else value


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> None:
    text = render(rows, columns, fmt)
    if text:
        click.echo(text)


def describe_standing(state: MembershipState) -> str:
    """`2 of 3 strikes, warned` — what a sanction left the member with."""
    return _("{live} of {limit} strikes, {status}").format(
        live=state.live_strikes, limit=state.strike_limit, status=state.status)


def describe_sanction(ledger: Ledger, group: str, member: str, at: datetime | None) -> str:
    """What a sanction left the member with when it happened, and now if that differs:
    a fact recorded late (`--at`) may have been followed by others already recorded.
    `2 of 3 strikes, warned at 2026-11-05T10:00:00+08:00; now 3 of 3 strikes, removal_due`
    """
    then = describe_standing(ledger.standing(group, member, as_of=at))
    if at is None:
        return then
    now = describe_standing(ledger.standing(group, member))
    if now == then:
        return then
    from ledger.clock import format_time

    return _("{then} at {at}; now {now}").format(then=then, at=format_time(at), now=now)
