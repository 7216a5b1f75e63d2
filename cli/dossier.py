"""`ledger dossier MEMBER`: one member across all groups, for a reviewer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedCommand
from cli.options import point_in_time
from cli.output import emit, for_people, format_option, render_table
from cli.session import Session, pass_session
from ledger.domain.i18n import _

if TYPE_CHECKING:
    from datetime import datetime


@click.command("dossier", cls=TranslatedCommand)
@click.argument("member_id", metavar="MEMBER")
@point_in_time
@format_option
@pass_session
def dossier(session: Session, member_id: str, as_of: datetime | None,
            known_at: datetime | None, fmt: str) -> None:
    """What a reviewer reads before deciding: the member's standing in every group with
    the events behind it, then every event in every group in the order it happened, with
    actor, occurred-at, recorded-at, and the rule text each sanction cited.

    --format json gives the whole file as one object; jsonl and csv give the events.

    \b
    Example:
      ledger dossier wx_li
      ledger dossier wx_li --known-at 2026-11-23T22:00+08:00 --format json
    """
    import orjson

    from projections import dossier as dossier_view
    from projections import standings as standings_view

    ledger = session.ledger()
    file = dossier_view.dossier(ledger, member_id, as_of=as_of, known_at=known_at)
    if fmt == "json":
        click.echo(orjson.dumps(file, option=orjson.OPT_INDENT_2).decode())
        return
    events = file["events"]
    if fmt in ("jsonl", "csv"):
        emit(events, (*dossier_view.EVENT_FIELDS, "rule_text"), fmt)
        return
    click.echo(_("Dossier of {member_id}").format(member_id=member_id))
    click.echo("")
    click.echo(render_table(file["standings"], standings_view.FIELDS))
    for standing in file["standings"]:
        name = ledger.group(standing["group"]).name  # the group's display name, for people
        click.echo(_("\n{group} ({name}): {status}, because:").format(
                     group=standing['group'], name=name, status=standing['status']))
        for line in standing["explanation"]:
            click.echo(for_people(_("  {occurred_at}  {event} by {actor}: {summary}").format(
                                    occurred_at=line['occurred_at'], event=line['event'],
                                    actor=line['actor'], summary=line['summary'])))
    click.echo("")
    click.echo(render_table(events, dossier_view.EVENT_FIELDS))
    cited = [e for e in events if e["rule_text"]]
    if cited:
        click.echo(_("\nRules cited:"))
        for line in cited:
            click.echo(f"  {line['occurred_at']} {line['group']} {line['event']}: "
                       f"{line['rule_text']}")
