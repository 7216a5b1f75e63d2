"""`ledger verify`: recompute the Merkle tree from the stored events and check every seal."""

from __future__ import annotations

import click

from cli.session import Session, pass_session


@click.command("verify")
@click.option("--against", "root", metavar="ROOT_HEX",
              help="a root kept outside the ledger (posted in the group, sent to the office)")
@click.option("--size", type=int, metavar="N", help="the size that root was given for")
@pass_session
def verify(session: Session, root: str | None, size: int | None) -> None:
    """Check the record: recompute the Merkle tree from the stored events alone and check
    every seal, the tree head kept as events were recorded, and the notification ids.

    Prints what it checked. On failure, names the first event that disagrees and the
    seal it contradicts, and exits 1. Views are never read: dropping or editing them
    cannot hide anything.

    \b
    Example:
      ledger verify
      ledger verify --against 5e3c0a…(64 hex digits) --size 120
    """
    if (root is None) != (size is None):
        raise click.UsageError("--against and --size go together: give the root and the "
                               "size it was posted with")
    against = None
    if root is not None:
        cleaned = root.strip().lower()
        if len(cleaned) != 64 or any(ch not in "0123456789abcdef" for ch in cleaned):
            raise click.BadParameter(f"{root!r} is not a root: give the 64 hex digits "
                                     "'ledger seal' printed", param_hint="--against")
        against = (cleaned, size)
    from ledger.integrity import verify as check

    report = check(session.ledger(), against=against)  # type: ignore[arg-type]
    ids = (f"notification ids {report.first_id}–{report.last_id}" if report.events
           else "no notification ids")
    if report.kind == "sqlite":
        gaps = "without a gap" if not report.gaps else "WITH GAPS"
    else:
        gaps = "increasing (gaps allowed)" if not report.gaps else "NOT INCREASING"
    click.echo(f"checked {report.events} events, {ids} {gaps}")
    if report.kept_hashes:
        click.echo(f"compared them with the {report.kept_hashes} leaf hashes kept as they "
                   "were recorded")
    else:
        click.echo("no leaf hashes are kept yet (a ledger from before seals, not written to "
                   "since): the seals alone are checked")
    for found, good in report.seals:
        click.echo(f"seal {found.number} at size {found.seal.size}: "
                   f"{'ok' if good else 'CONTRADICTED'}")
    if report.against is not None:
        click.echo(f"root given for size {report.against[0]}: "
                   f"{'ok' if report.against[2] else 'DIFFERENT'}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if not report.ok:
        raise click.ClickException(f"the record does not verify: {report.verdict}")
    click.echo(f"ok: {report.events} events, root {report.root.hex()}")
