"""The `ledger` command: global options, the one place where ledger errors become
`Error: …` on stderr with exit code 1, and the registry of the command groups in the
sibling modules, each imported only when it is run or its help is asked for.

The rule for exit codes (README, "Errors and exit codes"): 2 for what could not be parsed
— click's usage errors, raised where an option is read, which checks only its spelling
(cli/options.py) — and 1 for a well-formed request the ledger refuses, a LedgerError:
the application judges every value against the group (ledger.application.Ledger.moment
for every time: its zone, the years a ledger records, the future).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from cli import global_options
from cli.language import TranslatedGroup, main_in_language, speak_through_click
from cli.lazy import LazyGroup
from cli.session import Session
from ledger import __version__
from ledger.domain.errors import LedgerError
from ledger.domain.i18n import N_, _

speak_through_click()

# name: (module.attribute, the first sentence of its help, which `ledger --help` lists).
# tests/cli/test_imports.py checks every entry against the command it names.
COMMANDS: dict[str, tuple[str, str]] = {
    "appeal": ("cli.appeal.appeal",
               N_("File appeals against sanctions; a reviewer decides them; list the queue.")),
    "demo": ("cli.demo.demo", N_("Write a demo ledger to a new file and print its standings.")),
    "dispute": ("cli.dispute.dispute",
                N_("Open a dispute between members, note its mediation, resolve it.")),
    "dossier": ("cli.dossier.dossier",
                N_("What a reviewer reads before deciding: the member's standing in every group "
                   "with the events behind it, then every event in every group in the order it "
                   "happened, with actor, occurred-at, recorded-at, and the rule text each "
                   "sanction cited.")),
    "export": ("cli.exchange.export",
               N_("Write the log to stdout as JSON lines: one stored event a line, keys sorted, "
                  "with its notification id, originator id and version, topic, recorded-at and "
                  "state.")),
    "flag": ("cli.flag.flag",
             N_("Flag a message that may break a rule; an admin confirms or dismisses it.")),
    "group": ("cli.group.group",
              N_("Register groups, manage who holds which role, amend their rules and see them.")),
    "history": ("cli.history.history",
                N_("Every event of a member in a group, in the order the facts happened, with "
                   "who recorded each, when it happened and when it was recorded.")),
    "import": ("cli.exchange.import_",
               N_("Append the events of an export to this ledger (a new file if there is none): "
                  "the whole file is checked first, then written in batches, one transaction "
                  "each.")),
    "member": ("cli.member.member",
               N_("Record a member's admission, renames, exemptions, cautions, removal, "
                  "re-admission or departure, and list a group's members.")),
    "proof": ("cli.proof.proof",
              N_("Print and check Merkle proofs: that an event is in the log, that a log "
                 "extends an earlier one.")),
    "project": ("cli.project.project",
                N_("Query the read models rebuilt from the log: standings, strikes, disputes, "
                   "activity.")),
    "replay": ("cli.replay.replay",
               N_("Rebuild views from the log into fresh tables, check them row for row against "
                  "the incrementally kept ones, and print each view's rows and digest.")),
    "seal": ("cli.seal.seal",
             N_("Seal the log: record its Merkle tree head (size and root) as an event of its "
                "own.")),
    "seals": ("cli.seal.seals",
              N_("Every seal, oldest first: its size, root, when and by whom it was sealed, "
                 "its note.")),
    "rulebook": ("cli.rulebook.rulebook",
                 N_("Show and check rulebooks: the built-in ones or TOML files.")),
    "sanction": ("cli.sanction.sanction",
                 N_("Show a sanction's story, or rescind a sanction issued by mistake.")),
    "task": ("cli.task.task",
             N_("Assign tasks with a response deadline; acknowledge them; confirm missed ones.")),
    "verify": ("cli.verify.verify",
               N_("Check the record: recompute the Merkle tree from the stored events alone and "
                  "check every seal, the tree head kept as events were recorded, and the "
                  "notification ids.")),
    "warn": ("cli.warn.warn",
             N_("Warn a member: one strike under the group's rules (the owner or an admin).")),
}


def _handled_errors() -> tuple[type[BaseException], ...]:
    """What becomes `Error: …`: a LedgerError, and the store's own failure. Evaluated only
    while an exception is being handled; a PersistenceError can only have been raised once
    eventsourcing is loaded, so `--help` and usage errors never import it.
    """
    if "eventsourcing.persistence" not in sys.modules:
        return (LedgerError,)
    from eventsourcing.persistence import PersistenceError

    return (LedgerError, PersistenceError)


class LedgerGroup(LazyGroup, TranslatedGroup):
    """Turns a LedgerError anywhere below into `Error: …` and exit 1; runs in the language
    chosen for the run before anything is parsed, so that usage errors and help are in it
    too; gives every command below it the global options (cli/global_options.py) when it
    is loaded.
    """

    def main(self, args: Any = None, *posargs: Any, **extra: Any) -> Any:
        return main_in_language(self, args, *posargs, **extra)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return global_options.add_to(command) if command is not None else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 reach Python as lone surrogates, which nothing can
        # store or print: refuse them here, once for every command and option.
        for arg in args:
            if any("\ud800" <= ch <= "\udfff" for ch in arg):
                shown = arg.encode("utf-8", "backslashreplace").decode("utf-8")
                raise click.UsageError(_("argument {shown!r} is not valid UTF-8 text: type it "
                                         "again in UTF-8").format(shown=shown), ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _handled_errors() as error:
            session = ctx.find_object(Session)
            if session is not None:
                session.discard_new_store()
            if isinstance(error, LedgerError):
                raise click.ClickException(str(error)) from None
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise click.ClickException(_("the store failed ({first}): nothing more was saved; "
                                         "check that it is reachable and try again").format(
                                         first=first)) from None


@click.group(cls=LedgerGroup, lazy_subcommands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@global_options.for_root
@click.version_option(__version__, prog_name="ledger")
@click.pass_context
def cli(ctx: click.Context, **given: Any) -> None:
    """An event-sourced compliance ledger for chat groups run under written rules.

    Every fact (an admission, a rename, a flag, a warning, a removal) is an immutable
    event; standings and histories are rebuilt from them.

    \b
    Example:
      ledger demo
      ledger --store g.db --actor owner1 group create g9 --name "加侨业委会9栋业主群" --owner owner1
      ledger --store g.db project standings --group g9
    """
    session = Session(given.pop("store_url"), given.pop("actor_name"))
    for name, value in given.items():  # the other global options
        setattr(session, name, value)
    ctx.obj = session
    ctx.call_on_close(session.close)


def main() -> None:
    cli(prog_name="ledger", auto_envvar_prefix=None)
