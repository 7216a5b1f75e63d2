"""The `ledger` command: global options, the one place where ledger errors become
`Error: …` on stderr with exit code 1, and the command groups from the sibling modules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from ledger import __version__
from ledger.application import Ledger
from ledger.clock import check_not_future, now, parse_time
from ledger.errors import InvalidInput, LedgerError, StoreError
from ledger.store import Store, parse_store
from ledger.fold import MembershipState


class Session:
    """What every command shares: the store, the actor, and the ledger once opened."""

    def __init__(self, store_url: str | None, actor: str | None) -> None:
        self.store_url = store_url
        self.actor_name = actor
        self._ledger: Ledger | None = None
        self._created: Store | None = None

    @property
    def store(self) -> Store:
        return parse_store(self.store_url)

    def actor(self, doing: str) -> str:
        if not self.actor_name or not self.actor_name.strip():
            raise click.UsageError(f"--actor (or LEDGER_ACTOR) is required to {doing}: "
                                   "say who records this")
        return self.actor_name.strip()

    def ledger(self, *, create: bool = False) -> Ledger:
        """Open the ledger. Only a command that starts a ledger may create a new file."""
        if self._ledger is None:
            store = self.store
            if not store.exists():
                if not create:
                    raise StoreError(f"no ledger at {store.describe()}: create a group first "
                                     "('ledger group create') or point --store at a ledger")
                self._created = store
            self._ledger = Ledger(store)
        return self._ledger

    def discard_new_store(self) -> None:
        """A command that created a new file and then failed leaves no file behind."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._created is not None:
            self._created.discard()
            self._created = None

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


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


pass_session = click.make_pass_decorator(Session)


def describe_standing(state: MembershipState) -> str:
    """`2 of 3 strikes, warned` — what a sanction left the member with."""
    return f"{state.live_strikes} of {state.strike_limit} strikes, {state.status}"


class LedgerGroup(click.Group):
    """Turns a LedgerError anywhere below into `Error: …` and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (LedgerError, PersistenceError) as error:
            session = ctx.find_object(Session)
            if session is not None:
                session.discard_new_store()
            if isinstance(error, LedgerError):
                raise click.ClickException(str(error)) from None
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise click.ClickException(f"the store failed ({first}): nothing more was saved; "
                                       "check that it is reachable and try again") from None


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", envvar="LEDGER_STORE", metavar="URL",
              help="ledger.db (default), a path, sqlite:///PATH or postgresql://USER@HOST/DB "
                   "[env LEDGER_STORE]")
@click.option("--actor", envvar="LEDGER_ACTOR", metavar="ID",
              help="who records this; required by recording commands [env LEDGER_ACTOR]")
@click.version_option(__version__, prog_name="ledger")
@click.pass_context
def cli(ctx: click.Context, store: str | None, actor: str | None) -> None:
    """An event-sourced compliance ledger for chat groups run under written rules.

    Every fact (an admission, a rename, a flag, a warning, a removal) is an immutable
    event; standings and histories are rebuilt from them.

    \b
    Example:
      ledger demo
      ledger --store g.db --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1
      ledger --store g.db project standings --group g9
    """
    session = Session(store, actor)
    ctx.obj = session
    ctx.call_on_close(session.close)


def _register() -> None:
    from cli import (demo, dossier, flag, group, history, member, project, replay, rulebook,
                     task, warn)

    cli.add_command(group.group)
    cli.add_command(member.member)
    cli.add_command(flag.flag)
    cli.add_command(task.task)
    cli.add_command(rulebook.rulebook)
    cli.add_command(warn.warn)
    cli.add_command(history.history)
    cli.add_command(dossier.dossier)
    cli.add_command(replay.replay)
    cli.add_command(project.project)
    cli.add_command(demo.demo)


_register()


def main() -> None:
    cli(prog_name="ledger", auto_envvar_prefix=None)

