"""`ledger project …`: the read models, caught up from the log before every query, now or
at a past moment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import check_named, filters, group_filter, point_in_time, typed_ids
from cli.output import emit, for_people, format_option
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from datetime import datetime


@click.group(cls=TranslatedGroup)
def project() -> None:
    """Query the read models rebuilt from the log: standings, strikes, disputes, activity.
    Every query answers now, or --as-of a past moment (the facts that had happened by
    then) and --known-at one (what had been recorded by then); both work together.

    \b
    Example:
      ledger project standings --group g9
      ledger project strikes --member wx_li --as-of 2026-11-23T00:00+08:00
    """


@project.command("standings")
@filters
@point_in_time
@click.option("--explain", is_flag=True, help=N_("list the events behind each status and count"))
@format_option
@pass_session
def standings(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
              as_of: datetime | None, known_at: datetime | None, explain: bool,
              fmt: str) -> None:
    """Each member's standing: status, live strikes by weight, since when, nickname
    compliance, unanswered reminders, and whether a membership review is due.

    Status is one of active, warned, removal_due, temporarily_removed, removed, left.

    \b
    Example:
      ledger project standings --group g9
      ledger project standings --group g9 --member wx_li --explain
      ledger project standings --as-of 2026-11-23T00:00+08:00 --format json
    """
    if not (explain or as_of or known_at) and len(group_id) <= 1 and len(member_id) <= 1:
        from ledger.domain.clock import now
        from projections import current

        # Answered from a current view with sqlite3 alone when it can be: the same rows.
        rows = current.standings(session.store, moment=now(),
                                 group=group_id[0] if group_id else None,
                                 member=member_id[0] if member_id else None)
        if rows is not None:
            check_named(session, rows, groups=group_id, members=member_id)
            emit(rows, current.STANDINGS_FIELDS, fmt)
            return
    from projections import standings as standings_view

    rows = standings_view.query(session.ledger(), group=group_id, member=member_id,
                                as_of=as_of, known_at=known_at, explain=explain)
    check_named(session, rows, groups=group_id, members=member_id)
    if not explain:
        emit(rows, standings_view.FIELDS, fmt)
        return
    if fmt in ("json", "jsonl"):
        emit(rows, (*standings_view.FIELDS, "explanation"), fmt)
        return
    if fmt == "csv":
        flat = [{**row, "explanation": " | ".join(
            f"{e['occurred_at']} {e['event']} by {e['actor']}: {e['summary']}"
            for e in row["explanation"])} for row in rows]
        emit(flat, (*standings_view.FIELDS, "explanation"), fmt)
        return
    emit(rows, standings_view.FIELDS, fmt)
    for row in rows:
        said = ngettext("\n{group}/{member}: {status}, {strikes} strike, since {since}, because:",
                        "\n{group}/{member}: {status}, {strikes} strikes, since {since}, because:",
                        row["strikes"])
        click.echo(said.format(group=row["group"], member=row["member"], status=row["status"],
                               strikes=row["strikes"], since=row["since"]))
        if not row["explanation"]:
            click.echo(_("  {since}  (a strike expired)").format(since=row['since']))
        for line in row["explanation"]:
            click.echo(for_people(_("  {occurred_at}  {event} by {actor}: {summary}").format(
                                    occurred_at=line['occurred_at'], event=line['event'],
                                    actor=line['actor'], summary=line['summary'])))


@project.command("strikes")
@filters
@point_in_time
@click.option("--state",
              type=click.Choice(["live", "expired", "rescinded", "overturned", "reduced"]),
              help=N_("only strikes in this state"))
@format_option
@pass_session
def strikes(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
            as_of: datetime | None, known_at: datetime | None, state: str | None,
            fmt: str) -> None:
    """Every strike: case id, category, weight, when it happened, the rule version it was
    judged by, and its state (live, expired, rescinded, overturned, reduced). The table
    shows 8 digits of each case id; JSON adds the reason and the rule text cited.

    \b
    Example:
      ledger project strikes --group g9
      ledger project strikes --member wx_li --state live --format json
    """
    from projections import strikes as strikes_view

    rows = strikes_view.query(session.ledger(), group=group_id, member=member_id,
                              as_of=as_of, known_at=known_at, state=state)
    check_named(session, rows, groups=group_id, members=member_id)
    if fmt == "table":
        emit(rows, strikes_view.FIELDS, fmt)
    else:
        emit(rows, (*strikes_view.FIELDS, "reason", "rule_text"), fmt)


@project.command("disputes")
@filters
@point_in_time
@format_option
@pass_session
def disputes(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
             as_of: datetime | None, known_at: datetime | None, fmt: str) -> None:
    """Per member, every temporary removal, removal, mediation note and re-admission, in
    the order they happened: the file a reviewer reads.

    \b
    Example:
      ledger project disputes --member wx_zhou
    """
    from projections import disputes as disputes_view

    rows = disputes_view.query(session.ledger(), group=group_id, member=member_id,
                               as_of=as_of, known_at=known_at)
    check_named(session, rows, groups=group_id, members=member_id)
    emit(rows, disputes_view.FIELDS, fmt)


@project.command("activity")
@group_filter
@click.option("--member", "actor", metavar="ACTOR", multiple=True, callback=typed_ids,
              help=N_("only what this person recorded (the actor; again for more)"))
@point_in_time
@format_option
@pass_session
def activity(session: Session, group_id: tuple[str, ...], actor: tuple[str, ...],
             as_of: datetime | None, known_at: datetime | None, fmt: str) -> None:
    """Per actor and group, how many admissions, warnings, removals, confirmations,
    dismissals and re-admissions they recorded (everything else under `other`), and the
    first and last time one happened — for the office that audits the admins.

    \b
    Example:
      ledger project activity --group g9
      ledger project activity --member admin1 --format json
    """
    from projections import activity as activity_view

    rows = activity_view.query(session.ledger(), group=group_id, actor=actor, as_of=as_of,
                               known_at=known_at)
    check_named(session, rows, groups=group_id, actors=actor)
    emit(rows, activity_view.FIELDS, fmt)


@project.command("follow")
@click.option("--interval", type=click.FloatRange(0.05, 3600), default=1.0, show_default=True,
              metavar="SECONDS", help=N_("look at the log at least this often"))
@pass_session
def follow(session: Session, interval: float) -> None:
    """Keep every view current as the log grows, until interrupted (Ctrl-C). On PostgreSQL
    it wakes when events are recorded (LISTEN/NOTIFY); on SQLite it looks every
    --interval seconds. Stopped and started again, it goes on from where the views stand,
    counting nothing twice.

    \b
    Example:
      ledger --store postgresql://ledger@db/groups project follow
    """
    import signal

    from projections.catalog import VIEWS
    from projections.follow import follow as follow_log

    ledger = session.ledger()
    stop: list[int] = []
    # Ctrl-C, or SIGTERM from a service manager: stop after the batch being written.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda number, frame: stop.append(number))

    def caught_up(read: int, at: int) -> None:
        click.echo(_("caught up to event {at} (+{read})").format(at=at, read=read))

    click.echo(_("following {store}: Ctrl-C stops").format(
                 store=session.store.describe()), err=True)
    follow_log(ledger, list(VIEWS.values()), interval=interval, stopped=lambda: bool(stop),
               caught_up=caught_up)
    click.echo(_("stopped: the views stand where the last line says"), err=True)
