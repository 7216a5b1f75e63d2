"""`ledger seal` and `ledger seals`: the tree heads the ledger records of itself."""

from __future__ import annotations

import click

from cli.language import TranslatedCommand
from cli.output import emit, format_option
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

SEAL_FIELDS = ("seal", "size", "root", "sealed_at", "actor", "note")


@click.command("seal", cls=TranslatedCommand)
@click.option("--note", metavar="TEXT", help=N_("why it was sealed, e.g. the month it closes"))
@pass_session
def seal(session: Session, note: str | None) -> None:
    """Seal the log: record its Merkle tree head (size and root) as an event of its own.

    Prints one line with the root in hex, to post in the group or send to the office;
    anyone can later check a copy of the ledger against it ('ledger verify --against').
    The seal covers every event stored before it, not itself; the next seal covers it.

    \b
    Example:
      ledger --actor admin1 seal --note "2026年11月"
    """
    actor = session.actor(_("seal the ledger"))
    sealed = session.ledger().seal(actor=actor, note=note)
    click.echo(_("sealed {size} events: root {root}").format(size=sealed.size, root=sealed.root))


@click.command("seals", cls=TranslatedCommand)
@format_option
@pass_session
def seals(session: Session, fmt: str) -> None:
    """Every seal, oldest first: its size, root, when and by whom it was sealed, its note.

    \b
    Example:
      ledger seals
      ledger seals --format json
    """
    rows = [{"seal": number, "size": each.size, "root": each.root,
             "sealed_at": each.occurred_at.isoformat(), "actor": each.actor, "note": each.note}
            for number, each in enumerate(session.ledger().seals(), start=1)]
    if fmt == "table":
        # People read a root by its first digits, as they read ids.
        rows = [{**row, "root": row["root"][:16]} for row in rows]
    emit(rows, SEAL_FIELDS, fmt)
