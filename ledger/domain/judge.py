"""The judge: every check of a *new* fact, before its event exists. Nothing else in the
code decides whether a fact may be recorded; folding what is stored (`ledger.fold`)
never refuses anything.

What is judged, and where to find it:

    who may do it        check_owner, check_moderator, check_actor_or_moderator, check_right
                         (RIGHTS: what the leader and reviewer roles may do)
    the group's rules    check_unregistered, check_registered, check_amendment, check_admission,
                         check_exemption, check_review, check_grant, check_revoke,
                         check_task_giver
    a membership         check_fits (one rule per event type: in the group, a flag still
                         open, a task not yet acknowledged …) and check_insertable (a late
                         fact may not contradict the facts recorded after it)
    nicknames            check_remind
    posting windows      check_posting_window, check_message_time
    strike arithmetic    removal_after_strike
    who may do it, too   check_role (reviewers, secretaries), check_not_against_self
    sanctions, appeals   check_rescind, check_appeal_filer, check_appeal_window,
                         check_decision, check_reviewer_independent, check_message_unsanctioned,
                         and in check_fits: a sanction that still counts, one open appeal
    disputes             check_dispute_parties, check_dispute_open, check_dispute_link
    tasks                task_deadline_minutes
    seals                check_sealable

Each check raises a `LedgerError` with a message a person can act on, or returns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import singledispatch
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ledger.domain import i18n
from ledger.domain import rulebook
from ledger.domain.clock import format_time
from ledger.domain.errors import (
    AdmissionRefused,
    AlreadyMember,
    AlreadySanctioned,
    AppealRefused,
    ConflictOfInterest,
    FlagDecided,
    GroupExists,
    InvalidInput,
    LedgerError,
    NotAMember,
    NotFound,
    NotPermitted,
    NotRemoved,
    RoleConflict,
    RuleBroken,
    SanctionClosed,
    TimelineConflict,
)
from ledger.domain.events import (
    AppealDecided,
    AppealFiled,
    CautionIssued,
    FlagConfirmed,
    FlagDismissed,
    FlagSeconded,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    MembershipReviewed,
    MessageFlagged,
    NicknameExemptionGranted,
    NicknameReminded,
    SanctionRescinded,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)
from ledger.domain.fold import (
    Appeal,
    Flag,
    MembershipState,
    Removal,
    SanctionStory,
    Strike,
    Task,
    advance,
    evolve,
    in_order,
)
from ledger.domain.i18n import N_, _, translate
from ledger.domain.vocabulary import RELATIONS, listed

if TYPE_CHECKING:
    from ledger.domain.aggregates import Group
    from ledger.domain.rules import RuleVersion

MODERATORS: frozenset[str] = frozenset({"owner", "admin"})
REVIEWERS: frozenset[str] = frozenset({"reviewer"})
# Who may raise a flag besides any current member; who may remind (R4's 群秘书 too).
FLAGGERS: frozenset[str] = frozenset({"owner", "admin", "reviewer", "secretary"})
REMINDERS: frozenset[str] = frozenset({"owner", "admin", "secretary"})

# Rights a role holds beside the owner's and the admins' (README, "Who may do what"):
# a leader gives tasks (R1 3.5 领导人, R3 第十条 领导布置的任务); the supervising office
# holds `reviewer` and cautions (R3 第十二条 总裁办……日常监督, 善意提醒), and flags
# (FLAGGERS above).
RIGHTS: dict[str, frozenset[str]] = {
    N_("assign tasks"): frozenset({"leader"}),
    N_("caution members"): frozenset({"reviewer"}),
}


# Who may do it -----------------------------------------------------------------------


def holds_right(group: Group, actor: str, right: str) -> bool:
    """The owner or an admin, or a role the right is given to."""
    return group.is_moderator(actor) or bool(group.roles_of(actor) & RIGHTS[right])


def check_right(group: Group, actor: str, right: str, *, or_else: str = "") -> None:
    if not holds_right(group, actor, right):
        roles = _(" or ").join(_("a {role}").format(role=role) for role in sorted(RIGHTS[right]))
        check_moderator(group, actor, translate(right),
                        or_else=_(", or {roles}{or_else}").format(roles=roles, or_else=or_else))


def _refuse(group: Group, actor: str, doing: str, roles: frozenset[str], who: str,
            or_else: str = "") -> None:
    unused = group.held_roles(actor) & roles
    if unused:
        raise NotPermitted(_("{actor} may not {doing} in {group}: they hold {unused} but are out "
                             "of the group (removed or left), and use it again once readmitted").format(
                             actor=actor, doing=doing, group=group.key,
                             unused=', '.join(sorted(unused))))
    raise NotPermitted(_("{actor} may not {doing} in {group}: only {who} may{or_else}").format(
                         actor=actor, doing=doing, group=group.key, who=who, or_else=or_else))


def check_owner(group: Group, actor: str, doing: str) -> None:
    if "owner" not in group.roles_of(actor):
        _refuse(group, actor, doing, frozenset({"owner"}), _("the owner ({owner})").format(
                                                             owner=group.owner))


def check_moderator(group: Group, actor: str, doing: str, *, or_else: str = "") -> None:
    if not group.is_moderator(actor):
        _refuse(group, actor, doing, MODERATORS, _("the owner or an admin"), or_else)


def check_actor_or_moderator(group: Group, actor: str, member: str, doing: str,
                             or_else: str) -> None:
    """The member themselves, or a moderator on their behalf."""
    if actor != member:
        check_moderator(group, actor, doing, or_else=or_else)


# The group's rules ---------------------------------------------------------------------


def check_unregistered(key: str, existing: Group | None) -> None:
    if existing is not None:
        raise GroupExists(_("group {key} is already registered: choose another id").format(
                            key=key))


def check_sealable(size: int) -> None:
    if size < 1:
        raise InvalidInput(_("the log is empty: there is nothing to seal yet"))


def check_registered(group: Group, moment: datetime) -> None:
    assert group.registered_at is not None
    if moment < group.registered_at:
        raise RuleBroken(_("{group} was registered at {registered_at}: no fact of it can happen "
                           "at {moment}").format(
                           group=group.key, registered_at=format_time(group.registered_at),
                           moment=format_time(moment)))


AMENDMENT_HORIZON = timedelta(days=366)  # "more than a year ahead" is refused


def check_amendment(group: Group, actor: str, effective_at: datetime,
                    recorded_at: datetime,
                    first_fact_since: MembershipEvent | None = None) -> None:
    """A new version takes effect after the version in force, and never re-judges a fact
    the ledger already holds: a resolution recorded late (R2 第三条(八)) takes effect from
    the day it was passed only when nothing recorded in the group happened from then on
    (`first_fact_since`: the first such fact, if any). Not more than a year ahead.
    """
    check_owner(group, actor, _("amend the rules"))
    assert group.registered_at is not None
    if effective_at < group.registered_at:
        raise RuleBroken(_("an amendment of {group}'s rules cannot take effect at "
                           "{effective_at}, before the group was registered ({registered_at}): "
                           "give a later --effective").format(
                           group=group.key, effective_at=format_time(effective_at),
                           registered_at=format_time(group.registered_at)))
    if effective_at < recorded_at.replace(microsecond=0) and first_fact_since is not None:
        fact = first_fact_since
        raise RuleBroken(_("an amendment of {group}'s rules cannot take effect at "
                           "{effective_at}, before it is recorded: the {fact} of {member} at "
                           "{occurred_at} already happened and was judged by the rules then in "
                           "force (give an --effective after it)").format(
                           group=group.key, effective_at=format_time(effective_at),
                           fact=type(fact).__name__, member=fact.member,
                           occurred_at=format_time(fact.occurred_at)))
    if effective_at > recorded_at + AMENDMENT_HORIZON:
        raise RuleBroken(_("an amendment cannot take effect at {effective_at}, more than a year "
                           "ahead: record it nearer the day (give an --effective within a year)").format(
                           effective_at=format_time(effective_at)))
    latest = group.versions[-1]
    if effective_at < latest.effective_at:
        raise RuleBroken(_("version {version} of {group}'s rules is in force from "
                           "{effective_at}: an amendment takes effect after it, never before "
                           "(give a later --effective)").format(
                           version=latest.version, group=group.key,
                           effective_at=format_time(latest.effective_at)))


def check_review(group: Group, actor: str, kept: tuple[str, ...],
                 removed: tuple[str, ...]) -> None:
    check_moderator(group, actor, _("review the membership"))
    both = set(kept) & set(removed)
    if both:
        raise InvalidInput(_("{both} cannot be both kept and removed").format(
                             both=', '.join(sorted(both))))
    if not kept and not removed:
        raise InvalidInput(_("a review names who is kept (--keep) or removed (--remove)"))


def check_grant(group: Group, actor: str, member: str, role: str) -> None:
    check_owner(group, actor, _("grant roles"))
    if role in group.held_roles(member):
        raise RoleConflict(_("{member} already holds the role {role} in {group}: nothing to grant").format(
                             member=member, role=role, group=group.key))


def check_revoke(group: Group, actor: str, member: str, role: str) -> None:
    check_owner(group, actor, _("revoke roles"))
    if role not in group.held_roles(member):
        held = ", ".join(sorted(group.held_roles(member))) or "none"
        raise RoleConflict(_("{member} does not hold the role {role} in {group} (holds: {held}): "
                             "nothing to revoke").format(
                             member=member, role=role, group=group.key, held=held))
    if role == "owner" and member == group.owner:
        raise RoleConflict(_("{member} registered {group} and stays its owner: the owner role "
                             "cannot be revoked").format(member=member, group=group.key))


def check_exemption(group: Group, rules: RuleVersion, exemption: str | None) -> None:
    if exemption is None:
        return
    if rules.rulebook.nickname is None:
        raise InvalidInput(_("{group}'s rules ({rules}) set no nickname pattern: there is "
                             "nothing to be exempt from").format(
                             group=group.key, rules=rules.describe()))
    rules.rulebook.nickname.exemption(exemption)


def check_admission(group: Group, rules: RuleVersion, *, relation: str | None,
                    invited_by: str | None, verified_by: str | None,
                    inviter_is_member: bool) -> None:
    """The rulebook's admission requirements (R2: verified owners and family, no
    tenants; R3: only admins bring people in).
    """
    admission = rules.rulebook.admission
    book = rules.describe()
    allowed = admission.admitted_relations
    if relation is None and admission.relations:
        raise AdmissionRefused(_("{group}'s rules ({rules}) admit members by relation: give "
                                 "--relation ({allowed})").format(
                                     group=group.key, rules=book,
                                     allowed=listed(RELATIONS, allowed, sep=_(" or "))))
    if relation is not None and admission.relations and relation not in (
            *admission.relations, *admission.excluded_relations):
        raise InvalidInput(_("unknown relation {relation} under {rules}: use one of "
                             "{allowed}").format(relation=repr(relation), rules=book,
                                                 allowed=listed(RELATIONS, allowed)))
    if relation is not None and relation in admission.excluded_relations:
        raise AdmissionRefused(_("{group}'s rules ({rules}) exclude {relation} members: only "
                                 "{allowed} members are admitted").format(
                                     group=group.key, rules=book, relation=relation,
                                     allowed=listed(RELATIONS, allowed, sep=_(" or ")) or _("other")))
    if admission.verification_required and not verified_by:
        raise AdmissionRefused(_("{group}'s rules ({book}) require identity verification: give "
                                 "--verified-by").format(group=group.key, book=book))
    if admission.verification_required and verified_by and not group.is_moderator(verified_by):
        raise AdmissionRefused(_("{verified_by} may not verify members of {group}: identity is "
                                 "verified by the owner or an admin").format(
                                 verified_by=verified_by, group=group.key))
    if admission.invitation_required and invited_by is None:
        raise AdmissionRefused(_("{group}'s rules ({book}) admit members on an invitation: give "
                                 "--invited-by").format(group=group.key, book=book))
    if invited_by is not None:
        roles = group.roles_of(invited_by) | ({"member"} if inviter_is_member else set())
        if not roles & set(admission.may_invite):
            allowed = _(" or ").join(admission.may_invite)
            raise AdmissionRefused(_("{invited_by} may not invite members to {group}: under "
                                     "{book} only {allowed} may invite").format(
                                     invited_by=invited_by, group=group.key, book=book,
                                     allowed=allowed))


def check_role(group: Group, actor: str, roles: frozenset[str], doing: str,
               who: str, or_else: str = "") -> None:
    if not group.roles_of(actor) & roles:
        _refuse(group, actor, doing, roles, who, or_else)


def check_not_against_self(actor: str, member: str, doing: str) -> None:
    """A moderator does not decide a flag raised against themselves."""
    if actor == member:
        raise ConflictOfInterest(_("{actor} may not {doing} raised against themselves: another "
                                   "admin or the owner decides it").format(
                                   actor=actor, doing=doing))


# Sanctions and appeals ---------------------------------------------------------------


def check_rescind(group: Group, actor: str, story: SanctionStory) -> None:
    """Only the one who issued the sanction, or the owner, withdraws it."""
    if actor != story.issued.actor and "owner" not in group.roles_of(actor):
        raise NotPermitted(_("{actor} may not rescind sanction {sanction_id} in {group}: only "
                             "{actor2}, who issued it, or the owner may (an appeal goes to a "
                             "reviewer: 'ledger appeal file')").format(
                             actor=actor, sanction_id=story.sanction_id[:8], group=group.key,
                             actor2=story.issued.actor))


def check_appeal_filer(group: Group, actor: str, member: str) -> None:
    check_actor_or_moderator(group, actor, member, _("file appeals for others"),
                             or_else=_(", or the member concerned"))


def check_appeal_window(story: SanctionStory, window_days: int | None, rules: str,
                        at: datetime) -> None:
    if window_days is None:
        return
    closes = story.issued.occurred_at + timedelta(days=window_days)
    if at > closes:
        raise AppealRefused(_("the appeal window of {window_days} days under {rules} closed at "
                              "{closes} for sanction {sanction_id} (issued {occurred_at}): too "
                              "late to appeal").format(
                              window_days=window_days, rules=rules, closes=format_time(closes),
                              sanction_id=story.sanction_id[:8],
                              occurred_at=format_time(story.issued.occurred_at)))


def check_reviewer_independent(group: Group, actor: str, story: SanctionStory) -> None:
    """A reviewer decides only cases they had no part in."""
    check_role(group, actor, REVIEWERS, _("decide appeals"), _("a reviewer"))
    parts = sorted({what for person, what in story.parties if person == actor})
    if parts:
        raise ConflictOfInterest(_("{actor} may not decide the appeal against sanction "
                                   "{sanction_id}: they {parts}; another reviewer decides it").format(
                                   actor=actor, sanction_id=story.sanction_id[:8],
                                   parts=_(" and ").join(translate(p) for p in parts)))


def check_decision(story: SanctionStory, outcome: str, weight: int | None,
                   strike_limit: int, current: int | None = None) -> None:
    """A reduction gives a lower weight than the warning has now (a removal turned into
    a warning: below the strike limit); no other outcome takes a weight.
    """
    if outcome != "reduced":
        if weight is not None:
            raise InvalidInput(_("--weight goes with --outcome reduced, not {outcome}").format(
                                 outcome=outcome))
        return
    original = current if current is not None else story.weight
    if weight is None:
        if original is not None:
            raise InvalidInput(_("a reduced warning needs --weight, below its weight of "
                                 "{original}").format(original=original))
        return
    if weight < 1:
        raise InvalidInput(_("--weight must be at least 1 (overturn it to make it count for "
                             "nothing)"))
    if original is not None and weight >= original:
        raise InvalidInput(_("--weight {weight} is not below the warning's weight of {original}: "
                             "a reduction gives a lower weight").format(
                             weight=weight, original=original))
    if original is None and weight >= strike_limit:
        raise InvalidInput(_("--weight {weight} reaches the strike limit of {strike_limit}: a "
                             "removal reduced to a warning weighs less than the limit").format(
                             weight=weight, strike_limit=strike_limit))


def check_message_unsanctioned(state: MembershipState, message: str | None) -> None:
    """One message is one violation: it earns one sanction."""
    if message is None:
        return
    for strike in state.strikes:
        if strike.message == message and strike.state not in ("rescinded", "overturned"):
            raise AlreadySanctioned(_("message {message} of {member} in {group} already earned "
                                      "sanction {sanction_id}: one message is one violation").format(
                                      message=message, member=state.member, group=state.group,
                                      sanction_id=strike.sanction_id[:8]))


def counting_sanction(state: MembershipState, sanction_id: str, doing: str) -> Strike | Removal:
    found: Strike | Removal | None = next(
        (s for s in state.strikes if s.sanction_id == sanction_id), None)
    if found is None:
        found = state.removals.get(sanction_id)
    if found is None:
        raise NotFound(_("sanction {sanction_id} was not issued to {member} in {group} by that "
                         "time: check the id and --at").format(
                         sanction_id=sanction_id, member=state.member, group=state.group))
    if found.state in ("rescinded", "overturned"):
        raise SanctionClosed(_("sanction {sanction_id} was already {state}: there is nothing "
                               "left to {doing}").format(
                               sanction_id=sanction_id[:8], state=found.state, doing=doing))
    return found


# Disputes ----------------------------------------------------------------------------

SECRETARIES: frozenset[str] = frozenset({"owner", "admin", "secretary"})


def check_dispute_parties(group: str, parties: Sequence[str],
                          admitted: Sequence[str]) -> None:
    """At least two distinct parties, each admitted to the group once at least."""
    if len(set(parties)) < 2 or len(set(parties)) != len(parties):
        raise InvalidInput(_("a dispute has two or more different parties: give --parties "
                             "M1,M2[,…]"))
    missing = [p for p in parties if p not in admitted]
    if missing:
        raise NotFound(_("{missing} was never admitted to {group}: a dispute is between members "
                         "of the group").format(missing=', '.join(missing), group=group))


def check_dispute_open(dispute: Any, at: datetime, doing: str) -> None:
    if not dispute.is_open:
        raise RuleBroken(_("dispute {dispute_id} was already resolved ({outcome}): there is "
                           "nothing left to {doing}").format(
                           dispute_id=dispute.dispute_id[:8], outcome=dispute.outcome,
                           doing=doing))
    if dispute.opened_at is not None and at < dispute.opened_at:
        raise RuleBroken(_("dispute {dispute_id} was opened at {opened_at}: nothing of it "
                           "happens before").format(
                           dispute_id=dispute.dispute_id[:8],
                           opened_at=format_time(dispute.opened_at)))


def check_dispute_link(dispute: Any, group: str, member: str, *, removing: bool) -> None:
    """A temporary removal or a re-admission that names a dispute: of this group, with the
    member among its parties (a removal, while the dispute is open).
    """
    if dispute.group != group or member not in dispute.parties:
        raise RuleBroken(_("{member} is not a party to dispute {dispute_id} (in {group}, between "
                           "{parties})").format(
                           member=member, dispute_id=dispute.dispute_id[:8], group=dispute.group,
                           parties=', '.join(dispute.parties)))
    if removing and not dispute.is_open:
        raise RuleBroken(_("dispute {dispute_id} was already resolved ({outcome}): a removal for "
                           "it comes before").format(
                           dispute_id=dispute.dispute_id[:8], outcome=dispute.outcome))


def open_appeal(state: MembershipState, appeal_id: str) -> Appeal:
    appeal = state.appeals.get(appeal_id)
    if appeal is None:
        raise NotFound(_("appeal {appeal_id} was not filed by that time: check the id and --at").format(
                         appeal_id=appeal_id))
    if not appeal.is_open:
        raise SanctionClosed(_("appeal {appeal_id} was already decided ({outcome}): an appeal is "
                               "decided once").format(
                               appeal_id=appeal_id[:8], outcome=appeal.outcome))
    return appeal


# Nicknames, posting windows, tasks, strikes ------------------------------------------


def check_remind(state: MembershipState, rules: RuleVersion, at: datetime) -> None:
    nickname_rule = rules.rulebook.nickname
    if nickname_rule is None:
        raise RuleBroken(_("{group}'s rules ({rules}) set no nickname pattern: there is nothing "
                           "to remind").format(group=state.group, rules=rules.describe()))
    if state.is_in_group and nickname_rule.matches(state.nickname, state.exemption):
        raise RuleBroken(_("{member}'s nickname {nickname!r} in {group} follows the rules "
                           "({description}) at {at}: nothing to remind").format(
                           member=state.member, nickname=state.nickname, group=state.group,
                           description=nickname_rule.description, at=format_time(at)))
    limit = nickname_rule.removal_after_reminders
    if state.is_in_group and limit is not None and state.reminders >= limit:
        raise RuleBroken(_("{member} has ignored {reminders} reminders already and is "
                           "removal_due in {group}: remove them, or wait for a compliant rename").format(
                           member=state.member, reminders=state.reminders, group=state.group))


def check_message_time(message_at: datetime | None, flagged_at: datetime) -> None:
    if message_at is not None and message_at > flagged_at:
        raise InvalidInput(_("--message-at {message_at} is after the flag ({flagged_at}): a "
                             "message is flagged after it was posted").format(
                             message_at=format_time(message_at),
                             flagged_at=format_time(flagged_at)))


def check_posting_window(rules: RuleVersion, category: str, message_at: datetime | None,
                         *, given: str = "--message-at") -> None:
    """An off-hours category stands only for a message posted outside every allowed
    window, wherever it is recorded (a flag, a warning); both ends of a window are in it.
    `given` names the option that gave the message's time.
    """
    posting = rules.rulebook.posting
    if posting is None or category != posting.category:
        return
    if message_at is None:
        raise InvalidInput(_("a flag of category {category} needs --message-at, the time the "
                             "message was posted, to check it against the posting windows").format(
                             category=category))
    window = posting.window_at(message_at)
    if window is not None:
        local = message_at.astimezone(ZoneInfo(posting.timezone))
        shown = f"{local:%a %H:%M}" + (f":{local:%S}" if local.second else "")
        advice = "" if given == "--message-at" else (
            _(" (give {given} the time the message was posted)").format(given=given))
        raise RuleBroken(_("a message at {shown} ({timezone}) is inside the allowed window "
                           "{window}: it is not {category}{advice}").format(
                           shown=shown, timezone=posting.timezone, window=window.describe(),
                           category=category, advice=advice))


def check_keeps_tasks(group: str, rules: RuleVersion) -> None:
    """A task is assigned only under rules that keep tasks: a tasks section (R1 3.5), or
    at least the category a missed task is a strike of (the default rules). Said before
    anything else, since nothing else about the task could make it stand.
    """
    book = rules.rulebook
    if book.tasks is None and "late_response" not in book.categories:
        # i18n._, as this module's `_` names the handlers registered below.
        raise RuleBroken(i18n._("{group}'s rules ({rules}) have no tasks: no response deadline "
                           "and no category for a missed one; a rulebook with a [tasks] "
                           "section (builtin:company) keeps them").format(
                               group=group, rules=rules.describe()))


def check_task_giver(group: Group, assigned_by: str) -> None:
    """The one named as giving a task holds the right to (a leader, the owner, an admin)."""
    if not holds_right(group, assigned_by, "assign tasks"):
        raise NotPermitted(_("{assigned_by} does not give tasks in {group}: a task is given by "
                             "the owner, an admin or a leader (grant --role leader first)").format(
                             assigned_by=assigned_by, group=group.key))


MAX_DEADLINE_MINUTES = rulebook.MAX_DEADLINE_MINUTES  # a response deadline is within a year


def task_deadline_minutes(group: str, rules: RuleVersion, given: int | None) -> int:
    """The response deadline of a new task: as given, else the rulebook's."""
    if given is not None and given < 1:
        raise InvalidInput(_("--deadline-minutes must be at least 1"))
    if given is not None and given > MAX_DEADLINE_MINUTES:
        raise InvalidInput(_("--deadline-minutes {given} is more than a year: give at most "
                             "{MAX_DEADLINE_MINUTES} (366 days)").format(
                             given=given, MAX_DEADLINE_MINUTES=MAX_DEADLINE_MINUTES))
    tasks = rules.rulebook.tasks
    minutes = given or (tasks.response_minutes if tasks else None)
    if minutes is None:
        raise InvalidInput(_("{group}'s rules ({rules}) set no response deadline: give "
                             "--deadline-minutes").format(group=group, rules=rules.describe()))
    return minutes


