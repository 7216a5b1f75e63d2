"""`ledger group …`: register a group and grant or revoke roles in it."""

from __future__ import annotations

from datetime import datetime

import click

from cli.main import Session, at_option, pass_session

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
@at_option
@pass_session
def create(session: Session, group_id: str, name: str, owner: str, at: datetime | None) -> None:
    """Register a group with its owner. Starts a new ledger file if there is none.

    \b
    Example:
      ledger --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1
    """
    actor = session.actor("register a group")
    session.ledger(create=True).register_group(actor=actor, group=group_id, name=name,
                                               owner=owner, at=at)
    click.echo(f"Registered group {group_id} ({name}), owned by {owner}.")


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
