"""`ledger member …`: admissions, renames, removals, re-admissions and departures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import at_option
from cli.output import emit, format_option
from cli.session import Session, pass_session
from ledger.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.fold import MembershipState


@click.group(cls=TranslatedGroup)
def member() -> None:
    """Record a member's admission, renames, exemptions, cautions, removal, re-admission or
    departure, and list a group's members.

    \b
    Example:
      ledger --actor admin1 member admit g9 wx_wang --nickname "g9#1003@王x"
      ledger --actor admin1 member rename g9 wx_li "g9#1001@李x明"
      ledger member list g9 --status removal_due
    """


@member.command("admit")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--nickname", required=True, help=N_("the nickname shown in the group"))
@click.option("--invited-by", metavar="MEMBER", help=N_("who invited them"))
@click.option("--verified-by", metavar="MEMBER", help=N_("who verified their identity"))
@click.option("--relation", metavar="KIND",
              help=N_("how they belong, as the rulebook names it (e.g. owner, family, tenant)"))
@click.option("--exemption", metavar="KEY",
              help=N_("a nickname exemption of the rulebook (e.g. executive)"))
@at_option
@pass_session
def admit(session: Session, group_id: str, member_id: str, nickname: str,
          invited_by: str | None, verified_by: str | None, relation: str | None,
          exemption: str | None, at: datetime | None) -> None:
    """Admit a member to a group (the owner or an admin), under the rulebook's admission
    requirements. A nickname that breaks the rulebook's pattern is admitted, and the
    standing says so.

    \b
    Example:
      ledger --actor admin1 member admit g9 wx_li --nickname "李x明" \\
          --invited-by wx_wang --verified-by admin1 --relation owner
    """
    actor = session.actor(_("admit a member"))
    state = session.ledger().admit(actor=actor, group=group_id, member=member_id,
                                   nickname=nickname, invited_by=invited_by,
                                   verified_by=verified_by, relation=relation,
                                   exemption=exemption, at=at)
    click.echo(_("Admitted {member_id} to {group_id} as {nickname}.{state}").format(
                 member_id=member_id, group_id=group_id, nickname=nickname,
                 state=_nickname_note(state)))


def _nickname_note(state: MembershipState) -> str:
    if state.nickname_ok is False:
        return _(" The nickname does not follow the group's pattern: remind them to fix it.")
    return ""


@member.command("rename")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.argument("nickname")
@at_option
@pass_session
def rename(session: Session, group_id: str, member_id: str, nickname: str,
           at: datetime | None) -> None:
    """Record a new nickname (the member themselves, the owner or an admin).

    \b
    Example:
      ledger --actor admin1 member rename g9 wx_li "g9#1001@李x明"
    """
    actor = session.actor(_("rename a member"))
    ledger = session.ledger()
    old = ledger.rename(actor=actor, group=group_id, member=member_id, nickname=nickname, at=at)
    state = ledger.standing(group_id, member_id, as_of=at)
    click.echo(_("Renamed {member_id} in {group_id}: {old} → {nickname}.{state}").format(
                 member_id=member_id, group_id=group_id, old=old, nickname=nickname,
                 state=_nickname_note(state)))


@member.command("remind")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@at_option
@pass_session
def remind(session: Session, group_id: str, member_id: str, at: datetime | None) -> None:
    """Remind a member to fix a nickname that breaks the rulebook's pattern (the owner or
    an admin). After the rulebook's number of ignored reminders the member is removal_due.

    \b
    Example:
      ledger --actor admin1 member remind g9 wx_li
    """
    actor = session.actor(_("remind a member"))
    ledger = session.ledger()
    count = ledger.remind(actor=actor, group=group_id, member=member_id, at=at)
    state = ledger.standing(group_id, member_id, as_of=at)
    limit = state.reminders_before_removal
    count_text = (_("reminder {count} of {limit}").format(
                    count=count, limit=limit) if limit is not None
                  else _("reminder {count}; the rules set no sanction for ignored reminders").format(
                         count=count))
    click.echo(_("Reminded {member_id} in {group_id} to fix the nickname {nickname!r} "
                 "({count_text}; {status}).").format(
                 member_id=member_id, group_id=group_id, nickname=state.nickname,
                 count_text=count_text, status=state.status))


@member.command("exempt")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--exemption", required=True, metavar="KEY",
              help=N_("a nickname exemption of the rulebook (e.g. executive)"))
@at_option
@pass_session
def exempt(session: Session, group_id: str, member_id: str, exemption: str,
           at: datetime | None) -> None:
    """Grant a member a nickname exemption of the rulebook after admission (the owner or
    an admin), e.g. an executive promoted later who uses the plain name.

    \b
    Example:
      ledger --actor admin1 member exempt hq wx_wang --exemption executive
    """
    actor = session.actor(_("grant a nickname exemption"))
    ledger = session.ledger()
    ok = ledger.exempt(actor=actor, group=group_id, member=member_id, exemption=exemption,
                       at=at)
    state = ledger.standing(group_id, member_id, as_of=at)
    complies = ("" if ok is None else _(" The nickname follows the rules.") if ok
                else _(" The nickname still does not follow the rules: remind them to fix it."))
    click.echo(_("Exempted {member_id} in {group_id} ({exemption}) as {nickname}.{complies}").format(
                 member_id=member_id, group_id=group_id, exemption=exemption,
                 nickname=state.nickname, complies=complies))


@member.command("caution")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--category", required=True, metavar="KEY",
              help=N_("a category of the group's rulebook (see 'ledger group rules GROUP')"))
@click.option("--reason", required=True, help=N_("what they did, in the group's words"))
@at_option
@pass_session
def caution(session: Session, group_id: str, member_id: str, category: str, reason: str,
            at: datetime | None) -> None:
    """Caution a member: a friendly reminder about a minor violation, recorded and shown,
    never a strike (the owner, an admin or a reviewer). Prints its id on the last line.

    \b
    Example:
      ledger --actor 总裁办-刘敏 member caution hq 销售部-李四 --category off_topic \\
          --reason "工作群内闲聊，善意提醒"
    """
    actor = session.actor(_("caution a member"))
    ledger = session.ledger()
    caution_id = ledger.caution(actor=actor, group=group_id, member=member_id,
                                category=category, reason=reason, at=at)
    state = ledger.standing(group_id, member_id, as_of=at)
    click.echo(_("Cautioned {member_id} in {group_id} for {category}: no strike ({live_strikes} "
                 "of {strike_limit} strikes, {status}).").format(
                 member_id=member_id, group_id=group_id, category=category,
                 live_strikes=state.live_strikes, strike_limit=state.strike_limit,
                 status=state.status))
    click.echo(caution_id)


@member.command("remove")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--reason", required=True, help=N_("why, in the group's words"))
@click.option("--temporary", is_flag=True,
              help=N_("a temporary removal (a dispute pending mediation); re-admission expected"))
@click.option("--dispute", "dispute_ref", metavar="DISPUTE",
              help=N_("the dispute it is for ('dispute open' printed its id)"))
@at_option
@pass_session
def remove(session: Session, group_id: str, member_id: str, reason: str, temporary: bool,
           dispute_ref: str | None, at: datetime | None) -> None:
    """Remove a member, temporarily or for good (the owner or an admin).

    Prints the removal's id on the last line.

    \b
    Example:
      ledger --actor admin1 member remove g9 wx_li --temporary --reason "争吵劝阻无效"
    """
    actor = session.actor(_("remove a member"))
    ledger = session.ledger()
    dispute = (ledger.find_case(dispute_ref, kinds=("dispute",), what=_("dispute")).case_id
               if dispute_ref else None)
    removal_id = ledger.remove(actor=actor, group=group_id, member=member_id, reason=reason,
                               temporary=temporary, dispute=dispute, at=at)
    kind = "Temporarily removed" if temporary else "Removed"
    linked = _(" (dispute {dispute})").format(dispute=dispute[:8]) if dispute else ""
    click.echo(_("{kind} {member_id} from {group_id}: {reason}{linked}").format(
                 kind=kind, member_id=member_id, group_id=group_id, reason=reason, linked=linked))
    click.echo(removal_id)


@member.command("readmit")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--note", help=N_("e.g. the mediation that led to it"))
@click.option("--dispute", "dispute_ref", metavar="DISPUTE",
              help=N_("the dispute whose mediation led to it"))
@at_option
@pass_session
def readmit(session: Session, group_id: str, member_id: str, note: str | None,
            dispute_ref: str | None, at: datetime | None) -> None:
    """Readmit a removed member (the owner or an admin).

    \b
    Example:
      ledger --actor admin1 member readmit g9 wx_li --note "调解后重新邀请"
    """
    actor = session.actor(_("readmit a member"))
    ledger = session.ledger()
    dispute = (ledger.find_case(dispute_ref, kinds=("dispute",), what=_("dispute")).case_id
               if dispute_ref else None)
    ledger.readmit(actor=actor, group=group_id, member=member_id, note=note, dispute=dispute,
                   at=at)
    linked = _(" (dispute {dispute})").format(dispute=dispute[:8]) if dispute else ""
    click.echo(_("Readmitted {member_id} to {group_id}{linked}.").format(
                 member_id=member_id, group_id=group_id, linked=linked))


@member.command("leave")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--note", help=N_("anything said on leaving"))
@click.option("--violation", metavar="CATEGORY",
              help=N_("record the departure as a violation of this category, with a strike (R1: "
                      "quitting on purpose); the owner or an admin"))
@at_option
@pass_session
def leave(session: Session, group_id: str, member_id: str, note: str | None,
          violation: str | None, at: datetime | None) -> None:
    """Record that a member left (the member themselves, the owner or an admin). With
    --violation, the warning's id is printed on the last line.

    \b
    Example:
      ledger --actor wx_li member leave g9 wx_li --note "搬家了"
      ledger --actor admin1 member leave sales 销售部-王五 --violation defiance --note "执意退群"
    """
    actor = session.actor(_("record a departure"))
    warning_id = session.ledger().leave(actor=actor, group=group_id, member=member_id,
                                        note=note, violation=violation, at=at)
    if warning_id is None:
        click.echo(_("{member_id} left {group_id}.").format(
                     member_id=member_id, group_id=group_id))
    else:
        click.echo(_("{member_id} left {group_id}, warned for {violation}.").format(
                     member_id=member_id, group_id=group_id, violation=violation))
        click.echo(warning_id)


MEMBER_FIELDS = ("member", "nickname", "status", "strikes", "since", "nickname_ok",
                 "reminders")


@member.command("list")
@click.argument("group_id", metavar="GROUP")
@click.option("--status", type=click.Choice(["active", "warned", "removal_due",
                                             "temporarily_removed", "removed", "left"]),
              help=N_("only members of this status"))
@format_option
@pass_session
def list_members(session: Session, group_id: str, status: str | None, fmt: str) -> None:
    """The members of a group now: nickname, status, live strikes, since when, nickname
    compliance and unanswered reminders.

    \b
    Example:
      ledger member list g9
      ledger member list g9 --status removal_due --format json
    """
    from projections import standings

    ledger = session.ledger()
    key = ledger.group(group_id).key
    rows = [{field: row[field] for field in MEMBER_FIELDS}
            for row in standings.query(ledger, group=key)
            if status is None or row["status"] == status]
    emit(rows, MEMBER_FIELDS, fmt)