def removal_after_strike(after: MembershipState, rules: RuleVersion,
                         category: str) -> tuple[str, str] | None:
    """(cause, reason) of the removal a new strike brings at once under rules that
    remove (on sight, or at the limit), else None.
    """
    book = rules.rulebook
    judged = book.category(category)
    if judged.on_sight and book.strikes.on_sight == "remove":
        return "on_sight", (f"{judged.zh} ({category}): removed on sight under "
                            f"{rules.describe()}")
    if after.live_strikes >= book.strikes.limit and book.strikes.on_limit == "remove":
        return "strike_limit", (f"{after.live_strikes} strikes reach the limit of "
                                f"{book.strikes.limit} under {rules.describe()}")
    return None


# A membership's timeline -------------------------------------------------------------


def check_insertable(events: Sequence[MembershipEvent], candidate: MembershipEvent) -> None:
    """Raise unless `candidate` fits the timeline where it happened, and every fact
    recorded after it that held without it still holds with it in place. (A stored fact
    that today's rules would not accept on its own is history, not the candidate's fault.)
    """
    # The candidate comes after every fact of its own moment (it has the highest version):
    # only facts that happened strictly later can be contradicted by it.
    later = [e for e in events if e.occurred_at > candidate.occurred_at]
    held = _holding(events, later) if later else set()
    state = MembershipState(candidate.group, candidate.member)
    seen_candidate = False
    for event in in_order([*events, candidate]):
        if event is candidate or (seen_candidate and id(event) in held):
            try:
                check_fits(advance(state, event.occurred_at), event)
            except LedgerError as error:
                if event is candidate:
                    raise
                raise TimelineConflict(
                    _("a fact dated {occurred_at} contradicts the {event} already recorded at "
                      "{occurred_at2} ({reason}): give a later --at, or check the date").format(
                      occurred_at=format_time(candidate.occurred_at), event=type(event).__name__,
                      occurred_at2=format_time(event.occurred_at), reason=re.split(": |：", str(error))[0])) from None
        seen_candidate = seen_candidate or event is candidate
        state = evolve(state, event)


