"""`ledger history GROUP MEMBER`: every event of one membership, in the order it happened."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.language import TranslatedCommand
from cli.options import point_in_time
from cli.output import emit, format_option
from cli.session import Session, pass_session

if TYPE_CHECKING:
    from datetime import datetime

COLUMNS = ("occurred_at", "recorded_at", "event", "actor", "details")


@click.command("history", cls=TranslatedCommand)
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@point_in_time
@format_option
@pass_session
def history(session: Session, group_id: str, member_id: str, as_of: datetime | None,
            known_at: datetime | None, fmt: str) -> None:
    """Every event of a member in a group, in the order the facts happened, with who
    recorded each, when it happened and when it was recorded.

    \b
    Example:
      ledger history g9 wx_li
      ledger history g9 wx_li --known-at 2026-11-23T22:00+08:00 --format json
    """
    from projections.dossier import event_line

    events = [e for e in session.ledger().history(group_id, member_id)
              if (as_of is None or e.occurred_at <= as_of)
              and (known_at is None or e.recorded_at <= known_at)]
    lines = [event_line(event) for event in events]
    if fmt == "table":
        emit(lines, COLUMNS, fmt)
        return
    # For machines: every fact as its own key, beside when, what and who.
    rows = [{"occurred_at": line["occurred_at"], "recorded_at": line["recorded_at"],
             "event": line["event"], "actor": line["actor"], **line["facts"]}
            for line in lines]
    emit(rows, _all_keys(rows), fmt)


def _all_keys(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns
