"""The options several commands share: when a fact happened (--at and other times), the
point in time a query answers for (--as-of, --known-at), and the --group/--member filters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from ledger.clock import check_not_future, now, parse_time
from ledger.errors import InvalidInput
from ledger.i18n import N_, _

if TYPE_CHECKING:
    from cli.session import Session


def at_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--at", "at", metavar="TIME", callback=_parse_at,
        help="when it happened (ISO 8601, e.g. 2026-11-25T09:30+08:00); default now",
    )(function)


def time_option(name: str, help: str, *,
                past: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An ISO 8601 time option other than --at (e.g. --message-at, --as-of); with `past`,
    a time in the future is a usage error.
    """
    return click.option(name, metavar="TIME", callback=_parse_past if past else _parse_at,
                        help=help)


def point_in_time(function: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of and --known-at, which every query takes."""
    function = time_option("--known-at", "from what had been recorded by this time "
                           "(recorded-at ≤ TIME)", past=True)(function)
    return time_option("--as-of", "from the facts that had happened by this time "
                       "(occurred-at ≤ TIME)", past=True)(function)


def filters(function: Callable[..., Any]) -> Callable[..., Any]:
    """--group and --member, which narrow a list to some groups or members: each may be
    given again (any of them), and the two together narrow by both.
    """
    function = click.option("--member", "member_id", metavar="MEMBER", multiple=True,
                            callback=typed_ids,
                            help=N_("only this member (again for more)"))(function)
    return group_filter(function)


def group_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--group", "group_id", metavar="GROUP", multiple=True,
                        callback=typed_ids, help=N_("only this group (again for more)"))(function)


def typed_ids(ctx: click.Context, param: click.Parameter,
              value: tuple[str, ...]) -> tuple[str, ...]:
    """Ids as the ledger stores them (NFC, without surrounding spaces): an id typed with
    its accent as a separate mark finds the id recorded with the composed letter.
    """
    return tuple(dict.fromkeys(unicodedata.normalize("NFC", v).strip() for v in value))


def check_named(session: Session, rows: Sequence[dict[str, Any]], *,
                groups: Sequence[str] = (), members: Sequence[str] = (),
                actors: Sequence[str] = ()) -> None:
    """Refuse a query that names a group, member or actor this ledger has never heard
    of, rather than answer "(no rows)" for a typing mistake. A name the rows show is
    known; only the others are looked up.
    """
    shown = {key: {row.get(key) for row in rows} for key in ("group", "member", "actor")}
    groups = [g for g in groups if g not in shown["group"]]
    members = [m for m in members if m not in shown["member"]]
    actors = [a for a in actors if a not in shown["actor"]]
    if not (groups or members or actors):
        return
    from ledger.errors import NotFound

    ledger = session.ledger()
    if groups:
        from projections.groups import known_groups

        known = known_groups(ledger, groups)
        for group in groups:
            if group not in known:
                raise NotFound(_("group {group} is not in this ledger: see 'ledger group "
                                 "list' for its groups").format(group=group))
    if members:
        from projections.dossier import known_members

        known = known_members(ledger, members)
        for member in members:
            if member not in known:
                raise NotFound(_("member {member} was never admitted to a group in this "
                                 "ledger: check the id, or look for the nickname with "
                                 "'ledger member find'").format(member=member))
    if actors:
        from projections.activity import known_actors

        known = known_actors(ledger, actors)
        for actor in actors:
            if actor not in known:
                raise NotFound(_("{actor} has recorded nothing in this ledger: check the "
                                 "id (see 'ledger project activity')").format(actor=actor))


def _parse_past(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    moment = _parse_at(ctx, param, value)
    if moment is not None:
        try:
            check_not_future(moment, now(), what=f"--{param.name.replace('_', '-')}")
        except InvalidInput as error:
            raise click.BadParameter(f"{error}: the ledger answers for moments that have "
                                     "passed") from None
    return moment


def _parse_at(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except InvalidInput as error:
        raise click.BadParameter(str(error)) from None