def _holding(events: Sequence[MembershipEvent], later: Sequence[MembershipEvent]) -> set[int]:
    """Which of the `later` events fit the timeline as it stands (by identity)."""
    wanted = {id(e) for e in later}
    holding = set()
    state = None
    for event in in_order(events):
        if id(event) in wanted:
            try:
                check_fits(advance(state or MembershipState(event.group, event.member),
                                   event.occurred_at), event)
                holding.add(id(event))
            except LedgerError:
                pass
        state = evolve(state, event)
    return holding


def check_in_group(state: MembershipState, at: datetime) -> None:
    if state.presence == "in":
        return
    reason = {
        "absent": _("admit them first"),
        "temporarily_removed": _("they were temporarily removed: readmit them first"),
        "removed": _("they were removed: readmit them first"),
        "left": _("they left the group: admit them again first"),
    }[state.presence]
    raise NotAMember(_("{member} is not in {group} at {at}: {reason}").format(
                       member=state.member, group=state.group, at=format_time(at), reason=reason))


def open_flag(state: MembershipState, flag_id: str, verb: str) -> Flag:
    flag = state.flags.get(flag_id)
    if flag is None:
        raise NotFound(_("flag {flag_id} was not raised against {member} in {group} by that "
                         "time: check the flag id and --at").format(
                         flag_id=flag_id, member=state.member, group=state.group))
    if flag.state != "open":
        raise FlagDecided(_("flag {flag_id} was already {state}: a flag is decided once, it "
                            "cannot be {verb} again").format(
                            flag_id=flag_id, state=flag.state, verb=verb))
    return flag


def assigned_task(state: MembershipState, task_id: str) -> Task:
    task = state.tasks.get(task_id)
    if task is None:
        raise NotFound(_("task {task_id} was not assigned to {member} in {group} by that time: "
                         "check the task id and --at").format(
                         task_id=task_id, member=state.member, group=state.group))
    return task


def check_fits(state: MembershipState, event: MembershipEvent) -> None:
    """Raise unless `event` may happen to a membership in `state` (the state just
    before it).
    """
    _fits(event, state)


@singledispatch
def _fits(event: MembershipEvent, state: MembershipState) -> None:
    """One rule per event type; dispatch is on the event."""
    raise TypeError(f"no rule for {type(event).__name__}")


@_fits.register
def _judged(event: MemberAdmitted, state: MembershipState) -> None:
    if state.presence == "in":
        raise AlreadyMember(_("{member} is already in {group} at {occurred_at}: nothing to admit").format(
                              member=state.member, group=state.group,
                              occurred_at=format_time(event.occurred_at)))
    if state.presence in ("removed", "temporarily_removed"):
        raise AlreadyMember(_("{member} was removed from {group}: use 'member readmit' to take "
                              "them back").format(member=state.member, group=state.group))


@_fits.register(MemberRenamed)
@_fits.register(NicknameReminded)
@_fits.register(MessageFlagged)
@_fits.register(MemberLeft)
@_fits.register(MembershipReviewed)
@_fits.register(TaskAssigned)
@_fits.register(CautionIssued)
def _judged(event: MembershipEvent, state: MembershipState) -> None:
    check_in_group(state, event.occurred_at)


