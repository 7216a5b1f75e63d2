"""`ledger group …`: register a group and grant or revoke roles in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.options import at_option, time_option
from cli.output import format_option
from cli.rulebook import show_rulebook
from cli.session import Session, pass_session

if TYPE_CHECKING:
    from datetime import datetime

ROLES = click.Choice(["owner", "admin", "secretary", "reviewer"])


@click.group()
def group() -> None:
    """Register groups and manage who holds which role.

    \b
    Example:
      ledger --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1
      ledger --actor owner1 group grant g9 admin1 --role admin
    """


@group.command("create")
@click.argument("group_id", metavar="GROUP")
@click.option("--name", required=True, help="the group's display name")
@click.option("--owner", required=True, metavar="MEMBER", help="who owns the group")
@click.option("--rulebook", default="builtin:default", show_default=True, metavar="REF",
              help="builtin:company|estate|corporate|referees|default, or a TOML file")
@at_option
@pass_session
def create(session: Session, group_id: str, name: str, owner: str, rulebook: str,
           at: datetime | None) -> None:
    """Register a group with its owner and rulebook. Starts a new ledger file if there is
    none.

    \b
    Example:
      ledger --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1 \\
          --rulebook builtin:estate
    """
    actor = session.actor("register a group")
    ledger = session.ledger(create=True)
    ledger.register_group(actor=actor, group=group_id, name=name, owner=owner,
                          rulebook=rulebook, at=at)
    rules = ledger.rules(group_id, as_of=at)
    click.echo(f"Registered group {group_id} ({name}), owned by {owner}, under "
               f"{rules.describe()}: {rules.rulebook.title}.")


@group.command("amend")
@click.argument("group_id", metavar="GROUP")
@click.option("--rulebook", required=True, metavar="REF", help="the amended rulebook file")
@click.option("--resolution", required=True, help="the resolution that adopted it")
@time_option("--effective", "when the new version takes effect (default: --at, or now)")
@at_option
@pass_session
def amend(session: Session, group_id: str, rulebook: str, resolution: str,
          effective: datetime | None, at: datetime | None) -> None:
    """Record an amendment of the group's rules (the owner). Facts are judged by the
    version in force when they happened: an amendment never changes a past sanction.

    \b
    Example:
      ledger --actor owner1 group amend g9 --rulebook estate-2027.toml \\
          --resolution "业主之家代表会议决议 2026-12 号" --effective 2027-01-01T00:00+08:00
    """
    actor = session.actor("amend the rules")
    ledger = session.ledger()
    version = ledger.amend_rules(actor=actor, group=group_id, rulebook=rulebook,
                                 resolution=resolution, effective=effective, at=at)
    rules = ledger.group(group_id).versions[version - 1]
    click.echo(f"Amended the rules of {group_id}: {rules.describe()} in force from "
               f"{rules.effective_at.isoformat()} by {resolution}.")


@group.command("rules")
@click.argument("group_id", metavar="GROUP")
@time_option("--as-of", "the version in force at this time (default now)")
@format_option
@pass_session
def rules(session: Session, group_id: str, as_of: datetime | None, fmt: str) -> None:
    """Show the rules in force in a group, now or at a past moment.

    \b
    Example:
      ledger group rules g9
      ledger group rules g9 --as-of 2026-10-01T00:00+08:00 --format json
    """
    version = session.ledger().rules(group_id, as_of=as_of)
    click.echo(f"{group_id}: version {version.version} from {version.source}, in force from "
               f"{version.effective_at.isoformat()}"
               + (f" by {version.resolution}" if version.resolution else "") + ".",
               err=fmt != "table")
    show_rulebook(version.rulebook, fmt)


@group.command("review")
@click.argument("group_id", metavar="GROUP")
@click.option("--keep", multiple=True, metavar="MEMBER", help="a member kept (repeatable)")
@click.option("--remove", multiple=True, metavar="MEMBER", help="a member removed (repeatable)")
@click.option("--reason", required=True, help="e.g. the personnel change behind it")
@at_option
@pass_session
def review(session: Session, group_id: str, keep: tuple[str, ...], remove: tuple[str, ...],
           reason: str, at: datetime | None) -> None:
    """Record a periodic membership review (the owner or an admin): who is kept, who is
    removed after a personnel change. Prints the review's id on the last line.

    \b
    Example:
      ledger --actor hr_admin group review hq --keep 行政人事部-张某某 --remove 销售部-李四 \\
          --reason "2026年第四季度人事变动"
    """
    actor = session.actor("review the membership")
    review_id = session.ledger().review(actor=actor, group=group_id, keep=keep, remove=remove,
                                        reason=reason, at=at)
    click.echo(f"Reviewed {group_id}: kept {len(keep)}, removed {len(remove)}.")
    click.echo(review_id)


@group.command("grant")
@click.argument("group_id", metavar="GROUP")
@click.argument("member")
@click.option("--role", type=ROLES, required=True, help="the role to grant")
@at_option
@pass_session
def grant(session: Session, group_id: str, member: str, role: str, at: datetime | None) -> None:
    """Grant a role in a group (the owner only).

    \b
    Example:
      ledger --actor owner1 group grant g9 admin1 --role admin
    """
    actor = session.actor("grant a role")
    session.ledger().grant_role(actor=actor, group=group_id, member=member, role=role, at=at)  # type: ignore[arg-type]
    click.echo(f"Granted {role} in {group_id} to {member}.")


@group.command("revoke")
@click.argument("group_id", metavar="GROUP")
@click.argument("member")
@click.option("--role", type=ROLES, required=True, help="the role to revoke")
@at_option
@pass_session
def revoke(session: Session, group_id: str, member: str, role: str, at: datetime | None) -> None:
    """Revoke a role in a group (the owner only).

    \b
    Example:
      ledger --actor owner1 group revoke g9 admin1 --role admin
    """
    actor = session.actor("revoke a role")
    session.ledger().revoke_role(actor=actor, group=group_id, member=member, role=role, at=at)  # type: ignore[arg-type]
    click.echo(f"Revoked {role} in {group_id} from {member}.")
