"""`ledger warn`: a warning issued directly by an admin, one strike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedCommand
from cli.options import at_option
from cli.output import describe_sanction, occurred
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime


@click.command("warn", cls=TranslatedCommand)
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--category", required=True, metavar="KEY",
              help=N_("a category of the group's rulebook, by key or Chinese label "
                      "(see 'ledger group rules GROUP')"))
@click.option("--reason", help=N_("what they did, in the group's words"))
@click.option("--message", metavar="REF",
              help=N_("the message it sanctions (one message earns one sanction)"))
@at_option
@pass_session
def warn(session: Session, group_id: str, member_id: str, category: str, reason: str | None,
         message: str | None, at: datetime | None) -> None:
    """Warn a member: one strike under the group's rules (the owner or an admin).

    Prints the warning's id on the last line.

    \b
    Example:
      ledger --actor admin1 warn g9 wx_li --category flooding --reason "刷屏 40 条"
    """
    actor = session.actor(_("warn a member"))
    ledger = session.ledger()
    warning_id = ledger.warn(actor=actor, group=group_id, member=member_id, category=category,
                             reason=reason, message=message, at=at)
    key = ledger.rules(group_id, as_of=ledger.last_occurred_at).rulebook.category_key(category)
    click.echo(_("Warned {member} in {group} for {category} at {at}: {standing}.").format(
        member=member_id, group=group_id, category=key, at=occurred(ledger),
        standing=describe_sanction(ledger, group_id, member_id, at)))
    click.echo(warning_id)