@_fits.register
def _judged(event: WarningIssued, state: MembershipState) -> None:
    # R1 3.7 执意退群: the departure is the violation. A strike dated to the very moment
    # the member left is of their time in the group, and may be recorded after they left;
    # the departure stays as it was.
    if not (state.presence == "left" and state.since == event.occurred_at):
        check_in_group(state, event.occurred_at)
    check_message_unsanctioned(state, event.message)


@_fits.register
def _judged(event: NicknameExemptionGranted, state: MembershipState) -> None:
    check_in_group(state, event.occurred_at)
    if state.exemption == event.exemption:
        raise RuleBroken(_("{member} already holds the nickname exemption {exemption} in {group} "
                           "at {occurred_at}: nothing to grant").format(
                           member=state.member, exemption=event.exemption, group=state.group,
                           occurred_at=format_time(event.occurred_at)))


@_fits.register
def _judged(event: FlagConfirmed, state: MembershipState) -> None:
    open_flag(state, event.flag_id, "confirmed")
    check_in_group(state, event.occurred_at)


@_fits.register
def _judged(event: FlagDismissed, state: MembershipState) -> None:
    open_flag(state, event.flag_id, "dismissed")


@_fits.register
def _judged(event: MemberRemoved, state: MembershipState) -> None:
    if state.presence == "temporarily_removed" and not event.temporary:
        return  # mediation failed: a temporary removal may become a removal for good
    check_in_group(state, event.occurred_at)


