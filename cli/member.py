"""`ledger member …`: admissions, renames, removals, re-admissions and departures."""

from __future__ import annotations

from datetime import datetime

import click

from cli.main import Session, at_option, pass_session


@click.group()
def member() -> None:
    """Record a member's admission, renames, removal, re-admission or departure.

    \b
    Example:
      ledger --actor admin1 member admit g9 wx_wang --nickname "g9#1003@王x"
      ledger --actor admin1 member rename g9 wx_li "g9#1001@李x明"
    """


@member.command("admit")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--nickname", required=True, help="the nickname shown in the group")
@click.option("--invited-by", metavar="MEMBER", help="who invited them")
@click.option("--verified-by", metavar="MEMBER", help="who verified their identity")
@at_option
@pass_session
def admit(session: Session, group_id: str, member_id: str, nickname: str,
          invited_by: str | None, verified_by: str | None, at: datetime | None) -> None:
    """Admit a member to a group (the owner or an admin).

    \b
    Example:
      ledger --actor admin1 member admit g9 wx_li --nickname "李x明" \\
          --invited-by wx_wang --verified-by admin1
    """
    actor = session.actor("admit a member")
    session.ledger().admit(actor=actor, group=group_id, member=member_id, nickname=nickname,
                           invited_by=invited_by, verified_by=verified_by, at=at)
    click.echo(f"Admitted {member_id} to {group_id} as {nickname}.")


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
    actor = session.actor("rename a member")
    old = session.ledger().rename(actor=actor, group=group_id, member=member_id,
                                  nickname=nickname, at=at)
    click.echo(f"Renamed {member_id} in {group_id}: {old} → {nickname}.")


@member.command("remove")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--reason", required=True, help="why, in the group's words")
@click.option("--temporary", is_flag=True,
              help="a temporary removal (a dispute pending mediation); re-admission expected")
@at_option
@pass_session
def remove(session: Session, group_id: str, member_id: str, reason: str, temporary: bool,
           at: datetime | None) -> None:
    """Remove a member, temporarily or for good (the owner or an admin).

    Prints the removal's id on the last line.

    \b
    Example:
      ledger --actor admin1 member remove g9 wx_li --temporary --reason "争吵劝阻无效"
    """
    actor = session.actor("remove a member")
    removal_id = session.ledger().remove(actor=actor, group=group_id, member=member_id,
                                         reason=reason, temporary=temporary, at=at)
    kind = "Temporarily removed" if temporary else "Removed"
    click.echo(f"{kind} {member_id} from {group_id}: {reason}")
    click.echo(removal_id)


@member.command("readmit")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--note", help="e.g. the mediation that led to it")
@at_option
@pass_session
def readmit(session: Session, group_id: str, member_id: str, note: str | None,
            at: datetime | None) -> None:
    """Readmit a removed member (the owner or an admin).

    \b
    Example:
      ledger --actor admin1 member readmit g9 wx_li --note "调解后重新邀请"
    """
    actor = session.actor("readmit a member")
    session.ledger().readmit(actor=actor, group=group_id, member=member_id, note=note, at=at)
    click.echo(f"Readmitted {member_id} to {group_id}.")


@member.command("leave")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--note", help="anything said on leaving")
@at_option
@pass_session
def leave(session: Session, group_id: str, member_id: str, note: str | None,
          at: datetime | None) -> None:
    """Record that a member left (the member themselves, the owner or an admin).

    \b
    Example:
      ledger --actor wx_li member leave g9 wx_li --note "搬家了"
    """
    actor = session.actor("record a departure")
    session.ledger().leave(actor=actor, group=group_id, member=member_id, note=note, at=at)
    click.echo(f"{member_id} left {group_id}.")
