"""`ledger task …`: tasks a leader assigns, with a response deadline (R1: 30 minutes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.options import at_option, check_named, filters, point_in_time
from cli.output import describe_sanction, emit, format_option, occurred
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime


@click.group(cls=TranslatedGroup)
def task() -> None:
    """Assign tasks with a response deadline; acknowledge them; confirm missed ones.

    \b
    Example:
      ledger --actor wx_manager task assign sales wx_zs --summary "今天下班前报客户名单"
      ledger task overdue --group sales
    """


@task.command("assign")
@click.argument("group_id", metavar="GROUP")
@click.argument("member_id", metavar="MEMBER")
@click.option("--summary", required=True, help=N_("what is to be done"))
@click.option("--deadline-minutes", type=int,
              help=N_("minutes to acknowledge it (default: the rulebook's response deadline)"))
@click.option("--by", "assigned_by", metavar="LEADER",
              help=N_("the leader who gave the task, when someone else records it (default: the "
                      "actor)"))
@at_option
@pass_session
def assign(session: Session, group_id: str, member_id: str, summary: str,
           deadline_minutes: int | None, assigned_by: str | None, at: datetime | None) -> None:
    """Assign a task to a member (the owner, an admin or a leader). Prints the task's id
    on the last line.

    \b
    Example:
      ledger --actor boss task assign sales wx_zs --summary "回复客户投诉"
      ledger --actor admin1 task assign sales wx_zs --summary "回复客户投诉" --by wx_manager
    """
    actor = session.actor(_("assign a task"))
    ledger = session.ledger()
    task_id = ledger.assign_task(actor=actor, group=group_id, member=member_id,
                                 summary=summary, deadline_minutes=deadline_minutes,
                                 assigned_by=assigned_by, at=at)
    deadline = ledger.standing(group_id, member_id, as_of=at).tasks[task_id].deadline_at
    click.echo(_("Assigned to {member} in {group} at {at}: {summary} (acknowledge by "
                 "{deadline}).").format(member=member_id, group=group_id, at=occurred(ledger),
                                        summary=summary, deadline=deadline.isoformat()))
    click.echo(task_id)


@task.command("ack")
@click.argument("task_ref", metavar="TASK")
@at_option
@pass_session
def ack(session: Session, task_ref: str, at: datetime | None) -> None:
    """Acknowledge a task (the member it was assigned to, the owner or an admin).

    \b
    Example:
      ledger --actor wx_zs task ack 3f2a9c1e
    """
    actor = session.actor(_("acknowledge a task"))
    ledger = session.ledger()
    case = ledger.find_case(task_ref, kinds=("task",), what=_("task"))
    ledger.acknowledge_task(actor=actor, group=case.group, member=case.member,
                            task_id=case.case_id, at=at)
    state = ledger.standing(case.group, case.member, as_of=at).tasks[case.case_id]
    late = state.acknowledged_at is not None and state.acknowledged_at > state.deadline_at
    if late:
        said = _("Acknowledged task {task} of {member} in {group} at {at} — after the deadline.")
    else:
        said = _("Acknowledged task {task} of {member} in {group} at {at} in time.")
    click.echo(said.format(task=case.case_id[:8], member=case.member, group=case.group,
                           at=occurred(ledger)))


@task.command("overdue")
@filters
@point_in_time
@format_option
@pass_session
def overdue(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
            as_of: datetime | None, known_at: datetime | None, fmt: str) -> None:
    """Tasks whose deadline passed without an acknowledgement in time, and not yet
    confirmed missed.

    \b
    Example:
      ledger task overdue --group sales
    """
    from projections import tasks as tasks_view

    rows = tasks_view.tasks(session.ledger(), as_of=as_of, known_at=known_at, group=group_id,
                            member=member_id, overdue_only=True)
    check_named(session, rows, groups=group_id, members=member_id)
    emit(rows, tasks_view.FIELDS, fmt)


@task.command("list")
@filters
@point_in_time
@format_option
@pass_session
def list_(session: Session, group_id: tuple[str, ...], member_id: tuple[str, ...],
          as_of: datetime | None, known_at: datetime | None, fmt: str) -> None:
    """Every task with its state: open, acknowledged, overdue or missed.

    \b
    Example:
      ledger task list --group sales
    """
    from projections import tasks as tasks_view

    rows = tasks_view.tasks(session.ledger(), as_of=as_of, known_at=known_at, group=group_id,
                            member=member_id)
    check_named(session, rows, groups=group_id, members=member_id)
    emit(rows, tasks_view.FIELDS, fmt)


@task.command("confirm-missed")
@click.argument("task_ref", metavar="TASK")
@at_option
@pass_session
def confirm_missed(session: Session, task_ref: str, at: datetime | None) -> None:
    """Confirm that a task's deadline was missed: a strike of the rulebook's category
    (R1: late_response), judged by the rules in force at the deadline (the owner or an
    admin). Prints the warning's id on the last line.

    \b
    Example:
      ledger --actor boss task confirm-missed 3f2a9c1e
    """
    actor = session.actor(_("confirm a missed task"))
    ledger = session.ledger()
    case = ledger.find_case(task_ref, kinds=("task",), what=_("task"))
    warning_id = ledger.confirm_task_missed(actor=actor, group=case.group, member=case.member,
                                            task_id=case.case_id, at=at)
    click.echo(_("Confirmed task {task} missed at {at}: {member} in {group} is warned "
                 "({standing}).").format(
                     task=case.case_id[:8], at=occurred(ledger), member=case.member,
                     group=case.group,
                     standing=describe_sanction(ledger, case.group, case.member, at)))
    click.echo(warning_id)
