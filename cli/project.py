"""`ledger project …`: the read models, caught up from the log before every query."""

from __future__ import annotations

import click

from cli.main import Session, pass_session
from cli.output import emit, format_option
from projections import standings as standings_view


@click.group()
def project() -> None:
    """Query the read models rebuilt from the log.

    \b
    Example:
      ledger project standings --group g9
    """


@project.command("standings")
@click.option("--group", "group_id", metavar="GROUP", help="only this group")
@click.option("--member", "member_id", metavar="MEMBER", help="only this member")
@format_option
@pass_session
def standings(session: Session, group_id: str | None, member_id: str | None, fmt: str) -> None:
    """Each member's standing: status, live strikes, and since when.

    Status is one of active, warned, removal_due, temporarily_removed, removed, left.

    \b
    Example:
      ledger project standings --group g9
      ledger project standings --group g9 --format json
    """
    rows = standings_view.query(session.ledger(), group=group_id, member=member_id)
    emit(rows, standings_view.FIELDS, fmt)
