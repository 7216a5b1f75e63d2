"""`ledger history GROUP MEMBER`: every event of one membership, in the order it happened."""

from __future__ import annotations

import re
from typing import Any

import click

from cli.main import Session, pass_session
from cli.output import emit, format_option
from ledger.clock import format_time
from ledger.events import MembershipEvent

_LONG_ID = re.compile(r"\b[0-9a-f]{32}\b")
_BOOKKEEPING = {"originator_id", "originator_version", "timestamp", "originator_topic",
                "actor", "occurred_at"}
# Said by the row already, or too long for a table: JSON and CSV carry them.
_NOT_IN_TABLE = {"group", "member", "rule_text", "nickname_rule", "rulebook", "on_sight_action"}
COLUMNS = ("occurred_at", "recorded_at", "event", "actor", "details")


def event_row(event: MembershipEvent) -> dict[str, Any]:
    facts = event.model_dump(mode="json", exclude=_BOOKKEEPING)
    details = "; ".join(f"{key}={value}" for key, value in facts.items()
                        if key not in _NOT_IN_TABLE and value is not None)
    return {"occurred_at": format_time(event.occurred_at),
            "recorded_at": format_time(event.recorded_at),
            "event": type(event).__name__, "actor": event.actor, **facts, "details": details}


@click.command("history")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@format_option
@pass_session
def history(session: Session, group_id: str, member_id: str, fmt: str) -> None:
    """Every event of a member in a group, in the order the facts happened, with who
    recorded each, when it happened and when it was recorded.

    \b
    Example:
      ledger history g9 wx_li
      ledger history g9 wx_li --format json
    """
    events = session.ledger().history(group_id, member_id)
    rows = [event_row(event) for event in events]
    if fmt == "table":
        for row, event in zip(rows, events):
            row["occurred_at"] = event.occurred_at.isoformat(timespec="seconds")
            row["recorded_at"] = event.recorded_at.isoformat(timespec="seconds")
            row["details"] = _LONG_ID.sub(lambda m: m.group(0)[:8], row["details"])
    else:
        rows = [{k: v for k, v in row.items() if k != "details"} for row in rows]
    emit(rows, COLUMNS if fmt == "table" else _csv_columns(rows), fmt)


def _csv_columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns
