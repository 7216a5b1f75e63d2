"""`ledger appeal …`: a member contests a sanction; a reviewer who had no part in it
decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import Named, at_option, check_named, filters, point_in_time
from cli.output import describe_standing, emit, format_option, occurred
from cli.session import Session, pass_session
from ledger.domain import vocabulary
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime

SANCTION_KINDS = ("warning", "removal", "temporary removal")


@click.group(cls=TranslatedGroup)
def appeal() -> None:
    """File appeals against sanctions; a reviewer decides them; list the queue.

    \b
    Example:
      ledger --actor wx_li appeal file f4ef6957 --grounds "链接是物业通知"
      ledger --actor reviewer1 appeal decide 5c1d9e02 --outcome overturned --rationale "…"
      ledger appeal list --open
    """


@appeal.command("file")
@click.argument("sanction_ref", metavar="SANCTION")
@click.option("--grounds", required=True, help=N_("why the sanction is wrong, in their words"))
@at_option
@pass_session
def file(session: Session, sanction_ref: str, grounds: str, at: datetime | None) -> None:
    """File an appeal against a sanction (the member concerned, or the owner or an admin
    on their behalf); one open appeal per sanction, within the rulebook's appeal window.

    SANCTION is the id the command that issued it printed, or a unique prefix of it.
    Prints the appeal's id on the last line.

    \b
    Example:
      ledger --actor wx_li appeal file f4ef6957 --grounds "链接是物业通知，不是砍一刀"
    """
    actor = session.actor(_("file an appeal"))
    ledger = session.ledger()
    case = ledger.find_case(sanction_ref, kinds=SANCTION_KINDS, what=_("sanction"))
    appeal_id = ledger.file_appeal(actor=actor, group=case.group, member=case.member,
                                   sanction_id=case.case_id, grounds=grounds, at=at)
    click.echo(_("Filed an appeal against {kind} {sanction} of {member} in {group} at {at}; "
                 "a reviewer decides it.").format(
                     kind=case.kind, sanction=case.case_id[:8], member=case.member,
                     group=case.group, at=occurred(ledger)))
    click.echo(appeal_id)


@appeal.command("decide")
@click.argument("appeal_ref", metavar="APPEAL")
@click.option("--outcome", required=True,
              type=Named(vocabulary.APPEAL_OUTCOMES),
              help=N_("upheld: nothing changes; reduced: a lower weight (a removal becomes a "
                      "warning); overturned: it stops counting"))
@click.option("--rationale", required=True, help=N_("why, for the record"))
@click.option("--weight", type=int, metavar="N",
              help=N_("with --outcome reduced: the new weight, below the original"))
@at_option
@pass_session
def decide(session: Session, appeal_ref: str, outcome: str, rationale: str,
           weight: int | None, at: datetime | None) -> None:
    """Decide an appeal (a reviewer of the group who neither issued the sanction, nor
    confirmed or raised the flag behind it).

    \b
    Example:
      ledger --actor reviewer1 appeal decide 5c1d9e02 --outcome reduced --weight 1 \\
          --rationale "情节轻微"
    """
    actor = session.actor(_("decide an appeal"))
    ledger = session.ledger()
    case = ledger.find_case(appeal_ref, kinds=("appeal",), what=_("appeal"))
    sanction_id = ledger.decide_appeal(actor=actor, group=case.group, member=case.member,
                                       appeal_id=case.case_id, outcome=outcome,  # type: ignore[arg-type]
                                       rationale=rationale, weight=weight, at=at)
    click.echo(_("Decided appeal {appeal} against {sanction} at {at}: {outcome}. {member} in "
                 "{group}: {standing}.").format(
                     appeal=case.case_id[:8], sanction=sanction_id[:8], at=occurred(ledger),
                     outcome=outcome, member=case.member, group=case.group,
                     standing=describe_standing(ledger.standing(case.group, case.member,
                                                                as_of=at))))


@appeal.command("list")
@filters
@click.option("--open", "open_only", is_flag=True, help=N_("only appeals not yet decided"))
@point_in_time
@format_option
@pass_session
def list_(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
          open_only: bool,
          as_of: datetime | None, known_at: datetime | None, fmt: str) -> None:
    """List appeals oldest first, with their age in days: the reviewer's queue. The table
    shows 8 digits of each id; the other formats show it whole, with grounds and rationale.

    \b
    Example:
      ledger appeal list --group g9 --open
    """
    from projections import appeals

    rows = appeals.query(session.ledger(), group=group_id, member=member_id,
                         open_only=open_only, as_of=as_of, known_at=known_at)
    check_named(session, rows, groups=group_id, members=member_id)
    emit(rows, appeals.FIELDS if fmt == "table" else (*appeals.FIELDS, "grounds", "rationale"),
         fmt)
