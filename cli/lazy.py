"""A command group that imports a subcommand's module only when that subcommand is needed:
click's documented LazyGroup pattern, with the one-line help each subcommand shows in the
group's listing, so that `--help` lists every command without importing any of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import click

from ledger.domain.i18n import _


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported the first time it is looked up. Names,
    membership and length never import, so anything that reads a group's `commands` (click's
    `list_commands` and its "Did you mean" suggestions, a test that walks the tree) sees every
    command, and only the ones it looks up are loaded.
    """

    def __init__(self, lazy: Mapping[str, tuple[str, str]]) -> None:
        self._lazy = dict(lazy)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._lazy:
                raise KeyError(name)
            self._loaded[name] = _load(name, self._lazy[name][0])
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._lazy or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._lazy), **dict.fromkeys(self._loaded)})

    def __len__(self) -> int:
        return len(self._lazy.keys() | self._loaded.keys())

    def loaded(self, name: str) -> click.Command | None:
        """The command if it has been imported (or added), without importing it."""
        return self._loaded.get(name)

    def short_help(self, name: str) -> str:
        return self._lazy[name][1]


def _load(name: str, path: str) -> click.Command:
    module, attribute = path.rsplit(".", 1)
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{path} is not a click command: fix the registry entry for {name!r}")
    return command


class LazyGroup(click.Group):
    """`lazy_subcommands` maps each name to `(module.attribute, short help)`. click's own
    `list_commands` and `get_command` read `commands`, which imports a command when it is
    looked up; the short help, the first sentence of the command's help, lets the listing
    shorten it to fit the terminal exactly as click shortens a loaded command's help.
    """

    commands: LazyCommands

    def __init__(self, *args: Any,
                 lazy_subcommands: Mapping[str, tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        eager = self.commands
        self.commands = LazyCommands(lazy_subcommands or {})
        self.commands.update(eager)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing of click.Group, with a stand-in holding the short help for each
        command not yet loaded, so that listing them imports none.
        """
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.loaded(name)
            if command is None:
                stand_in = self.command_class or click.Command
                command = stand_in(name, help=self.commands.short_help(name))
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _command in rows)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit))
                                    for name, command in rows])
