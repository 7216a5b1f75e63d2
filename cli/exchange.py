"""`ledger export` and `ledger import`: the log as JSON lines and back, keeping each
event's notification id, so that the copy has the same Merkle tree and the same seals.
"""

from __future__ import annotations

import sys

import click

from cli.language import TranslatedCommand
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _, ngettext

PROGRESS_AFTER = 2_000  # events; a shorter import is over before a bar helps


@click.command("export", cls=TranslatedCommand)
@click.option("--group", "group_id", metavar="GROUP",
              help=N_("only this group's events (without seals, which are about no group)"))
@click.option("--since", type=click.IntRange(min=0), default=0, metavar="N",
              help=N_("only the events after notification N (what a copy holding 1..N lacks)"))
@pass_session
def export(session: Session, group_id: str | None, since: int) -> None:
    """Write the log to stdout as JSON lines: one stored event a line, keys sorted, with
    its notification id, originator id and version, topic, recorded-at and state.

    \b
    Example:
      ledger export > g9-ledger.jsonl
      ledger export --since 120 >> g9-ledger.jsonl
      ledger export --group g9 > g9-only.jsonl
    """
    from ledger.exchange.jsonl import export_lines

    ledger = session.ledger()
    if group_id is not None:
        group_id = ledger.group(group_id).key  # a group it never had: say so, export nothing
    out = sys.stdout.buffer
    for line in export_lines(ledger, group=group_id, since=since):
        out.write(line)
    out.flush()


@click.command("import", cls=TranslatedCommand)
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@pass_session
def import_(session: Session, path: str) -> None:
    """Append the events of an export to this ledger (a new file if there is none): the
    whole file is checked first, then written in batches, one transaction each.

    Idempotent: events already stored are passed over, so importing the same file twice,
    or one overlapping what is stored, adds nothing twice. An event that contradicts the
    ledger is an error naming its line, and nothing is written. Shows a progress bar on
    stderr when it is a terminal and the file is long.

    \b
    Example:
      ledger --store copy.db import g9-ledger.jsonl
      ledger --store copy.db verify
    """
    from ledger.domain.errors import InvalidInput
    from ledger.exchange.jsonl import parse, plan, write_planned

    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    except OSError as error:
        raise InvalidInput(_("cannot read {path}: {strerror}: check the path").format(
                             path=path, strerror=error.strerror)) from None
    with stream:
        ledger = session.ledger(create=True)
        lines = parse(stream, ledger)
    new, already = plan(ledger, lines)
    if sys.stderr.isatty() and len(new) >= PROGRESS_AFTER:
        with click.progressbar(length=len(new), label=_("importing"), file=sys.stderr) as bar:
            added = write_planned(ledger, new, progress=bar.update)
    else:
        added = write_planned(ledger, new)
    events = ngettext("imported {added} event", "imported {added} events", added)
    read = ngettext("{already} already stored, from {lines} line",
                    "{already} already stored, from {lines} lines", len(lines))
    click.echo(_("{events}, {read}").format(events=events.format(added=added),
                                            read=read.format(already=already, lines=len(lines))))
