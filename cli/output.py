"""Rows out: a table for people (aligned by display width, so Chinese lines up, and cut
to the terminal's width), or exact JSON, JSON lines or CSV for machines; and the phrase a
sanction's output ends with.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import click

from cli.global_options import FORMATS
from ledger.domain.i18n import N_, _, column_title

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.application import Ledger
    from ledger.domain.fold import MembershipState


def format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """--format on a command that prints rows (not given, the one given before the
    command's name, `ledger --format json project standings`, else table), and
    --no-truncate for the table (which sets what `table_width` finds).
    """
    function = click.option(
        "--no-truncate", is_flag=True, expose_value=False, callback=_keep_whole,
        help=N_("on a terminal, show long cells whole instead of cutting them to its width"),
    )(function)
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


_WHOLE = "ledger.no_truncate"


def _keep_whole(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    _ledger_width()  # a malformed LEDGER_WIDTH is refused before the command does anything
    if value:
        ctx.meta[_WHOLE] = True


def _ledger_width() -> int | None:
    """LEDGER_WIDTH as a number of columns (0: no limit), or None when it is not set."""
    import os

    given = os.environ.get("LEDGER_WIDTH", "").strip()
    if not given:
        return None
    if not given.isdecimal():
        raise click.UsageError(_("LEDGER_WIDTH is {given!r}: give the number of columns a "
                                 "table may use, or 0 for no limit").format(given=given))
    return int(given)


def table_width() -> int | None:
    """How wide a table may be, or None for no limit: LEDGER_WIDTH if set (0: no limit),
    else the terminal's width when stdout is a terminal (COLUMNS, if set, says how wide
    it is). A pipe or a file gets every cell whole, as does --no-truncate.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(_WHOLE):
        return None
    given = _ledger_width()
    if given is not None:
        return given or None
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def display_width(text: str) -> int:
    """Columns a terminal gives `text`, one grapheme cluster at a time (wcwidth): wide
    characters (CJK, emoji) count two, an emoji joined by zero-width joiners (👨‍👩‍👧) or
    carrying a skin tone counts as the one emoji it shows, and combining marks count none.
    """
    if text.isascii() and text.isprintable():
        return len(text)  # one column each: no need to load wcwidth for ids and numbers
    import wcwidth  # here, not above: only a table needs it, and --help need not load it

    return int(wcwidth.width(text, control_codes="ignore"))


def cut(text: str, width: int) -> str:
    """`text` in at most `width` columns: whole if it fits, else the grapheme clusters
    that fit before a `…` (never half an emoji sequence, never a letter without its
    accent).
    """
    if display_width(text) <= width:
        return text
    if text.isascii() and text.isprintable():
        return text[:width - 1] + "…"
    import wcwidth

    kept, used = [], 0
    for cluster in wcwidth.iter_graphemes(text):
        columns = display_width(cluster)
        if used + columns > width - 1:
            break
        kept.append(cluster)
        used += columns
    return "".join(kept) + "…"


_NARROWEST = 4  # a cut column keeps at least three columns of text and its …
_GAP = 2  # columns between two columns


def fitted(natural: Sequence[int], headers: Sequence[int], limit: int) -> list[int]:
    """Column widths within `limit`. As few columns as possible are cut, the widest first
    (a long reason or detail gives way before the times beside it), and the columns cut
    share what is left, the widest of them cut first, down to one width. A column is cut
    below its header's width only when nothing else makes the table fit; when even the
    narrowest columns do not fit, they are as narrow as stays readable.
    """
    room = limit - _GAP * (len(natural) - 1)
    if sum(natural) <= room:
        return list(natural)
    widest_first = sorted(range(len(natural)), key=lambda i: -natural[i])
    for least in ([max(h, _NARROWEST) for h in headers], [_NARROWEST] * len(natural)):
        floors = [min(f, w) for f, w in zip(least, natural)]
        for count in range(1, len(natural) + 1):
            chosen = set(widest_first[:count])

            def widths(cap: int) -> list[int]:
                return [min(w, max(cap, floors[i])) if i in chosen else w
                        for i, w in enumerate(natural)]

            if sum(widths(0)) > room:
                continue  # cutting these columns alone cannot make it fit
            cap = max(natural)
            while sum(widths(cap)) > room:
                cap -= 1
            return widths(cap)
    return [min(w, _NARROWEST) for w in natural]


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
    return for_people(str(value).translate(_SPELLED))


# A tab or a line break would break the table's lines: they are shown as they are written
# in code (the other control characters as \u001b, by for_terminal).
_SPELLED = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r"})


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


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                 width: int | None | Literal["auto"] = "auto") -> str:
    """Rows aligned in columns, for people, under the columns' titles in the language of
    the run (the machine formats keep the keys), with long cells cut so that every line
    fits in `width` columns (None: no limit; by default, `table_width()`).
    """
    if width == "auto":
        width = table_width()
    titles = [column_title(c) for c in columns]
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    natural = [max([display_width(t)] + [display_width(r[i]) for r in cells])
               for i, t in enumerate(titles)]
    widths = natural if width is None else fitted(natural, [display_width(t) for t in titles],
                                                  width)

    def line(values: Sequence[str]) -> str:
        shown = values if width is None else [cut(v, w) for v, w in zip(values, widths)]
        padded = [v + " " * (w - display_width(v)) for v, w in zip(shown, widths)]
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
    from ledger.domain.clock import format_time

    assert ledger.last_occurred_at is not None, "occurred() follows a recording command"
    return format_time(ledger.last_occurred_at)
