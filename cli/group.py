"""`ledger group …`: register a group, grant or revoke roles in it, amend its rules, and
see the groups (`group list`, `group show`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.language import TranslatedGroup
from cli.options import Named, at_option, time_option
from cli.output import emit, format_option, occurred, render_table
from cli.rulebook import show_rulebook
from cli.session import Session, pass_session
from ledger.domain import vocabulary
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.application import Ledger

ROLES = Named(vocabulary.ROLES)
ROLE_ORDER = ("owner", "admin", "secretary", "reviewer", "leader")
STATUSES = ("active", "warned", "removal_due", "temporarily_removed", "removed", "left")
IN_GROUP = ("active", "warned", "removal_due")
LIST_FIELDS = ("group", "name", "rulebook", "owner", "members", "admins")


@click.group(cls=TranslatedGroup)
def group() -> None:
    """Register groups, manage who holds which role, amend their rules and see them.

    \b
    Example:
      ledger --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1
      ledger --actor owner1 group grant g9 admin1 --role admin
      ledger group list
      ledger group show g9
    """


@group.command("create")
@click.argument("group_id", metavar="GROUP")
@click.option("--name", required=True, help=N_("the group's display name"))
@click.option("--owner", required=True, metavar="MEMBER", help=N_("who owns the group"))
@click.option("--rulebook", default="builtin:default", show_default=True, metavar="REF",
              help=N_("builtin:company|estate|corporate|referees|default, or a TOML file"))
@click.option("--approved-by", metavar="MEMBER",
              help=N_("who approved the group's creation (R3: the president)"))
@click.option("--filed-with", metavar="TEXT",
              help=N_("where the creation was filed (R3: 报集团行政人事部备案)"))
@at_option
@pass_session
def create(session: Session, group_id: str, name: str, owner: str, rulebook: str,
           approved_by: str | None, filed_with: str | None, at: datetime | None) -> None:
    """Register a group with its owner and rulebook. Starts a new ledger file if there is
    none.

    \b
    Example:
      ledger --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1 \\
          --rulebook builtin:estate
      ledger --actor hr group create hq --name 集团工作群 --owner hr --rulebook corporate \\
          --approved-by president --filed-with "集团行政人事部备案"
    """
    actor = session.actor(_("register a group"))
    ledger = session.ledger(create=True)
    ledger.register_group(actor=actor, group=group_id, name=name, owner=owner,
                          rulebook=rulebook, approved_by=approved_by, filed_with=filed_with,
                          at=at)
    rules = ledger.rules(group_id, as_of=ledger.last_occurred_at)
    click.echo(_("Registered group {group} ({name}) at {at}, owned by {owner}, under "
                 "{rules}: {title}.").format(
                     group=group_id, name=name, at=occurred(ledger), owner=owner,
                     rules=rules.describe(), title=rules.rulebook.title))


@group.command("amend")
@click.argument("group_ids", metavar="GROUP...", nargs=-1)
@click.option("--all-groups-with-rulebook", "with_rulebook", metavar="NAME",
              help=N_("every group whose rules in force are this rulebook (e.g. estate)"))
@click.option("--rulebook", required=True, metavar="REF", help=N_("the amended rulebook file"))
@click.option("--resolution", required=True, help=N_("the resolution that adopted it"))
@time_option("--effective", N_("when the new version takes effect (default: --at, or now; "
                                "without an offset, in the group's time zone); earlier than "
                                "now only if nothing in the group happened since"))
@at_option
@pass_session
def amend(session: Session, group_ids: tuple[str, ...], with_rulebook: str | None,
          rulebook: str, resolution: str, effective: datetime | None,
          at: datetime | None) -> None:
    """Record an amendment of the rules of one group or many (the owner). Facts are judged
    by the version in force when they happened: an amendment never changes a past
    sanction. Many groups amended by one resolution (R2 第三条(八)) are amended in one
    transaction: all of them, or none.

    \b
    Example:
      ledger --actor owner1 group amend g9 --rulebook estate-2027.toml \\
          --resolution "业主之家代表会议决议 2026-12 号" --effective 2027-01-01T00:00+08:00
      ledger --actor owner1 group amend --all-groups-with-rulebook estate \\
          --rulebook estate-2027.toml --resolution "业主之家代表会议决议 2026-12 号"
    """
    from ledger.domain.errors import InvalidInput

    actor = session.actor(_("amend the rules"))
    ledger = session.ledger()
    keys = list(dict.fromkeys(group_ids))
    if with_rulebook is not None:
        from projections.groups import group_ids as all_groups

        keys += [key for key in all_groups(ledger) if key not in keys
                 and ledger.group(key).rules_at(ledger.clock()).name == with_rulebook]
        if not keys:
            raise InvalidInput(_("no group's rules in force are {with_rulebook}: check the name "
                                 "('ledger group list' shows each group's rulebook)").format(
                                 with_rulebook=with_rulebook))
    if not keys:
        raise click.UsageError(_("give the groups to amend (GROUP...) or "
                                 "--all-groups-with-rulebook NAME"))
    with ledger.batch():
        versions = [ledger.amend_rules(actor=actor, group=key, rulebook=rulebook,
                                       resolution=resolution, effective=effective, at=at)
                    for key in keys]
    for key, version in zip(keys, versions):
        rules = ledger.group(key).versions[version - 1]
        click.echo(_("Amended the rules of {group} at {at}: {rules} in force from {effective} "
                     "by {resolution}.").format(
                         group=key, at=occurred(ledger), rules=rules.describe(),
                         effective=rules.effective_at.isoformat(), resolution=resolution))


@group.command("rules")
@click.argument("group_id", metavar="GROUP")
@time_option("--as-of", N_("the version in force at this time (default now; without an "
                            "offset, in the group's time zone)"))
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
    fields = {"group": group_id, "version": version.version, "source": version.source,
              "effective_at": version.effective_at.isoformat(), "resolution": version.resolution}
    if version.resolution:
        said = _("{group}: version {version} from {source}, in force from {effective_at} by "
                 "{resolution}.").format(**fields)
    else:
        said = _("{group}: version {version} from {source}, in force from "
                 "{effective_at}.").format(**fields)
    click.echo(said, err=fmt != "table")
    show_rulebook(version.rulebook, fmt)


@group.command("review")
@click.argument("group_id", metavar="GROUP")
@click.option("--keep", multiple=True, metavar="MEMBER", help=N_("a member kept (repeatable)"))
@click.option("--remove", multiple=True, metavar="MEMBER", help=N_("a member removed (repeatable)"))
@click.option("--reason", required=True, help=N_("e.g. the personnel change behind it"))
@at_option
@pass_session
def review(session: Session, group_id: str, keep: tuple[str, ...], remove: tuple[str, ...],
           reason: str, at: datetime | None) -> None:
    """Record a periodic membership review (the owner or an admin): who is kept, who is
    removed after a personnel change. Prints the review's id on the last line.

    \b
    Example:
      ledger --actor hr_admin group review hq --keep wx_zmm --remove wx_ls \\
          --reason "2026年第四季度人事变动"
    """
    actor = session.actor(_("review the membership"))
    ledger = session.ledger()
    review_id = ledger.review(actor=actor, group=group_id, keep=keep, remove=remove,
                              reason=reason, at=at)
    click.echo(_("Reviewed {group} at {at}: kept {kept}, removed {removed}.").format(
        group=group_id, at=occurred(ledger), kept=len(keep), removed=len(remove)))
    click.echo(review_id)


@group.command("grant")
@click.argument("group_id", metavar="GROUP")
@click.argument("member")
@click.option("--role", type=ROLES, required=True, help=N_("the role to grant"))
@at_option
@pass_session
def grant(session: Session, group_id: str, member: str, role: str, at: datetime | None) -> None:
    """Grant a role in a group (the owner only).

    \b
    Example:
      ledger --actor owner1 group grant g9 admin1 --role admin
    """
    actor = session.actor(_("grant a role"))
    ledger = session.ledger()
    ledger.grant_role(actor=actor, group=group_id, member=member, role=role, at=at)  # type: ignore[arg-type]
    click.echo(_("Granted {role} in {group} to {member} at {at}.").format(
        role=role, group=group_id, member=member, at=occurred(ledger)))


@group.command("revoke")
@click.argument("group_id", metavar="GROUP")
@click.argument("member")
@click.option("--role", type=ROLES, required=True, help=N_("the role to revoke"))
@at_option
@pass_session
def revoke(session: Session, group_id: str, member: str, role: str, at: datetime | None) -> None:
    """Revoke a role in a group (the owner only).

    \b
    Example:
      ledger --actor owner1 group revoke g9 admin1 --role admin
    """
    actor = session.actor(_("revoke a role"))
    ledger = session.ledger()
    ledger.revoke_role(actor=actor, group=group_id, member=member, role=role, at=at)  # type: ignore[arg-type]
    click.echo(_("Revoked {role} in {group} from {member} at {at}.").format(
        role=role, group=group_id, member=member, at=occurred(ledger)))


@group.command("list")
@format_option
@pass_session
def list_groups(session: Session, fmt: str) -> None:
    """Every group: its id, name, rulebook and version in force, owner, members in the
    group and admins.

    \b
    Example:
      ledger group list
      ledger group list --format json
    """
    from projections.groups import group_ids

    ledger = session.ledger()
    rows = []
    for key in group_ids(ledger):
        about = _about(ledger, key)
        rows.append({"group": key, "name": about["name"],
                     "rulebook": f"{about['rulebook']['name']} v{about['rulebook']['version']}",
                     "owner": about["owner"],
                     "members": sum(about["members"][s] for s in IN_GROUP),
                     "admins": ",".join(r["member"] for r in about["roles"]
                                        if r["role"] == "admin")})
    emit(rows, LIST_FIELDS, fmt)


@group.command("show")
@click.argument("group_id", metavar="GROUP")
@format_option
@pass_session
def show(session: Session, group_id: str, fmt: str) -> None:
    """One group: its name and owner, who approved it and where it was filed, the rules in
    force, the roles held and by whom since when, and its members counted by status.

    \b
    Example:
      ledger group show g9
      ledger group show g9 --format json
    """
    about = _about(session.ledger(), group_id)
    if fmt == "csv":  # the roles, one row each
        emit([{"group": about["group"], **r} for r in about["roles"]],
             ("group", "role", "member", "since"), fmt)
        return
    if fmt in ("json", "jsonl"):
        import orjson

        option = orjson.OPT_INDENT_2 if fmt == "json" else 0
        click.echo(orjson.dumps(about, option=option).decode())
        return
    book = about["rulebook"]
    lines = [_("{group}: {name}, owned by {owner}, registered {registered_at}.").format(
        group=about["group"], name=about["name"], owner=about["owner"],
        registered_at=about["registered_at"])]
    if about["approved_by"] or about["filed_with"]:
        approver = about["approved_by"] or _("(not recorded)")
        if about["filed_with"]:
            lines.append(_("Approved by {approver}; filed with {filed_with}.").format(
                approver=approver, filed_with=about["filed_with"]))
        else:
            lines.append(_("Approved by {approver}.").format(approver=approver))
    fields = {**book, "rulebook": book["name"]}
    if book["resolution"]:
        lines.append(_("Rules in force: {rulebook} v{version} ({title}) from {source}, since "
                       "{effective_at} by {resolution}.").format(**fields))
    else:
        lines.append(_("Rules in force: {rulebook} v{version} ({title}) from {source}, since "
                       "{effective_at}.").format(**fields))
    counts = ", ".join(f"{status} {n}" for status, n in about["members"].items() if n)
    lines.append(_("Members: {counts}.").format(counts=counts or _("none")))
    lines.append("")
    lines.append(render_table(about["roles"], ("role", "member", "since")))
    click.echo("\n".join(lines))


def _about(ledger: Ledger, key: str) -> dict[str, Any]:
    """What `group show` says of one group, as JSON types."""
    from ledger.domain.clock import format_time
    from projections import standings

    the_group = ledger.group(key)
    rules = the_group.rules_at(ledger.clock())
    roles = sorted(((role, member, since) for (member, role), since
                    in the_group.role_since.items()),
                   key=lambda r: (ROLE_ORDER.index(r[0]) if r[0] in ROLE_ORDER else 99, r[2],
                                  r[1]))
    counts = dict.fromkeys(STATUSES, 0)
    for row in standings.query(ledger, group=the_group.key):
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {
        "group": the_group.key, "name": the_group.name, "owner": the_group.owner,
        "registered_at": format_time(the_group.registered_at),  # type: ignore[arg-type]
        "approved_by": the_group.approved_by, "filed_with": the_group.filed_with,
        "rulebook": {"name": rules.name, "version": rules.version,
                     "title": rules.rulebook.title, "source": rules.source,
                     "effective_at": format_time(rules.effective_at),
                     "resolution": rules.resolution},
        "roles": [{"role": role, "member": member, "since": format_time(since)}
                  for role, member, since in roles],
        "members": counts,
    }
