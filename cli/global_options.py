"""The options every command takes, before its name or after it: `ledger --actor admin1
warn g9 wx_li …` and `ledger warn g9 wx_li … --actor admin1` are one command. The root
group declares them (with their environment variables); `add_to` gives every command
below it the same options when the command is loaded, so that each `--help` lists them,
and a value given after the command wins over one given before it.

To add a global option, add one `GlobalOption` to `GLOBAL_OPTIONS` and the attribute it
names to `Session`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from ledger.domain.i18n import LANGUAGES, N_, _

# Here, not in cli.output, so that `ledger --help` need not import the table code.
FORMATS = ("table", "json", "jsonl", "csv")


@dataclass(frozen=True)
class GlobalOption:
    flag: str  # --store
    attribute: str  # the Session attribute it sets
    metavar: str | None
    help: str  # marked with N_, shown translated
    help_after: str  # the same, on a command: which value wins
    envvar: str | None = None
    choices: tuple[str, ...] | None = None

    def _type(self) -> Any:
        return click.Choice(self.choices) if self.choices else None

    def for_root(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """The option on the root group, where its environment variable is read."""
        return click.option(self.flag, self.attribute, envvar=self.envvar, type=self._type(),
                            metavar=self.metavar, help=self.help)

    def for_command(self) -> click.Option:
        """The same option after a command's name: it sets the session's value, so it
        wins over the root's (which the environment variable fills in).
        """
        return click.Option([self.flag, f"global_{self.attribute}"], type=self._type(),
                            metavar=self.metavar, expose_value=False, callback=self._set,
                            help=self.help_after)

    def _set(self, ctx: click.Context, param: click.Parameter, value: Any) -> None:
        from cli.session import Session

        session = ctx.find_object(Session)
        if value is not None and session is not None:
            setattr(session, self.attribute, value)


GLOBAL_OPTIONS: tuple[GlobalOption, ...] = (
    GlobalOption("--store", "store_url", "URL",
                 N_("ledger.db (default), a path, sqlite:///PATH or postgresql://USER@HOST/DB "
                    "[env LEDGER_STORE]"),
                 N_("the store, as before the command (ledger.db, a path, sqlite:///PATH or "
                    "postgresql://…); given here, it wins over the one before the command "
                    "and LEDGER_STORE"), envvar="LEDGER_STORE"),
    GlobalOption("--actor", "actor_name", "ID",
                 N_("who records this; required by recording commands [env LEDGER_ACTOR]"),
                 N_("who records this, as before the command; given here, it wins over the "
                    "one before the command and LEDGER_ACTOR"), envvar="LEDGER_ACTOR"),
    GlobalOption("--format", "format", None,
                 N_("table for people (default); json, jsonl or csv for machines, for the "
                    "commands that print rows"),
                 N_("as before the command; this command prints no rows, its output has one "
                    "form, so only table (the default) is accepted"), choices=FORMATS),
    # Read before click parses anything (cli/language.py moves it in front of the command,
    # wherever it was typed), so that help and usage errors are already in the language.
    GlobalOption("--lang", "lang", None,
                 N_("the language of messages and help: en or zh; may also follow the "
                    "subcommand [env LEDGER_LANG; default from LANG, e.g. zh_CN.UTF-8]"),
                 N_("the language of messages and help (en or zh), as before the command"),
                 envvar="LEDGER_LANG", choices=LANGUAGES),
)


def for_root(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(GLOBAL_OPTIONS):
        function = option.for_root()(function)
    return function


def add_to(command: click.Command) -> click.Command:
    """`command` and every command below it with the global options it does not have
    yet (a query's own --format is kept: it reads the session's when not given).
    """
    have = {opt for param in command.params for opt in getattr(param, "opts", ())}
    for option in GLOBAL_OPTIONS:
        if option.flag not in have:
            command.params.append(option.for_command())
    if _prints_no_rows(command):
        command.callback = _refusing_formats(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_to(sub)
    return command


def _prints_no_rows(command: click.Command) -> bool:
    """A leaf command without a --format of its own: a recording command's reply, an
    export, a proof print one form only.
    """
    if isinstance(command, click.Group) or command.callback is None:
        return False
    if getattr(command.callback, "_refuses_formats", False):
        return False
    return not any(param.name == "fmt" for param in command.params)


def _refusing_formats(command: click.Command) -> Callable[..., Any]:
    """The command's callback, refusing a machine format it cannot honour (a usage
    error, exit 2). `--format table`, the default, is accepted.
    """
    callback = command.callback
    assert callback is not None

    def refusing(*args: Any, **kwargs: Any) -> Any:
        from cli.session import Session

        session = click.get_current_context().find_object(Session)
        chosen = getattr(session, "format", None)
        if chosen not in (None, "table"):
            raise click.UsageError(_("{command} prints no rows, its output has one form: "
                                     "--format {format} is for the commands that list "
                                     "rows").format(
                                         command=command.name, format=chosen))
        return callback(*args, **kwargs)

    refusing._refuses_formats = True  # type: ignore[attr-defined]
    return refusing