@_fits.register
def _judged(event: MemberReadmitted, state: MembershipState) -> None:
    if state.presence not in ("temporarily_removed", "removed"):
        raise NotRemoved(_("{member} was not removed from {group} at {occurred_at}: only a "
                           "removed member is readmitted").format(
                           member=state.member, group=state.group,
                           occurred_at=format_time(event.occurred_at)))


@_fits.register
def _judged(event: FlagSeconded, state: MembershipState) -> None:
    flag = state.flags.get(event.flag_id)
    if flag is None or flag.state == "dismissed":
        raise NotFound(_("flag {flag_id} is not a case open or confirmed against {member} in "
                         "{group} at {occurred_at}").format(
                         flag_id=event.flag_id, member=state.member, group=state.group,
                         occurred_at=format_time(event.occurred_at)))
    if event.actor == flag.raised_by or event.actor in {who for who, _ in flag.seconded_by}:
        raise RuleBroken(_("{actor} already reported message {message} of {member} (flag "
                           "{flag_id}): one report each").format(
                           actor=event.actor, message=event.message, member=state.member,
                           flag_id=event.flag_id[:8]))


@_fits.register
def _judged(event: SanctionRescinded, state: MembershipState) -> None:
    counting_sanction(state, event.sanction_id, _("rescind"))


