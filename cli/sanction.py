"""`ledger sanction …`: one sanction's story, and its withdrawal by the one who issued it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.options import at_option
from cli.output import describe_standing, occurred
from cli.session import Session, pass_session
from ledger.i18n import _

if TYPE_CHECKING:
    from datetime import datetime

SANCTION_KINDS = ("warning", "removal", "temporary removal")


@click.group()
def sanction() -> None:
    """Show a sanction's story, or rescind a sanction issued by mistake.

    \b
    Example:
      ledger sanction show f4ef6957
      ledger --actor admin1 sanction rescind f4ef6957 --reason "认错了人"
    """


@sanction.command("show")
@click.argument("sanction_ref", metavar="SANCTION")
@pass_session
def show(session: Session, sanction_ref: str) -> None:
    """Show a sanction: what it was, the flag and message behind it, the rule text it
    cited, its state now, and everything that happened to it since.

    SANCTION is the id the command that issued it printed, or a unique prefix of it.

    \b
    Example:
      ledger sanction show f4ef6957
    """
    from ledger.clock import format_time
    from ledger.fold import replay
    from projections.dossier import event_line

    ledger = session.ledger()
    case = ledger.find_case(sanction_ref, kinds=SANCTION_KINDS, what="sanction")
    membership = ledger.membership(case.group, case.member)
    story = membership.story(case.case_id)
    issued: Any = story.issued
    lines = [f"Sanction {case.case_id}: {story.kind} of {case.member} in {case.group}"]
    when = f"{format_time(issued.occurred_at)} by {issued.actor}"
    if story.kind == "warning":
        lines.append(f"  issued     {when}: {issued.category} ({issued.category_label}), "
                     f"weight {issued.weight}, under {issued.rulebook} v{issued.rulebook_version}")
    else:
        lines.append(f"  issued     {when}, cause {issued.cause}")
    if issued.reason:
        lines.append(f"  reason     {issued.reason}")
    if getattr(issued, "rule_text", ""):
        lines.append(f"  rule       {issued.rule_text}")
    if getattr(issued, "message", None) and not story.flag_events:
        lines.append(f"  message    {issued.message}")
    for event in story.flag_events:
        name = type(event).__name__
        said = f"{format_time(event.occurred_at)} by {event.actor}"
        if name == "MessageFlagged":
            what = ", ".join(x for x in (getattr(event, "message", None) and
                                         f"message {event.message}",  # type: ignore[attr-defined]
                                         getattr(event, "excerpt", None) and
                                         f"excerpt {event.excerpt}")  # type: ignore[attr-defined]
                             if x)
            lines.append(f"  flagged    {said}: flag {event.flag_id[:8]}"  # type: ignore[attr-defined]
                         + (f", {what}" if what else ""))
        elif name == "FlagSeconded":
            lines.append(f"  seconded   {said}")
        else:
            lines.append(f"  confirmed  {said}")
    state = replay(membership.events, as_of=ledger.clock())
    now = _state_of(state, case.case_id) if state is not None else "?"
    lines.append(f"  state      {now}")
    if story.since:
        lines.append("Since:")
        for event in story.since:
            line = event_line(event)
            lines.append(f"  {line['occurred_at']}  {line['event']} by {line['actor']}: "
                         f"{line['details']}")
    click.echo("\n".join(lines))


def _state_of(state: Any, sanction_id: str) -> str:
    for strike in state.strikes:
        if strike.sanction_id == sanction_id:
            if strike.counts and not strike.live_at(state.now):
                return "expired"
            return f"{strike.state} (weight {strike.weight})"
    removal = state.removals.get(sanction_id)
    if removal is None:
        return "?"
    if removal.state != "live":
        return removal.state
    return "in force" if state.removal_id == sanction_id and not state.is_in_group else "ended"


@sanction.command("rescind")
@click.argument("sanction_ref", metavar="SANCTION")
@click.option("--reason", required=True, help="why it was a mistake")
@at_option
@pass_session
def rescind(session: Session, sanction_ref: str, reason: str, at: datetime | None) -> None:
    """Rescind a sanction issued by mistake: it stops counting (the admin who issued it,
    or the owner). The sanction's own events stay as they were; the rescission is a new one.

    \b
    Example:
      ledger --actor admin1 sanction rescind f4ef6957 --reason "认错了人"
    """
    actor = session.actor("rescind a sanction")
    ledger = session.ledger()
    case = ledger.find_case(sanction_ref, kinds=SANCTION_KINDS, what="sanction")
    ledger.rescind(actor=actor, group=case.group, member=case.member,
                   sanction_id=case.case_id, reason=reason, at=at)
    click.echo(_("Rescinded {kind} {sanction} of {member} in {group} at {at}: "
                 "{standing}.").format(
                     kind=case.kind, sanction=case.case_id[:8], member=case.member,
                     group=case.group, at=occurred(ledger),
                     standing=describe_standing(ledger.standing(case.group, case.member,
                                                                as_of=at))))
