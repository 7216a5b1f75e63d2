"""`ledger dispute …`: a quarrel between members (R2), from opening through mediation notes
to its resolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import Named, at_option
from cli.output import occurred
from cli.session import Session, pass_session
from ledger.domain import vocabulary
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime


@click.group(cls=TranslatedGroup)
def dispute() -> None:
    """Open a dispute between members, note its mediation, resolve it.

    \b
    Example:
      ledger --actor admin1 dispute open g9 --parties wx_li,wx_zhao --summary "停车位争吵"
      ledger --actor sec1 dispute note 7d0c2a91 --text "双方同意周六面谈"
      ledger --actor admin1 dispute resolve 7d0c2a91 --outcome mediated --text "已和解"
    """


@dispute.command("open")
@click.argument("group_id", metavar="GROUP")
@click.option("--parties", required=True, metavar="M1,M2[,…]",
              help=N_("the members in the dispute, comma-separated (at least two)"))
@click.option("--summary", required=True, help=N_("what it is about"))
@at_option
@pass_session
def open_(session: Session, group_id: str, parties: str, summary: str,
          at: datetime | None) -> None:
    """Open a dispute between members (the owner or an admin).

    Prints the dispute's id on the last line; `member remove --temporary --dispute ID`
    and `member readmit --dispute ID` link to it.

    \b
    Example:
      ledger --actor admin1 dispute open g9 --parties wx_li,wx_zhao --summary "停车位争吵"
    """
    actor = session.actor(_("open a dispute"))
    named = tuple(p.strip() for p in parties.split(",") if p.strip())
    ledger = session.ledger()
    dispute_id = ledger.open_dispute(actor=actor, group=group_id, parties=named,
                                     summary=summary, at=at)
    click.echo(_("Opened a dispute in {group} between {parties} at {at}.").format(
        group=group_id, parties=", ".join(named), at=occurred(ledger)))
    click.echo(dispute_id)


@dispute.command("note")
@click.argument("dispute_ref", metavar="DISPUTE")
@click.option("--text", required=True, help=N_("what happened in the mediation"))
@at_option
@pass_session
def note(session: Session, dispute_ref: str, text: str, at: datetime | None) -> None:
    """Note the mediation of an open dispute (the owner, an admin or a secretary).

    \b
    Example:
      ledger --actor sec1 dispute note 7d0c2a91 --text "双方同意周六面谈"
    """
    actor = session.actor(_("note a dispute"))
    ledger = session.ledger()
    case = ledger.find_case(dispute_ref, kinds=("dispute",), what=_("dispute"))
    ledger.note_dispute(actor=actor, dispute_id=case.case_id, text=text, at=at)
    click.echo(_("Noted dispute {dispute} in {group} at {at}.").format(
        dispute=case.case_id[:8], group=case.group, at=occurred(ledger)))


@dispute.command("resolve")
@click.argument("dispute_ref", metavar="DISPUTE")
@click.option("--outcome", required=True, type=Named(vocabulary.DISPUTE_OUTCOMES),
              help=N_("how it ended"))
@click.option("--text", required=True, help=N_("what was agreed or decided"))
@at_option
@pass_session
def resolve(session: Session, dispute_ref: str, outcome: str, text: str,
            at: datetime | None) -> None:
    """Resolve a dispute (the owner or an admin); names the parties still awaiting
    re-admission.

    \b
    Example:
      ledger --actor admin1 dispute resolve 7d0c2a91 --outcome mediated --text "已和解"
    """
    actor = session.actor(_("resolve a dispute"))
    ledger = session.ledger()
    case = ledger.find_case(dispute_ref, kinds=("dispute",), what=_("dispute"))
    waiting = ledger.resolve_dispute(actor=actor, dispute_id=case.case_id, outcome=outcome,  # type: ignore[arg-type]
                                     text=text, at=at)
    awaiting = (_("Awaiting re-admission: {parties}.").format(parties=", ".join(waiting))
                if waiting else _("No party awaits re-admission."))
    click.echo(_("Resolved dispute {dispute} in {group} at {at}: {outcome}.").format(
        dispute=case.case_id[:8], group=case.group, at=occurred(ledger), outcome=outcome)
        + " " + awaiting)
