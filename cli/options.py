"""The options several commands share: when a fact happened (--at and other times), the
point in time a query answers for (--as-of, --known-at), and the --group/--member filters.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import click

from cli.session import Session
from ledger.domain.clock import parse_time
from ledger.domain.errors import InvalidInput
from ledger.domain.i18n import N_, _


def at_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--at", "at", metavar="TIME", callback=_parse_time,
        help=N_("when it happened (ISO 8601, e.g. 2026-11-25T09:30+08:00; without an offset, "
                "in the group's time zone); default now"),
    )(function)


def time_option(name: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An ISO 8601 time option other than --at (e.g. --message-at, --effective). Only its
    spelling is checked here (a usage error, exit 2); a time without an offset is read in
    the group's zone, and the range and the future are judged, by the application (exit 1).
    """
    return click.option(name, metavar="TIME", callback=_parse_time, help=help)


def point_in_time(function: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of and --known-at, which every query takes. A time without an offset is read
    in the zone of the one group the query names (--group, or GROUP), else in LEDGER_TZ
    (UTC if unset); a time in the future is refused (exit 1).
    """
    @functools.wraps(function)
    def resolved(*args: Any, **kwargs: Any) -> Any:
        session = click.get_current_context().find_object(Session)
        group = kwargs.get("group_id")
        if isinstance(group, (tuple, list)):  # repeated --group: one group has a zone
            group = group[0] if len(group) == 1 else None
        for name in ("as_of", "known_at"):
            if kwargs.get(name) is not None and session is not None:
                kwargs[name] = session.ledger().moment(
                    kwargs[name], zone=group, what="--" + name.replace("_", "-"), past=True)
        return function(*args, **kwargs)

    resolved = time_option("--known-at", N_("from what had been recorded by this time "
                                            "(recorded-at ≤ TIME)"))(resolved)
    return time_option("--as-of", N_("from the facts that had happened by this time "
                                     "(occurred-at ≤ TIME)"))(resolved)


class Named(click.Choice):
    """One of a fixed vocabulary (ledger.vocabulary), typed as its key or its Chinese
    name (`admin` or `管理员`); the command receives the key. Anything else is a usage error
    that lists every `key 中文` pair.
    """

    def __init__(self, words: Mapping[str, str]) -> None:
        super().__init__(list(words))
        self.words = words

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from ledger.domain.vocabulary import key_of, listed

        key = key_of(self.words, str(value))
        if key is None:
            self.fail(_("{value} is not one of {allowed}").format(
                value=repr(value), allowed=listed(self.words)), param, ctx)
        return key


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
    from ledger.domain.errors import NotFound
    from projections.activity import known_actors
    from projections.dossier import known_members
    from projections.groups import known_groups

    ledger = session.ledger()
    for names, known_of, unknown in (
            (groups, known_groups, _("group {name} is not in this ledger: see 'ledger group "
                                     "list' for its groups")),
            (members, known_members, _("member {name} was never admitted to a group in this "
                                       "ledger: check the id, or look for the nickname with "
                                       "'ledger member find'")),
            (actors, known_actors, _("{name} has recorded nothing in this ledger: check the "
                                     "id (see 'ledger project activity')"))):
        known = known_of(ledger, names)
        for name in names:
            if name not in known:
                raise NotFound(unknown.format(name=name))


def _parse_time(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """The time as typed: aware with its offset, or naive (read in a zone later)."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except InvalidInput as error:
        raise click.BadParameter(str(error)) from None
