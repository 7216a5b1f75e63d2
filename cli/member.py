"""`ledger member …`: admissions, renames, removals, re-admissions and departures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import at_option, check_named, group_filter, point_in_time
from cli.output import emit, format_option, occurred
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.domain.fold import MembershipState


@click.group(cls=TranslatedGroup)
def member() -> None:
    """Record a member's admission, renames, exemptions, cautions, removal, re-admission or
    departure, and list a group's members.

    \b
    Example:
      ledger --actor admin1 member admit g9 wx_wang --nickname "g9#1003@王x"
      ledger --actor admin1 member rename g9 wx_li "g9#1001@李x明"
      ledger member list g9 --status removal_due
      ledger member find 李
    """


@member.command("admit")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--nickname", required=True, help=N_("the nickname shown in the group"))
@click.option("--invited-by", metavar="MEMBER", help=N_("who invited them"))
@click.option("--verified-by", metavar="MEMBER", help=N_("who verified their identity"))
@click.option("--relation", metavar="KIND",
              help=N_("how they belong, as the rulebook names it, by key or Chinese name "
                      "(e.g. owner 业主, family 家属, tenant 租户)"))
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
    ledger = session.ledger()
    state = ledger.admit(actor=actor, group=group_id, member=member_id, nickname=nickname,
                         invited_by=invited_by, verified_by=verified_by, relation=relation,
                         exemption=exemption, at=at)
    click.echo(_("Admitted {member} to {group} as {nickname} at {at}.").format(
        member=member_id, group=group_id, nickname=nickname, at=occurred(ledger))
        + _nickname_note(state))


def _nickname_note(state: MembershipState) -> str:
    if state.nickname_ok is False:
        return " " + _("The nickname does not follow the group's pattern: remind them to "
                       "fix it.")
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
    click.echo(_("Renamed {member} in {group} at {at}: {old} → {new}.").format(
        member=member_id, group=group_id, at=occurred(ledger), old=old, new=nickname)
        + _nickname_note(state))


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
    count_text = (_("reminder {count} of {limit}").format(count=count, limit=limit)
                  if limit is not None
                  else _("reminder {count}; the rules set no sanction for ignored "
                         "reminders").format(count=count))
    click.echo(_("Reminded {member} in {group} at {at} to fix the nickname {nickname} "
                 "({count}; {status}).").format(
                     member=member_id, group=group_id, at=occurred(ledger),
                     nickname=repr(state.nickname), count=count_text, status=state.status))


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
    complies = ("" if ok is None else " " + _("The nickname follows the rules.") if ok
                else " " + _("The nickname still does not follow the rules: remind them to "
                             "fix it."))
    click.echo(_("Exempted {member} in {group} ({exemption}) as {nickname} at {at}.").format(
        member=member_id, group=group_id, exemption=exemption, nickname=state.nickname,
        at=occurred(ledger)) + complies)


@member.command("caution")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--category", required=True, metavar="KEY",
              help=N_("a category of the group's rulebook, by key or Chinese label "
                      "(see 'ledger group rules GROUP')"))
@click.option("--reason", required=True, help=N_("what they did, in the group's words"))
@at_option
@pass_session
def caution(session: Session, group_id: str, member_id: str, category: str, reason: str,
            at: datetime | None) -> None:
    """Caution a member: a friendly reminder about a minor violation, recorded and shown,
    never a strike (the owner, an admin or a reviewer). Prints its id on the last line.

    \b
    Example:
      ledger --actor 总裁办-刘敏 member caution hq wx_ls --category off_topic \\
          --reason "工作群内闲聊，善意提醒"
    """
    actor = session.actor(_("caution a member"))
    ledger = session.ledger()
    caution_id = ledger.caution(actor=actor, group=group_id, member=member_id,
                                category=category, reason=reason, at=at)
    state = ledger.standing(group_id, member_id, as_of=at)
    key = ledger.rules(group_id, as_of=ledger.last_occurred_at).rulebook.category_key(category)
    click.echo(_("Cautioned {member} in {group} for {category} at {at}: no strike "
                 "({strikes} of {limit} strikes, {status}).").format(
                     member=member_id, group=group_id, category=key, at=occurred(ledger),
                     strikes=state.live_strikes, limit=state.strike_limit,
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
    linked = " " + _("(dispute {dispute})").format(dispute=dispute[:8]) if dispute else ""
    text = (_("Temporarily removed {member} from {group} at {at}: {reason}") if temporary
            else _("Removed {member} from {group} at {at}: {reason}"))
    click.echo(text.format(member=member_id, group=group_id, at=occurred(ledger),
                           reason=reason) + linked)
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
    linked = " " + _("(dispute {dispute})").format(dispute=dispute[:8]) if dispute else ""
    click.echo(_("Readmitted {member} to {group} at {at}{dispute}.").format(
        member=member_id, group=group_id, at=occurred(ledger), dispute=linked))


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
      ledger --actor admin1 member leave sales wx_ww --violation defiance --note "执意退群"
    """
    actor = session.actor(_("record a departure"))
    ledger = session.ledger()
    warning_id = ledger.leave(actor=actor, group=group_id, member=member_id, note=note,
                              violation=violation, at=at)
    if warning_id is None:
        click.echo(_("{member} left {group} at {at}.").format(
            member=member_id, group=group_id, at=occurred(ledger)))
    else:
        key = ledger.rules(group_id, as_of=ledger.last_occurred_at).rulebook.category_key(
            violation or "")
        click.echo(_("{member} left {group} at {at}, warned for {category}.").format(
            member=member_id, group=group_id, at=occurred(ledger), category=key))
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


@member.command("find")
@click.argument("text")
@group_filter
@point_in_time
@format_option
@pass_session
def find(session: Session, text: str, group_id: tuple[str, ...], as_of: datetime | None,
         known_at: datetime | None, fmt: str) -> None:
    """Find members by nickname: every nickname, current or past, in every group, that
    contains TEXT (Latin letters in either case; é typed as e and an accent is é). Prints
    the group, the member id, the nickname, since when they had it, and until when (empty
    for the nickname they have now).

    \b
    Example:
      ledger member find 李
      ledger member find 老赵 --group g9 --format json
    """
    from projections import nicknames

    if not text.strip():
        raise click.BadParameter(_("give some of the nickname to look for"),
                                 param_hint="TEXT")
    ledger = session.ledger()
    rows = nicknames.find(ledger, text, group=group_id, as_of=as_of, known_at=known_at)
    check_named(session, rows, groups=group_id)
    emit(rows, nicknames.FIELDS, fmt)
