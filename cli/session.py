"""What every command shares: the store, the actor, and the ledger once opened, handed to
each command by `pass_session`.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from typing import TYPE_CHECKING

import click

from ledger.domain.errors import StoreError
from ledger.domain.i18n import _

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.store.url import Store


class Session:
    """What every command shares: the store, the actor, and the ledger once opened."""

    def __init__(self, store_url: str | None, actor: str | None) -> None:
        self.store_url = store_url
        self.actor_name = actor
        self.format: str | None = None  # --format before or after the command's name
        self.lang: str | None = None  # --lang: chosen before parsing (cli/language.py)
        self._ledger: Ledger | None = None
        self._created: Store | None = None
        self._creating: int | None = None  # the directory held while a new file is made

    @property
    def store(self) -> Store:
        # Imported here, as below: `--help` and usage errors never open a store.
        from ledger.store.url import parse_store

        return parse_store(self.store_url)

    def actor(self, doing: str) -> str:
        if not self.actor_name or not self.actor_name.strip():
            raise click.UsageError(_("--actor (or LEDGER_ACTOR) is required to {doing}: say who "
                                     "records this").format(doing=doing))
        return self.actor_name.strip()

    def ledger(self, *, create: bool = False) -> Ledger:
        """Open the ledger. Only a command that starts a ledger may create a new file."""
        if self._ledger is None:
            from ledger.application import Ledger

            store = self.store
            if create and store.kind == "sqlite":
                # Commands that may start a file take turns, from looking for the file until
                # they end: a second one sees the first's file, never one it may discard.
                self._creating = _hold_directory(store)
            if not store.exists():
                if not create:
                    raise StoreError(_missing(store))
                self._created = store
            self._ledger = Ledger(store, zone=self.zone())
        return self._ledger

    def zone(self) -> tzinfo | None:
        """LEDGER_TZ: where a time without an offset is read when no one group's rulebook
        names a zone (a query across groups, a group whose rules name none). Unset: UTC.
        """
        name = os.environ.get("LEDGER_TZ", "").strip()
        if not name:
            return None
        from ledger.domain.clock import zone_named
        from ledger.domain.errors import InvalidInput

        try:
            return zone_named(name, what="LEDGER_TZ")
        except InvalidInput as error:
            raise click.UsageError(str(error)) from None

    def discard_new_store(self) -> None:
        """A command that created a new file and then failed leaves no file behind."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._created is not None:
            self._created.discard()
            self._created = None
        self._release()

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        self._release()

    def _release(self) -> None:
        if self._creating is not None:
            os.close(self._creating)  # closing the descriptor releases its lock
            self._creating = None


def _missing(store: Store) -> str:
    """Why there is no ledger, and, when `ledger demo` wrote one beside the missing file,
    the --store that opens it (the newest, if it wrote several).
    """
    said = _("no ledger at {store}: create a group first ('ledger group create') or point "
             "--store at a ledger").format(store=store.describe())
    if store.kind != "sqlite" or store.path is None:
        return said
    from cli.demo import DEFAULT_OUT

    stem, suffix = os.path.splitext(DEFAULT_OUT)  # ledger-demo.db, ledger-demo-2.db, …
    demos = sorted((path for path in store.path.parent.glob(f"{stem}*{suffix}")
                    if path.name == DEFAULT_OUT
                    or path.name[len(stem):-len(suffix)].lstrip("-").isdecimal()),
                   key=lambda path: path.stat().st_mtime_ns)
    if not demos:
        return said
    return _("{said}, such as the demo's: --store {demo}").format(said=said, demo=demos[-1])


def _hold_directory(store: Store) -> int | None:
    """Lock the directory of an SQLite store against other commands that may create it;
    returns the descriptor that holds the lock (None where locks are not available).
    """
    try:
        import fcntl
    except ImportError:  # not on POSIX: files are created without taking turns
        return None
    assert store.path is not None
    descriptor = os.open(store.path.parent, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


pass_session = click.make_pass_decorator(Session)
