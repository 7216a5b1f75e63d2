"""Rows out: a table for people (aligned by display width, so Chinese lines up), or exact
JSON, JSON lines or CSV for machines; and the phrase a sanction's output ends with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from cli.global_options import FORMATS
from ledger.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.application import Ledger
    from ledger.fold import MembershipState



def format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """--format on a command that prints rows; not given, the one given before the
    command's name (`ledger --format json project standings`), else table.
    """
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), callback=_chosen_format,
        help=N_("table for people (default); json, jsonl or csv for machines; given here, "
                "it wins over the one before the command"),
    )(function)


def _chosen_format(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    if value is not None:
        return value
    from cli.session import Session

    session = ctx.find_object(Session)
    return getattr(session, "format", None) or "table"


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
        return "yes" if value else "no"
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
    """Rows aligned in columns, for people."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells])
              for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        padded = [v + " " * (w - display_width(v)) for v, w in zip(values, widths)]
        return "  ".join(padded).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
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
        return "(no rows)"
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
    return _("{strikes} of {limit} strikes, {status}").format(
        strikes=state.live_strikes, limit=state.strike_limit, status=state.status)


def describe_sanction(ledger: Ledger, group: str, member: str, at: datetime | None) -> str:
    """What a sanction left the member with when it happened (the reply names when), and
    now if that differs: a fact recorded late (`--at`) may have been followed by others
    already recorded. `2 of 3 strikes, warned; now 3 of 3 strikes, removal_due`
    """
    when = ledger.last_occurred_at if at is not None else None
    then = describe_standing(ledger.standing(group, member, as_of=when))
    if when is None:
        return then
    now = describe_standing(ledger.standing(group, member))
    if now == then:
        return then
    return _("{then}; now {now}").format(then=then, now=now)


def occurred(ledger: Ledger) -> str:
    """When the fact just recorded happened, as stored, with its offset: every recording
    reply says it, so that a time typed without an offset shows how it was read.
    """
    from ledger.clock import format_time

    assert ledger.last_occurred_at is not None, "occurred() follows a recording command"
    return format_time(ledger.last_occurred_at)
