"""`ledger verify`: recompute the Merkle tree from the stored events and check every seal."""

from __future__ import annotations

import click

from cli.language import TranslatedCommand
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _


@click.command("verify", cls=TranslatedCommand)
@click.option("--against", "root", metavar="ROOT_HEX",
              help=N_("a root kept outside the ledger (posted in the group, sent to the office)"))
@click.option("--size", type=int, metavar="N", help=N_("the size that root was given for"))
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
        raise click.UsageError(_("--against and --size go together: give the root and the size "
                                 "it was posted with"))
    against = None
    if root is not None:
        cleaned = root.strip().lower()
        if len(cleaned) != 64 or any(ch not in "0123456789abcdef" for ch in cleaned):
            raise click.BadParameter(_("{root!r} is not a root: give the 64 hex digits 'ledger "
                                       "seal' printed").format(root=root), param_hint="--against")
        against = (cleaned, size)
    from ledger.trust.verify import verify as check

    report = check(session.ledger(), against=against)  # type: ignore[arg-type]
    ids = (_("notification ids {first_id}–{last_id}").format(
             first_id=report.first_id, last_id=report.last_id) if report.events
           else _("no notification ids"))
    if report.kind == "sqlite":
        gaps = _("without a gap") if not report.gaps else _("WITH GAPS")
    else:
        gaps = _("increasing (gaps allowed)") if not report.gaps else _("NOT INCREASING")
    click.echo(_("checked {events} events, {ids} {gaps}").format(
                 events=report.events, ids=ids, gaps=gaps))
    if report.kept_hashes:
        click.echo(_("compared them with the {kept_hashes} leaf hashes kept as they were recorded").format(
                     kept_hashes=report.kept_hashes))
    else:
        click.echo(_("no leaf hashes are kept yet (a ledger from before seals, not written to "
                     "since): the seals alone are checked"))
    for found, good in report.seals:
        click.echo(_("seal {number} at size {size}: {verdict}").format(
                     number=found.number, size=found.seal.size,
                     verdict=_("ok") if good else _("CONTRADICTED")))
    if report.against is not None:
        click.echo(_("root given for size {size}: {verdict}").format(
                     size=report.against[0],
                     verdict=_("ok") if report.against[2] else _("DIFFERENT")))
    for problem in report.problems:
        click.echo(_("problem: {problem}").format(problem=problem))
    if not report.ok:
        raise click.ClickException(_("the record does not verify: {verdict}").format(
                                     verdict=report.verdict))
    click.echo(_("ok: {events} events, root {root}").format(
                 events=report.events, root=report.root.hex()))
