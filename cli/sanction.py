"""`ledger sanction …`: one sanction's story, and its withdrawal by the one who issued it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.language import TranslatedGroup
from cli.options import at_option
from cli.output import describe_standing, occurred
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from datetime import datetime

SANCTION_KINDS = ("warning", "removal", "temporary removal")


@click.group(cls=TranslatedGroup)
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
    from ledger.domain.clock import format_time
    from ledger.domain.fold import replay
    from projections.dossier import event_line

    ledger = session.ledger()
    case = ledger.find_case(sanction_ref, kinds=SANCTION_KINDS, what=_("sanction"))
    membership = ledger.membership(case.group, case.member)
    story = membership.story(case.case_id)
    issued: Any = story.issued
    lines = [_("Sanction {sanction}: {kind} of {member} in {group}").format(
        sanction=case.case_id, kind=story.kind, member=case.member, group=case.group)]
    when = _("{at} by {actor}").format(at=format_time(issued.occurred_at), actor=issued.actor)
    if story.kind == "warning":
        lines.append(_("  issued     {when}: {category} ({category_label}), weight {weight}, "
                       "under {rulebook} v{rulebook_version}").format(
                       when=when, category=issued.category, category_label=issued.category_label,
                       weight=issued.weight, rulebook=issued.rulebook,
                       rulebook_version=issued.rulebook_version))
    else:
        lines.append(_("  issued     {when}, cause {cause}").format(when=when, cause=issued.cause))
    if issued.reason:
        lines.append(_("  reason     {reason}").format(reason=issued.reason))
    if getattr(issued, "rule_text", ""):
        lines.append(_("  rule       {rule_text}").format(rule_text=issued.rule_text))
    if getattr(issued, "message", None) and not story.flag_events:
        lines.append(_("  message    {message}").format(message=issued.message))
    for event in story.flag_events:
        name = type(event).__name__
        said = _("{at} by {actor}").format(at=format_time(event.occurred_at), actor=event.actor)
        if name == "MessageFlagged":
            flagged = _("  flagged    {said}: flag {flag}").format(
                said=said, flag=event.flag_id[:8])  # type: ignore[attr-defined]
            if getattr(event, "message", None):
                flagged += _(", message {message}").format(
                    message=event.message)  # type: ignore[attr-defined]
            if getattr(event, "excerpt", None):
                flagged += _(", excerpt {excerpt}").format(
                    excerpt=event.excerpt)  # type: ignore[attr-defined]
            lines.append(flagged)
        elif name == "FlagSeconded":
            lines.append(_("  seconded   {said}").format(said=said))
        else:
            lines.append(_("  confirmed  {said}").format(said=said))
    state = replay(membership.events, as_of=ledger.clock())
    now = _state_of(state, case.case_id) if state is not None else "?"
    lines.append(_("  state      {now}").format(now=now))
    if story.since:
        lines.append(_("Since:"))
        for event in story.since:
            line = event_line(event)
            lines.append(_("  {occurred_at}  {event} by {actor}: {details}").format(
                           occurred_at=line['occurred_at'], event=line['event'],
                           actor=line['actor'], details=line['details']))
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
@click.option("--reason", required=True, help=N_("why it was a mistake"))
@at_option
@pass_session
def rescind(session: Session, sanction_ref: str, reason: str, at: datetime | None) -> None:
    """Rescind a sanction issued by mistake: it stops counting (the admin who issued it,
    or the owner). The sanction's own events stay as they were; the rescission is a new one.

    \b
    Example:
      ledger --actor admin1 sanction rescind f4ef6957 --reason "认错了人"
    """
    actor = session.actor(_("rescind a sanction"))
    ledger = session.ledger()
    case = ledger.find_case(sanction_ref, kinds=SANCTION_KINDS, what=_("sanction"))
    ledger.rescind(actor=actor, group=case.group, member=case.member,
                   sanction_id=case.case_id, reason=reason, at=at)
    click.echo(_("Rescinded {kind} {sanction} of {member} in {group} at {at}: "
                 "{standing}.").format(
                     kind=case.kind, sanction=case.case_id[:8], member=case.member,
                     group=case.group, at=occurred(ledger),
                     standing=describe_standing(ledger.standing(case.group, case.member,
                                                                as_of=at))))
