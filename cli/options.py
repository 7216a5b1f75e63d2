"""The options several commands share: when a fact happened (--at and other times), the
point in time a query answers for (--as-of, --known-at), and the --group/--member filters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from ledger.clock import check_not_future, now, parse_time
from ledger.errors import InvalidInput
from ledger.i18n import N_, _


def at_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--at", "at", metavar="TIME", callback=_parse_at,
        help=N_("when it happened (ISO 8601, e.g. 2026-11-25T09:30+08:00); default now"),
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
    function = time_option("--known-at", N_("from what had been recorded by this time "
                                          "(recorded-at ≤ TIME)"), past=True)(function)
    return time_option("--as-of", N_("from the facts that had happened by this time "
                                      "(occurred-at ≤ TIME)"), past=True)(function)


def filters(function: Callable[..., Any]) -> Callable[..., Any]:
    """--group and --member, which narrow a list to one group or one member."""
    function = click.option("--member", "member_id", metavar="MEMBER",
                            help=N_("only this member"))(function)
    return click.option("--group", "group_id", metavar="GROUP", help=N_("only this group"))(function)


def _parse_past(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    moment = _parse_at(ctx, param, value)
    if moment is not None:
        try:
            check_not_future(moment, now(), what=f"--{param.name.replace('_', '-')}")
        except InvalidInput as error:
            raise click.BadParameter(_("{error}: the ledger answers for moments that have passed").format(
                                       error=error)) from None
    return moment


def _parse_at(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except InvalidInput as error:
        raise click.BadParameter(str(error)) from None