@_fits.register
def _judged(event: AppealFiled, state: MembershipState) -> None:
    counting_sanction(state, event.sanction_id, _("appeal"))
    for appeal in state.appeals.values():
        if appeal.sanction_id == event.sanction_id and appeal.is_open:
            raise AppealRefused(_("sanction {sanction_id} is already under appeal ({appeal_id}, "
                                  "filed {filed_at}): one open appeal per sanction").format(
                                  sanction_id=event.sanction_id[:8],
                                  appeal_id=appeal.appeal_id[:8],
                                  filed_at=format_time(appeal.filed_at)))


@_fits.register
def _judged(event: AppealDecided, state: MembershipState) -> None:
    open_appeal(state, event.appeal_id)
    counting_sanction(state, event.sanction_id, _("decide"))


@_fits.register
def _judged(event: TaskAcknowledged, state: MembershipState) -> None:
    task = assigned_task(state, event.task_id)
    if task.acknowledged_at is not None:
        raise RuleBroken(_("task {task_id} was already acknowledged at {acknowledged_at}: "
                           "nothing to acknowledge").format(
                           task_id=task.task_id,
                           acknowledged_at=format_time(task.acknowledged_at)))
    if task.missed:
        raise RuleBroken(_("task {task_id} was already confirmed missed: too late to acknowledge "
                           "it").format(task_id=task.task_id))


@_fits.register
def _judged(event: TaskMissed, state: MembershipState) -> None:
    task = assigned_task(state, event.task_id)
    if task.missed:
        raise RuleBroken(_("task {task_id} was already confirmed missed: a deadline is missed "
                           "once").format(task_id=task.task_id))
    if not task.overdue_at(event.occurred_at):
        if task.deadline_at >= event.occurred_at:
            raise RuleBroken(_("task {task_id}'s deadline {deadline_at} had not passed at "
                               "{occurred_at}: wait for it").format(
                               task_id=task.task_id, deadline_at=format_time(task.deadline_at),
                               occurred_at=format_time(event.occurred_at)))
        raise RuleBroken(_("task {task_id} was acknowledged in time ({acknowledged_at}, deadline "
                           "{deadline_at}): nothing was missed").format(
                           task_id=task.task_id,
                           acknowledged_at=format_time(task.acknowledged_at),
                           deadline_at=format_time(task.deadline_at)))
