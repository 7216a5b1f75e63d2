"""`ledger flag …`: report a message, then confirm it (a violation and a warning) or
dismiss it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import at_option, check_named, filters, point_in_time, time_option
from cli.output import describe_sanction, emit, format_option, occurred
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime


@click.group(cls=TranslatedGroup)
def flag() -> None:
    """Flag a message that may break a rule; an admin confirms or dismisses it.

    \b
    Example:
      ledger --actor wx_wang flag raise g9 wx_li --category risky_link --message m-778
      ledger --actor admin1 flag confirm 3f2a9c1e
    """


@flag.command("raise")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--category", required=True, metavar="KEY",
              help=N_("a category of the group's rulebook, by key or Chinese label "
                      "(see 'ledger group rules GROUP')"))
@click.option("--message", metavar="REF", help=N_("which message (an id or link)"))
@click.option("--excerpt", help=N_("the words that break the rule"))
@time_option("--message-at", N_("when the message was posted (needed for posting-window flags; "
                                 "without an offset, in the group's time zone)"))
@at_option
@pass_session
def raise_(session: Session, group_id: str, member_id: str, category: str,
           message: str | None, excerpt: str | None, message_at: datetime | None,
           at: datetime | None) -> None:
    """Flag a member's message (any current member, the owner, an admin, a reviewer or a
    secretary). A message already flagged is one case: the report joins it.

    Prints the flag's id on the last line.

    \b
    Example:
      ledger --actor wx_wang flag raise g9 wx_li --category risky_link \\
          --message m-778 --excerpt "砍一刀 http://…"
      ledger --actor wx_zhu flag raise mf wx_tang --category off_hours \\
          --message-at 2026-11-24T15:10+08:00
    """
    actor = session.actor(_("raise a flag"))
    ledger = session.ledger()
    flag_id, joined = ledger.report(actor=actor, group=group_id, member=member_id,
                                    category=category, message=message, excerpt=excerpt,
                                    message_at=message_at, at=at)
    if joined:
        click.echo(_("{message} of {member} in {group} is already flagged: {actor}'s report "
                     "at {at} joins flag {flag}.").format(
                         message=message, member=member_id, group=group_id, actor=actor,
                         at=occurred(ledger), flag=flag_id[:8]))
        click.echo(flag_id)
        return
    at_time = occurred(ledger)
    book = ledger.rules(group_id, as_of=message_at or ledger.last_occurred_at).rulebook
    key = book.category_key(category)
    what = (_("{message} of {member}").format(message=message, member=member_id) if message
            else _("a message of {member}").format(member=member_id))
    click.echo(_("Flagged {what} in {group} as {category} ({label}) at {at}.").format(
        what=what, group=group_id, category=key, label=book.category(key).zh, at=at_time))
    click.echo(flag_id)


@flag.command("confirm")
@click.argument("flag_ref", metavar="FLAG")
@click.option("--note", help=N_("what the reviewer found"))
@at_option
@pass_session
def confirm(session: Session, flag_ref: str, note: str | None, at: datetime | None) -> None:
    """Confirm a flag: it becomes a violation and a warning (the owner or an admin).

    FLAG is the id `flag raise` printed, or a unique prefix of it. Prints the warning's
    id on the last line.

    \b
    Example:
      ledger --actor admin1 flag confirm 3f2a9c1e
    """
    actor = session.actor(_("confirm a flag"))
    ledger = session.ledger()
    case = ledger.find_case(flag_ref, kinds=("flag",), what=_("flag"))
    warning_id = ledger.confirm_flag(actor=actor, group=case.group, member=case.member,
                                     flag_id=case.case_id, note=note, at=at)
    click.echo(_("Confirmed flag {flag} at {at}: {member} in {group} is warned "
                 "({standing}).").format(
                     flag=case.case_id[:8], at=occurred(ledger), member=case.member,
                     group=case.group,
                     standing=describe_sanction(ledger, case.group, case.member, at)))
    click.echo(warning_id)


@flag.command("dismiss")
@click.argument("flag_ref", metavar="FLAG")
@click.option("--reason", required=True, help=N_("why the flag does not stand"))
@at_option
@pass_session
def dismiss(session: Session, flag_ref: str, reason: str, at: datetime | None) -> None:
    """Dismiss a flag: no violation (the owner or an admin).

    \b
    Example:
      ledger --actor admin1 flag dismiss 3f2a9c1e --reason "经核实属实，非谣言"
    """
    actor = session.actor(_("dismiss a flag"))
    ledger = session.ledger()
    case = ledger.find_case(flag_ref, kinds=("flag",), what=_("flag"))
    ledger.dismiss_flag(actor=actor, group=case.group, member=case.member,
                        flag_id=case.case_id, reason=reason, at=at)
    click.echo(_("Dismissed flag {flag} against {member} in {group} at {at}.").format(
        flag=case.case_id[:8], member=case.member, group=case.group, at=occurred(ledger)))


@flag.command("list")
@filters
@click.option("--state", type=click.Choice(["open", "confirmed", "dismissed"]),
              help=N_("only flags in this state"))
@point_in_time
@format_option
@pass_session
def list_(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
          state: str | None,
          as_of: datetime | None, known_at: datetime | None, fmt: str) -> None:
    """List flags in the order they were raised: what awaits a decision, and what was
    decided. The table shows 8 digits of each id; the other formats show it whole.

    \b
    Example:
      ledger flag list --group g9 --state open
    """
    from projections import cases

    rows = cases.flags(session.ledger(), group=group_id, member=member_id, state=state,
                       as_of=as_of, known_at=known_at)
    check_named(session, rows, groups=group_id, members=member_id)
    emit(rows, cases.FLAG_FIELDS, fmt)
