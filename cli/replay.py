"""`ledger replay`: rebuild the read models from the log and check them."""

from __future__ import annotations

import sys

import click

from cli.language import TranslatedCommand
from cli.output import emit, format_option
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

PROGRESS_AFTER = 2_000  # events; shorter logs replay too fast for a bar to help


class _ViewName(click.Choice):
    """The name of a view in the catalog, read when --projection is parsed or shown in
    help rather than when this module is imported: the catalog imports every projection.
    """

    def __init__(self) -> None:
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        from projections.catalog import VIEWS

        return tuple(sorted(VIEWS))


def _check(differences: int) -> str:
    if differences == 0:
        return "ok"
    return "1 row differs" if differences == 1 else f"{differences} rows differ"


@click.command("replay", cls=TranslatedCommand)
@click.option("--projection", "names", multiple=True, type=_ViewName(),
              help=N_("only this view (repeatable); default all"))
@format_option
@pass_session
def replay(session: Session, names: tuple[str, ...], fmt: str) -> None:
    """Rebuild views from the log into fresh tables, check them row for row against the
    incrementally kept ones, and print each view's rows and digest. All views are rebuilt
    in one read of the log. Exits 1 on any difference. Shows a progress bar on stderr
    when it is a terminal and the log is long.

    \b
    Example:
      ledger replay
      ledger replay --projection standings --projection strikes
    """
    from projections.catalog import VIEWS, replay_all

    ledger = session.ledger()
    views = [VIEWS[name] for name in names or tuple(VIEWS)]
    total = ledger.recorder.max_notification_id() or 0
    if sys.stderr.isatty() and total >= PROGRESS_AFTER:
        with click.progressbar(length=total, label=_("replaying"), file=sys.stderr) as bar:
            results = replay_all(ledger, views, progress=bar.update)
    else:
        results = replay_all(ledger, views)
    emit([{"view": r.view, "rows": r.rows, "digest": r.digest,
           "check": _check(r.differences)} for r in results],
         ("view", "rows", "digest", "check"), fmt)
    unshown = [(r.view, *problem) for r in results for problem in r.problems]
    if unshown:
        view, event, whose, version, error = unshown[0]
        more = _(" (and {n} more)").format(n=len(unshown) - 1) if len(unshown) > 1 else ""
        raise click.ClickException(
            _("the {view} view cannot show the {event} of {whose} (its event {version}; "
              "{error}){more}: every other row is served; report it with this line").format(
              view=view, event=event, whose=whose, version=version, error=error, more=more))
    failed = [r.view for r in results if not r.ok]
    if failed:
        raise click.ClickException(_("rebuilt views differ from the kept ones: {failed}: run "
                                     "'ledger replay' again, and report it if it persists").format(
                                     failed=', '.join(failed)))
