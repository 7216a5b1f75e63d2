"""The rulebook of a membership, as the application enforces it: who may admit, rename,
flag, warn, remove, readmit; what a refused command says; and that a refused command
records nothing. Facts carry the time they happened (`at=`), and a late fact is judged
where it happened on the member's timeline.

Times are relative to NOW (2026-11-25 20:00 +08:00), the hand-moved clock of the tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ledger.domain.aggregates import group_id
from ledger.application import Ledger
from ledger.domain.errors import (
    AlreadyMember,
    FlagDecided,
    FutureTime,
    GroupExists,
    InvalidInput,
    NotAMember,
    NotFound,
    NotPermitted,
    NotRemoved,
    RoleConflict,
    TimelineConflict,
    UnknownCategory,
)
from ledger.domain.events import (
    FlagConfirmed,
    FlagDismissed,
    GroupRegistered,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MessageFlagged,
    RoleGranted,
    RoleRevoked,
    WarningIssued,
)
from tests.conftest import CST, NOW, Clock

GROUP = "g9"
OWNER = "wx_owner"
ADMIN = "wx_admin"
LI = "wx_li9"
WANG = "wx_wang"
STRANGER = "wx_zhao"

LI_NICK = "g9#1001@李x明"
WANG_NICK = "g9#1002@王阿姨"

EST = timezone(timedelta(hours=-5))


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def recorded(ledger: Ledger) -> int:
    """The position of the last event in the log: a refused command must not move it."""
    return ledger.recorder.max_notification_id() or 0


def kinds(ledger: Ledger, member: str = LI) -> list[str]:
    return [type(event).__name__ for event in ledger.history(GROUP, member)]


def assert_message(refused: pytest.ExceptionInfo[Exception], *fragments: str) -> None:
    """The message names what was wrong and what to do; the words around may be reworded."""
    message = str(refused.value)
    missing = [fragment for fragment in fragments if fragment not in message]
    assert not missing, f"{message!r} does not say {missing}"
    assert "\n" not in message, "a message is one line"


def assert_not_permitted(refused: pytest.ExceptionInfo[Exception], actor: str, doing: str,
                         *who_may: str) -> None:
    """`<actor> may not <do this> in <group>: <who may>`"""
    assert refused.type is NotPermitted
    assert str(refused.value).startswith(f"{actor} may not {doing} in {GROUP}: "), refused.value
    assert_message(refused, *who_may)


@pytest.fixture
def g9(ledger: Ledger) -> Ledger:
    """Estate group g9, registered by its owner a month ago, with one admin."""
    ledger.register_group(actor=OWNER, group=GROUP, name="加侨业委会9栋业主群", owner=OWNER,
                          at=days_ago(30))
    ledger.grant_role(actor=OWNER, group=GROUP, member=ADMIN, role="admin", at=days_ago(30))
    return ledger


def admit(ledger: Ledger, member: str = LI, nickname: str = LI_NICK, *,
          at: datetime | None = None) -> None:
    ledger.admit(actor=ADMIN, group=GROUP, member=member, nickname=nickname,
                 at=at or days_ago(20))


def flag(ledger: Ledger, *, actor: str = WANG, at: datetime | None = None) -> str:
    return ledger.raise_flag(actor=actor, group=GROUP, member=LI, category="flooding",
                             message="msg-20261120-0042", excerpt="刷屏 40 条", at=at)


class TestGroupRegistration:
    def test_a_group_is_registered_with_its_owner_holding_the_owner_role(self, ledger):
        ledger.register_group(actor=OWNER, group=GROUP, name="加侨业委会9栋业主群", owner=OWNER)

        group = ledger.group(GROUP)
        assert group.name == "加侨业委会9栋业主群"
        assert group.owner == OWNER
        assert group.roles_of(OWNER) == {"owner"}

    def test_a_group_id_cannot_be_registered_twice(self, g9):
        before = recorded(g9)

        with pytest.raises(GroupExists) as refused:
            g9.register_group(actor=STRANGER, group=GROUP, name="另一个群", owner=STRANGER)

        assert_message(refused, "group g9 is already registered", "choose another id")
        assert recorded(g9) == before
        assert g9.group(GROUP).owner == OWNER

    def test_a_command_on_a_group_never_registered_is_not_found(self, g9):
        before = recorded(g9)

        with pytest.raises(NotFound) as refused:
            g9.admit(actor=ADMIN, group="g8", member=LI, nickname=LI_NICK)

        assert_message(refused, "group g8 is not in this ledger", "ledger group create")
        assert recorded(g9) == before


class TestAdmission:
    def test_an_admin_admits_a_member_with_their_nickname_inviter_and_verifier(self, g9):
        admit(g9, WANG, WANG_NICK, at=days_ago(25))

        g9.admit(actor=ADMIN, group=GROUP, member=LI, nickname=LI_NICK, invited_by=WANG,
                 verified_by=OWNER, at=days_ago(20))

        [admitted] = g9.history(GROUP, LI)
        assert isinstance(admitted, MemberAdmitted)
        assert (admitted.actor, admitted.group, admitted.member) == (ADMIN, GROUP, LI)
        assert admitted.nickname == LI_NICK
        assert (admitted.invited_by, admitted.verified_by) == (WANG, OWNER)
        assert admitted.occurred_at == days_ago(20)
        standing = g9.standing(GROUP, LI)
        assert standing.status == "active"
        assert standing.nickname == LI_NICK

    def test_without_at_the_fact_happened_now_on_the_ledgers_clock(self, g9, clock: Clock):
        clock.advance(minutes=5)

        g9.admit(actor=OWNER, group=GROUP, member=LI, nickname=LI_NICK)

        [admitted] = g9.history(GROUP, LI)
        assert admitted.occurred_at == NOW + timedelta(minutes=5)
        assert admitted.occurred_at.utcoffset() == timedelta(hours=8)

    def test_a_member_already_in_the_group_cannot_be_admitted_again(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(AlreadyMember) as refused:
            g9.admit(actor=ADMIN, group=GROUP, member=LI, nickname="g9#1001@李明")

        assert_message(refused, "wx_li9 is already in g9 at 2026-11-25T20:00:00+08:00",
                       "nothing to admit")
        assert recorded(g9) == before
        assert g9.standing(GROUP, LI).nickname == LI_NICK

    @pytest.mark.parametrize("temporary", [False, True], ids=["for_good", "temporarily"])
    def test_a_removed_member_is_taken_back_by_readmission_not_admission(self, g9, temporary):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="群内争吵不止",
                  temporary=temporary, at=days_ago(10))
        before = recorded(g9)

        with pytest.raises(AlreadyMember) as refused:
            g9.admit(actor=ADMIN, group=GROUP, member=LI, nickname=LI_NICK)

        assert_message(refused, "wx_li9 was removed from g9", "use 'member readmit'")
        assert recorded(g9) == before

    def test_a_nickname_is_required(self, g9):
        before = recorded(g9)

        with pytest.raises(InvalidInput) as refused:
            g9.admit(actor=ADMIN, group=GROUP, member=LI, nickname="   ")

        assert_message(refused, "nickname is empty")
        assert recorded(g9) == before

    def test_a_member_id_with_spaces_is_refused(self, g9):
        before = recorded(g9)

        with pytest.raises(InvalidInput) as refused:
            g9.admit(actor=ADMIN, group=GROUP, member="李 x明", nickname=LI_NICK)

        assert_message(refused, "member id '李 x明' contains spaces", "single words such as wx_li")
        assert recorded(g9) == before

    def test_a_group_id_typed_with_surrounding_spaces_reaches_the_same_group(self, g9):
        g9.admit(actor=ADMIN, group=" g9 ", member=LI, nickname=LI_NICK, at=days_ago(20))

        standing = g9.standing(GROUP, LI)

        assert standing.group == GROUP
        assert standing.is_in_group


class TestRename:
    def test_a_member_renames_themselves_and_the_old_nickname_is_kept(self, g9):
        admit(g9, nickname="李x明")

        g9.rename(actor=LI, group=GROUP, member=LI, nickname=LI_NICK)

        renamed = g9.history(GROUP, LI)[-1]
        assert isinstance(renamed, MemberRenamed)
        assert renamed.actor == LI
        assert (renamed.old_nickname, renamed.new_nickname) == ("李x明", LI_NICK)
        assert g9.standing(GROUP, LI).nickname == LI_NICK

    def test_an_admin_renames_a_member_who_ignored_the_reminders(self, g9):
        admit(g9, nickname="小李🐟")

        g9.rename(actor=ADMIN, group=GROUP, member=LI, nickname=LI_NICK)

        renamed = g9.history(GROUP, LI)[-1]
        assert isinstance(renamed, MemberRenamed)
        assert renamed.actor == ADMIN
        assert renamed.old_nickname == "小李🐟"

    def test_another_member_may_not_rename_someone(self, g9):
        admit(g9)
        admit(g9, WANG, WANG_NICK)
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            g9.rename(actor=WANG, group=GROUP, member=LI, nickname="李大傻")

        assert_not_permitted(refused, WANG, "rename members", "owner", "admin", "the member")
        assert recorded(g9) == before
        assert g9.standing(GROUP, LI).nickname == LI_NICK

    def test_someone_never_admitted_cannot_be_renamed(self, g9):
        before = recorded(g9)

        with pytest.raises(NotFound) as refused:
            g9.rename(actor=ADMIN, group=GROUP, member=LI, nickname=LI_NICK)

        assert_message(refused, "wx_li9 was never admitted to g9: admit them first")
        assert recorded(g9) == before

    def test_a_member_cannot_be_renamed_at_a_time_before_they_were_admitted(self, g9):
        admit(g9, at=days_ago(20))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.rename(actor=ADMIN, group=GROUP, member=LI, nickname="g9#1001@李", at=days_ago(21))

        assert_message(refused, "wx_li9 is not in g9 at 2026-11-04T20:00:00+08:00",
                       "admit them first")
        assert recorded(g9) == before

    def test_a_temporarily_removed_member_cannot_be_renamed(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵，待调解", temporary=True,
                  at=days_ago(2))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.rename(actor=LI, group=GROUP, member=LI, nickname="g9#1001@李")

        assert_message(refused, "they were temporarily removed: readmit them first")
        assert recorded(g9) == before

    def test_a_back_dated_rename_records_the_nickname_of_that_moment_as_old(self, g9):
        admit(g9, nickname="李x明", at=days_ago(20))
        g9.rename(actor=LI, group=GROUP, member=LI, nickname="g9#1001@李x明", at=days_ago(5))

        g9.rename(actor=ADMIN, group=GROUP, member=LI, nickname="g9#10@李", at=days_ago(10))

        late = [e for e in g9.history(GROUP, LI) if e.occurred_at == days_ago(10)]
        assert [(e.old_nickname, e.new_nickname) for e in late] == [("李x明", "g9#10@李")]
        assert g9.standing(GROUP, LI).nickname == "g9#1001@李x明"


class TestFlags:
    def test_a_current_member_may_flag_another_members_message(self, g9):
        admit(g9)
        admit(g9, WANG, WANG_NICK)

        flag_id = flag(g9, actor=WANG)

        flagged = g9.history(GROUP, LI)[-1]
        assert isinstance(flagged, MessageFlagged)
        assert flagged.flag_id == flag_id
        assert flagged.actor == WANG
        assert (flagged.category, flagged.message, flagged.excerpt) == (
            "flooding", "msg-20261120-0042", "刷屏 40 条")
        raised = g9.standing(GROUP, LI).flags[flag_id]
        assert (raised.state, raised.raised_by) == ("open", WANG)

    def test_an_admin_who_is_not_in_the_group_may_flag(self, g9):
        admit(g9)

        flag_id = flag(g9, actor=ADMIN)

        assert g9.standing(GROUP, LI).flags[flag_id].raised_by == ADMIN

    def test_a_flag_is_not_yet_a_strike(self, g9):
        admit(g9)
        admit(g9, WANG, WANG_NICK)

        flag(g9)

        assert g9.standing(GROUP, LI).live_strikes == 0
        assert g9.standing(GROUP, LI).status == "active"

    def test_someone_outside_the_group_may_not_flag(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            flag(g9, actor=STRANGER)

        assert_not_permitted(refused, STRANGER, "raise flags", "owner", "admin",
                             "a current member")
        assert recorded(g9) == before

    def test_a_member_who_left_may_no_longer_flag(self, g9):
        admit(g9)
        admit(g9, WANG, WANG_NICK)
        g9.leave(actor=WANG, group=GROUP, member=WANG, at=days_ago(3))
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            flag(g9, actor=WANG)

        assert_not_permitted(refused, WANG, "raise flags", "a current member")
        assert recorded(g9) == before

    def test_a_member_may_not_flag_at_a_time_before_they_were_admitted(self, g9):
        admit(g9, at=days_ago(20))
        admit(g9, WANG, WANG_NICK, at=days_ago(3))
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            flag(g9, actor=WANG, at=days_ago(4))

        assert_not_permitted(refused, WANG, "raise flags", "a current member")
        assert recorded(g9) == before

    def test_a_flag_against_someone_not_in_the_group_at_that_time_is_refused(self, g9):
        admit(g9, at=days_ago(20))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            flag(g9, actor=ADMIN, at=days_ago(25))

        assert_message(refused, "wx_li9 is not in g9 at 2026-10-31T20:00:00+08:00")
        assert recorded(g9) == before

    def test_an_unknown_category_is_refused_with_the_known_ones_listed(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(UnknownCategory) as refused:
            g9.raise_flag(actor=ADMIN, group=GROUP, member=LI, category="砍一刀")

        assert_message(refused, "unknown category '砍一刀'", "risky_link")
        assert recorded(g9) == before

    def test_confirming_a_flag_records_the_violation_with_the_warning_it_earns(self, g9):
        admit(g9)
        admit(g9, WANG, WANG_NICK)
        flag_id = flag(g9)

        warning_id = g9.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id,
                                     note="核实属实")

        confirmed, warning = g9.history(GROUP, LI)[-2:]
        assert isinstance(confirmed, FlagConfirmed)
        assert (confirmed.flag_id, confirmed.note, confirmed.actor) == (flag_id, "核实属实", ADMIN)
        assert isinstance(warning, WarningIssued)
        assert warning.sanction_id == warning_id
        assert (warning.flag_id, warning.category, warning.reason) == (
            flag_id, "flooding", "核实属实")
        standing = g9.standing(GROUP, LI)
        assert standing.flags[flag_id].state == "confirmed"
        assert (standing.status, standing.live_strikes) == ("warned", 1)

    def test_a_flag_cannot_be_confirmed_twice(self, g9):
        admit(g9)
        flag_id = flag(g9, actor=ADMIN)
        g9.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id)
        before = recorded(g9)

        with pytest.raises(FlagDecided) as refused:
            g9.confirm_flag(actor=OWNER, group=GROUP, member=LI, flag_id=flag_id)

        assert_message(refused, f"flag {flag_id} was already confirmed",
                       "it cannot be confirmed again")
        assert recorded(g9) == before
        assert g9.standing(GROUP, LI).live_strikes == 1

    def test_a_confirmed_flag_cannot_be_dismissed(self, g9):
        admit(g9)
        flag_id = flag(g9, actor=ADMIN)
        g9.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id)
        before = recorded(g9)

        with pytest.raises(FlagDecided) as refused:
            g9.dismiss_flag(actor=OWNER, group=GROUP, member=LI, flag_id=flag_id, reason="误报")

        assert_message(refused, f"flag {flag_id} was already confirmed", "a flag is decided once")
        assert recorded(g9) == before
        assert g9.standing(GROUP, LI).flags[flag_id].state == "confirmed"

    def test_a_dismissed_flag_gives_no_strike_and_cannot_be_confirmed_later(self, g9):
        admit(g9)
        flag_id = flag(g9, actor=ADMIN)
        g9.dismiss_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id,
                        reason="是业主群通知，不算刷屏")
        before = recorded(g9)

        with pytest.raises(FlagDecided) as refused:
            g9.confirm_flag(actor=OWNER, group=GROUP, member=LI, flag_id=flag_id)

        assert_message(refused, f"flag {flag_id} was already dismissed")
        assert recorded(g9) == before
        dismissed = g9.history(GROUP, LI)[-1]
        assert isinstance(dismissed, FlagDismissed)
        assert dismissed.reason == "是业主群通知，不算刷屏"
        assert g9.standing(GROUP, LI).live_strikes == 0

    def test_a_flag_cannot_be_confirmed_at_a_time_before_it_was_raised(self, g9):
        admit(g9)
        flag_id = flag(g9, actor=ADMIN, at=days_ago(2))
        before = recorded(g9)

        with pytest.raises(NotFound) as refused:
            g9.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id,
                            at=days_ago(3))

        assert_message(refused, f"flag {flag_id} was not raised against wx_li9 in g9",
                       "by that time", "check the flag id and --at")
        assert recorded(g9) == before

    def test_an_unknown_flag_id_is_not_found(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(NotFound) as refused:
            g9.dismiss_flag(actor=ADMIN, group=GROUP, member=LI, flag_id="0" * 32, reason="误报")

        assert_message(refused, "was not raised against wx_li9 in g9")
        assert recorded(g9) == before

    def test_a_dismissal_needs_a_reason(self, g9):
        admit(g9)
        flag_id = flag(g9, actor=ADMIN)
        before = recorded(g9)

        with pytest.raises(InvalidInput) as refused:
            g9.dismiss_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id, reason=" ")

        assert_message(refused, "reason is empty")
        assert recorded(g9) == before


class TestWarnings:
    def test_a_warning_names_the_rule_it_was_judged_by(self, g9):
        admit(g9)

        warning_id = g9.warn(actor=ADMIN, group=GROUP, member=LI, category="risky_link",
                             reason="发砍一刀链接")

        warning = g9.history(GROUP, LI)[-1]
        assert isinstance(warning, WarningIssued)
        assert warning.sanction_id == warning_id
        assert (warning.category, warning.reason, warning.flag_id) == (
            "risky_link", "发砍一刀链接", None)
        assert (warning.weight, warning.strike_limit, warning.rulebook) == (1, 3, "default")

    def test_a_member_cannot_be_warned_before_they_were_admitted(self, g9):
        admit(g9, at=days_ago(20))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="flooding",
                    reason="刷屏 40 条", at=days_ago(21))

        assert_message(refused, "wx_li9 is not in g9 at 2026-11-04T20:00:00+08:00",
                       "admit them first")
        assert recorded(g9) == before

    def test_someone_never_admitted_cannot_be_warned(self, g9):
        before = recorded(g9)

        with pytest.raises(NotFound) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=STRANGER, category="ads")

        assert_message(refused, "wx_zhao was never admitted to g9: admit them first")
        assert recorded(g9) == before

    def test_one_or_two_strikes_leave_the_member_warned(self, g9):
        admit(g9)
        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="flooding", at=days_ago(9))

        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads", at=days_ago(8))

        standing = g9.standing(GROUP, LI)
        assert (standing.status, standing.live_strikes) == ("warned", 2)

    def test_the_third_live_strike_makes_removal_due(self, g9):
        admit(g9)
        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="flooding", at=days_ago(9))
        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads", at=days_ago(8))

        g9.warn(actor=OWNER, group=GROUP, member=LI, category="rumor", reason="转发谣言",
                at=days_ago(7))

        standing = g9.standing(GROUP, LI)
        assert (standing.status, standing.live_strikes) == ("removal_due", 3)
        assert standing.is_in_group  # due, not done: an admin still decides the removal
        assert standing.since == days_ago(7)

    def test_a_removed_member_cannot_be_warned(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="三次违规", at=days_ago(5))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads")

        assert_message(refused, "wx_li9 is not in g9 at 2026-11-25T20:00:00+08:00",
                       "they were removed: readmit them first")
        assert recorded(g9) == before

    def test_a_warning_in_the_future_is_refused(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(FutureTime) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                    at=NOW + timedelta(minutes=1))

        assert_message(refused, "2026-11-25T20:01:00+08:00 is in the future",
                       "now 2026-11-25T20:00:00+08:00", "give a time that has already happened")
        assert recorded(g9) == before

    def test_the_future_is_judged_by_the_instant_not_by_the_written_offset(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(FutureTime):
            # 12:30 UTC is 20:30 in Beijing: half an hour ahead of the clock
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                    at=datetime(2026, 11, 25, 12, 30, tzinfo=timezone.utc))
        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                at=datetime(2026, 11, 25, 11, 30, tzinfo=timezone.utc))

        assert recorded(g9) == before + 1
        assert g9.history(GROUP, LI)[-1].occurred_at.utcoffset() == timedelta(0)

    def test_a_time_without_an_offset_is_read_in_the_zone_of_the_groups_rulebook(self, g9):
        admit(g9)  # g9 is under builtin:default, whose zone is Asia/Shanghai

        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                at=datetime(2026, 11, 25, 9, 30))

        stored = g9.history(GROUP, LI)[-1].occurred_at
        assert stored == datetime(2026, 11, 25, 9, 30, tzinfo=CST)
        assert stored.utcoffset() == timedelta(hours=8)

    def test_a_time_without_an_offset_after_now_in_the_groups_zone_is_refused(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(FutureTime) as refused:  # NOW is 20:00 in Beijing
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                    at=datetime(2026, 11, 25, 20, 30))

        assert_message(refused, "--at 2026-11-25T20:30:00+08:00 is in the future")
        assert recorded(g9) == before

    def test_an_unknown_category_earns_no_warning(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(UnknownCategory) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="spam")

        assert_message(refused, "unknown category 'spam'", "use one of", "flooding")
        assert recorded(g9) == before


class TestRemovalAndReadmission:
    def test_a_member_removed_for_good_is_out_of_the_group(self, g9):
        admit(g9)

        removal_id = g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="第三次违规：发赌博链接")

        removed = g9.history(GROUP, LI)[-1]
        assert isinstance(removed, MemberRemoved)
        assert removed.sanction_id == removal_id
        assert (removed.temporary, removed.reason) == (False, "第三次违规：发赌博链接")
        standing = g9.standing(GROUP, LI)
        assert standing.status == "removed"
        assert not standing.is_in_group

    def test_a_quarrel_ends_in_temporary_removal_then_readmission_after_mediation(self, g9):
        admit(g9)
        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="personal_attack",
                reason="骂人", at=days_ago(3))
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵不止，待调解",
                  temporary=True, at=days_ago(2))
        assert g9.standing(GROUP, LI).status == "temporarily_removed"

        g9.readmit(actor=ADMIN, group=GROUP, member=LI, note="调解完成，双方和好", at=days_ago(1))

        assert kinds(g9) == ["MemberAdmitted", "WarningIssued", "MemberRemoved",
                             "MemberReadmitted"]
        readmitted = g9.history(GROUP, LI)[-1]
        assert isinstance(readmitted, MemberReadmitted)
        assert readmitted.note == "调解完成，双方和好"
        standing = g9.standing(GROUP, LI)
        assert standing.is_in_group
        assert (standing.status, standing.live_strikes) == ("warned", 1)
        assert standing.nickname == LI_NICK

    def test_a_temporary_removal_may_become_a_removal_for_good(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵", temporary=True,
                  at=days_ago(2))

        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="调解失败")

        assert g9.standing(GROUP, LI).status == "removed"

    def test_a_member_removed_for_good_may_be_readmitted_by_an_admins_decision(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="三次违规", at=days_ago(2))

        g9.readmit(actor=OWNER, group=GROUP, member=LI, note="业委会决议恢复")

        assert g9.standing(GROUP, LI).status == "active"

    def test_a_member_who_was_not_removed_cannot_be_readmitted(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(NotRemoved) as refused:
            g9.readmit(actor=ADMIN, group=GROUP, member=LI)

        assert_message(refused, "wx_li9 was not removed from g9 at 2026-11-25T20:00:00+08:00",
                       "only a removed member is readmitted")
        assert recorded(g9) == before

    def test_a_readmission_cannot_be_dated_before_the_removal(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵", temporary=True,
                  at=days_ago(2))
        before = recorded(g9)

        with pytest.raises(NotRemoved) as refused:
            g9.readmit(actor=ADMIN, group=GROUP, member=LI, at=days_ago(3))

        assert_message(refused, "was not removed from g9 at 2026-11-22T20:00:00+08:00")
        assert recorded(g9) == before

    def test_someone_cannot_be_removed_at_a_time_before_they_were_admitted(self, g9):
        admit(g9, at=days_ago(20))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="发广告", at=days_ago(21))

        assert_message(refused, "wx_li9 is not in g9 at 2026-11-04T20:00:00+08:00",
                       "admit them first")
        assert recorded(g9) == before

    def test_a_removed_member_cannot_be_removed_again(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="三次违规", at=days_ago(2))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.remove(actor=OWNER, group=GROUP, member=LI, reason="再次移出")

        assert_message(refused, "they were removed: readmit them first")
        assert recorded(g9) == before

    def test_a_temporarily_removed_member_cannot_be_temporarily_removed_again(self, g9):
        admit(g9)
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵", temporary=True,
                  at=days_ago(2))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵", temporary=True)

        assert_message(refused, "they were temporarily removed: readmit them first")
        assert recorded(g9) == before

    def test_a_removal_needs_a_reason(self, g9):
        admit(g9)
        before = recorded(g9)

        with pytest.raises(InvalidInput) as refused:
            g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="")

        assert_message(refused, "reason is empty: say it in words")
        assert recorded(g9) == before


class TestLeaving:
    def test_a_member_leaves_of_their_own_accord(self, g9):
        admit(g9)

        g9.leave(actor=LI, group=GROUP, member=LI, note="搬家了")

        left = g9.history(GROUP, LI)[-1]
        assert isinstance(left, MemberLeft)
        assert (left.actor, left.note) == (LI, "搬家了")
        assert g9.standing(GROUP, LI).status == "left"

    def test_an_admin_records_a_departure_after_a_personnel_change(self, g9):
        admit(g9)

        g9.leave(actor=ADMIN, group=GROUP, member=LI, note="人事变动")

        assert g9.history(GROUP, LI)[-1].actor == ADMIN
        assert g9.standing(GROUP, LI).status == "left"

    def test_another_member_may_not_record_someones_departure(self, g9):
        admit(g9)
        admit(g9, WANG, WANG_NICK)
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            g9.leave(actor=WANG, group=GROUP, member=LI)

        assert_not_permitted(refused, WANG, "record departures", "owner", "admin",
                             "the member who leaves")
        assert recorded(g9) == before

    def test_a_member_who_left_cannot_leave_again(self, g9):
        admit(g9)
        g9.leave(actor=LI, group=GROUP, member=LI, at=days_ago(1))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.leave(actor=LI, group=GROUP, member=LI)

        assert_message(refused, "they left the group: admit them again first")
        assert recorded(g9) == before

    def test_a_member_who_left_is_admitted_again_not_readmitted(self, g9):
        admit(g9)
        g9.leave(actor=LI, group=GROUP, member=LI, at=days_ago(5))
        before = recorded(g9)

        with pytest.raises(NotRemoved):
            g9.readmit(actor=ADMIN, group=GROUP, member=LI)
        assert recorded(g9) == before
        g9.admit(actor=ADMIN, group=GROUP, member=LI, nickname="g9#1001@李x明回来了",
                 invited_by=OWNER, at=days_ago(1))

        assert kinds(g9) == ["MemberAdmitted", "MemberLeft", "MemberAdmitted"]
        standing = g9.standing(GROUP, LI)
        assert (standing.status, standing.nickname) == ("active", "g9#1001@李x明回来了")


class TestRoles:
    def test_the_owner_grants_the_admin_role_and_the_new_admin_may_warn(self, g9):
        admit(g9)
        g9.grant_role(actor=OWNER, group=GROUP, member=WANG, role="admin")

        g9.warn(actor=WANG, group=GROUP, member=LI, category="ads", reason="发保健品广告")

        assert g9.group(GROUP).roles_of(WANG) == {"admin"}
        assert g9.history(GROUP, LI)[-1].actor == WANG

    def test_only_the_owner_grants_roles(self, g9):
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            g9.grant_role(actor=ADMIN, group=GROUP, member=WANG, role="admin")

        assert_not_permitted(refused, ADMIN, "grant roles", "only the owner (wx_owner)")
        assert recorded(g9) == before
        assert g9.group(GROUP).roles_of(WANG) == set()

    def test_only_the_owner_revokes_roles(self, g9):
        g9.grant_role(actor=OWNER, group=GROUP, member=WANG, role="admin")
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            g9.revoke_role(actor=ADMIN, group=GROUP, member=WANG, role="admin")

        assert_not_permitted(refused, ADMIN, "revoke roles", "only the owner (wx_owner)")
        assert recorded(g9) == before
        assert g9.group(GROUP).roles_of(WANG) == {"admin"}

    def test_a_revoked_admin_may_no_longer_warn(self, g9):
        admit(g9)
        g9.revoke_role(actor=OWNER, group=GROUP, member=ADMIN, role="admin")
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads")

        assert_not_permitted(refused, ADMIN, "warn members", "owner", "admin")
        assert recorded(g9) == before

    def test_a_second_owner_may_grant_roles(self, g9):
        g9.grant_role(actor=OWNER, group=GROUP, member=WANG, role="owner")

        g9.grant_role(actor=WANG, group=GROUP, member=STRANGER, role="secretary")

        assert g9.group(GROUP).roles_of(STRANGER) == {"secretary"}

    def test_a_role_already_held_cannot_be_granted_again(self, g9):
        before = recorded(g9)

        with pytest.raises(RoleConflict) as refused:
            g9.grant_role(actor=OWNER, group=GROUP, member=ADMIN, role="admin")

        assert_message(refused, "wx_admin already holds the role admin in g9",
                       "nothing to grant")
        assert recorded(g9) == before

    def test_a_role_not_held_cannot_be_revoked(self, g9):
        before = recorded(g9)

        with pytest.raises(RoleConflict) as refused:
            g9.revoke_role(actor=OWNER, group=GROUP, member=ADMIN, role="reviewer")

        assert_message(refused, "wx_admin does not hold the role reviewer in g9",
                       "holds: admin", "nothing to revoke")
        assert recorded(g9) == before

    def test_the_registered_owner_stays_owner(self, g9):
        before = recorded(g9)

        with pytest.raises(RoleConflict) as refused:
            g9.revoke_role(actor=OWNER, group=GROUP, member=OWNER, role="owner")

        assert_message(refused, "wx_owner registered g9 and stays its owner")
        assert recorded(g9) == before
        assert "owner" in g9.group(GROUP).roles_of(OWNER)

    def test_grants_and_revocations_are_recorded_with_who_and_when(self, g9):
        g9.grant_role(actor=OWNER, group=GROUP, member=WANG, role="reviewer", at=days_ago(3))

        g9.revoke_role(actor=OWNER, group=GROUP, member=WANG, role="reviewer", at=days_ago(1))

        events = list(g9.events.get(group_id(GROUP)))
        assert [type(e) for e in events] == [GroupRegistered, RoleGranted, RoleGranted,
                                             RoleRevoked]
        granted, revoked = events[-2:]
        assert (granted.actor, granted.member, granted.role, granted.occurred_at) == (
            OWNER, WANG, "reviewer", days_ago(3))
        assert (revoked.actor, revoked.member, revoked.role, revoked.occurred_at) == (
            OWNER, WANG, "reviewer", days_ago(1))

    @pytest.mark.parametrize("moderator", [OWNER, ADMIN])
    def test_the_owner_and_an_admin_may_each_do_every_moderators_command(self, g9, moderator):
        g9.admit(actor=moderator, group=GROUP, member=LI, nickname=LI_NICK, at=days_ago(9))
        g9.warn(actor=moderator, group=GROUP, member=LI, category="ads", at=days_ago(8))
        first = g9.raise_flag(actor=moderator, group=GROUP, member=LI, category="flooding",
                              at=days_ago(7))
        g9.confirm_flag(actor=moderator, group=GROUP, member=LI, flag_id=first, at=days_ago(6))
        second = g9.raise_flag(actor=moderator, group=GROUP, member=LI, category="rumor",
                               at=days_ago(5))
        g9.dismiss_flag(actor=moderator, group=GROUP, member=LI, flag_id=second,
                        reason="消息属实，不是谣言", at=days_ago(4))
        g9.remove(actor=moderator, group=GROUP, member=LI, reason="争吵", temporary=True,
                  at=days_ago(3))
        g9.readmit(actor=moderator, group=GROUP, member=LI, at=days_ago(2))
        g9.rename(actor=moderator, group=GROUP, member=LI, nickname="g9#1001@李", at=days_ago(1))

        g9.remove(actor=moderator, group=GROUP, member=LI, reason="三次违规")

        assert kinds(g9) == [
            "MemberAdmitted", "WarningIssued", "MessageFlagged", "FlagConfirmed",
            "WarningIssued", "MessageFlagged", "FlagDismissed", "MemberRemoved",
            "MemberReadmitted", "MemberRenamed", "MemberRemoved"]
        assert {event.actor for event in g9.history(GROUP, LI)} == {moderator}
        assert g9.standing(GROUP, LI).status == "removed"

    @pytest.mark.parametrize("command, doing", [
        (lambda g9, actor, fid: g9.admit(actor=actor, group=GROUP, member=STRANGER,
                                         nickname="g9#2001@赵"), "admit members"),
        (lambda g9, actor, fid: g9.warn(actor=actor, group=GROUP, member=LI,
                                        category="flooding"), "warn members"),
        (lambda g9, actor, fid: g9.remove(actor=actor, group=GROUP, member=LI,
                                          reason="刷屏"), "remove members"),
        (lambda g9, actor, fid: g9.readmit(actor=actor, group=GROUP, member=LI),
         "readmit members"),
        (lambda g9, actor, fid: g9.confirm_flag(actor=actor, group=GROUP, member=LI,
                                                flag_id=fid), "confirm flags"),
        (lambda g9, actor, fid: g9.dismiss_flag(actor=actor, group=GROUP, member=LI,
                                                flag_id=fid, reason="误报"), "dismiss flags"),
    ], ids=["admit", "warn", "remove", "readmit", "confirm", "dismiss"])
    @pytest.mark.parametrize("role", [None, "secretary", "reviewer"])
    def test_a_member_without_a_moderators_role_may_not_moderate(self, g9, command, doing,
                                                                 role):
        admit(g9)
        admit(g9, WANG, WANG_NICK)
        if role:
            g9.grant_role(actor=OWNER, group=GROUP, member=WANG, role=role)
        flag_id = flag(g9, actor=WANG)
        before = recorded(g9)

        with pytest.raises(NotPermitted) as refused:
            command(g9, WANG, flag_id)

        assert_not_permitted(refused, WANG, doing, "owner", "admin")
        assert recorded(g9) == before


class TestLateFacts:
    def test_a_late_fact_is_placed_where_it_happened_not_where_it_was_recorded(self, g9):
        admit(g9, at=days_ago(20))
        g9.rename(actor=LI, group=GROUP, member=LI, nickname="g9#1001@李", at=days_ago(5))

        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="flooding",
                reason="补记：上周刷屏 40 条", at=days_ago(10))

        history = g9.history(GROUP, LI)
        assert [type(e).__name__ for e in history] == ["MemberAdmitted", "WarningIssued",
                                                       "MemberRenamed"]
        assert [e.occurred_at for e in history] == [days_ago(20), days_ago(10), days_ago(5)]
        warning, renamed = history[1], history[2]
        assert warning.recorded_at > renamed.recorded_at
        assert warning.originator_version > renamed.originator_version

    def test_a_late_warning_before_a_removal_is_judged_at_its_own_time(self, g9):
        admit(g9, at=days_ago(20))
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="发赌博链接", at=days_ago(5))

        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads", at=days_ago(10))

        membership = g9.membership(GROUP, LI)
        assert membership.state_at(days_ago(7)).status == "warned"
        assert membership.state.status == "removed"
        assert membership.state.live_strikes == 1

    def test_a_late_warning_after_the_removal_is_refused(self, g9):
        admit(g9, at=days_ago(20))
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="发赌博链接", at=days_ago(5))
        before = recorded(g9)

        with pytest.raises(NotAMember) as refused:
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads", at=days_ago(3))

        assert_message(refused, "wx_li9 is not in g9 at 2026-11-22T20:00:00+08:00")
        assert recorded(g9) == before

    def test_a_back_dated_removal_before_a_recorded_warning_is_a_timeline_conflict(self, g9):
        admit(g9, at=days_ago(20))
        g9.warn(actor=ADMIN, group=GROUP, member=LI, category="flooding", at=days_ago(5))
        before = recorded(g9)

        with pytest.raises(TimelineConflict) as refused:
            g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵", temporary=True,
                      at=days_ago(10))

        assert_message(refused, "2026-11-15T20:00:00+08:00", "WarningIssued",
                       "2026-11-20T20:00:00+08:00", "already recorded", "later --at")
        assert recorded(g9) == before
        assert g9.standing(GROUP, LI).status == "warned"

    def test_a_back_dated_departure_before_a_recorded_rename_is_a_timeline_conflict(self, g9):
        admit(g9, at=days_ago(20))
        g9.rename(actor=LI, group=GROUP, member=LI, nickname="g9#1001@李", at=days_ago(2))
        before = recorded(g9)

        with pytest.raises(TimelineConflict) as refused:
            g9.leave(actor=LI, group=GROUP, member=LI, at=days_ago(4))

        assert_message(refused, "2026-11-21T20:00:00+08:00", "MemberRenamed", "2026-11-23T20:00:00+08:00", "later --at")
        assert recorded(g9) == before

    def test_a_back_dated_admission_before_the_first_one_is_a_timeline_conflict(self, g9):
        admit(g9, at=days_ago(20))
        before = recorded(g9)

        with pytest.raises(TimelineConflict) as refused:
            admit(g9, at=days_ago(25))

        assert_message(refused, "2026-10-31T20:00:00+08:00", "MemberAdmitted", "2026-11-05T20:00:00+08:00", "later --at")
        assert recorded(g9) == before

    def test_a_back_dated_dismissal_of_a_flag_confirmed_later_is_a_timeline_conflict(self, g9):
        admit(g9, at=days_ago(20))
        flag_id = flag(g9, actor=ADMIN, at=days_ago(10))
        g9.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id, at=days_ago(8))
        before = recorded(g9)

        with pytest.raises(TimelineConflict) as refused:
            g9.dismiss_flag(actor=OWNER, group=GROUP, member=LI, flag_id=flag_id,
                            reason="误报", at=days_ago(9))

        assert_message(refused, "2026-11-16T20:00:00+08:00", "FlagConfirmed", "2026-11-17T20:00:00+08:00", "later --at")
        assert recorded(g9) == before

    def test_a_late_fact_at_the_same_moment_as_a_recorded_one_goes_after_it(self, g9):
        admit(g9, at=days_ago(20))
        g9.remove(actor=ADMIN, group=GROUP, member=LI, reason="争吵", temporary=True,
                  at=days_ago(5))
        before = recorded(g9)

        with pytest.raises(NotAMember):
            g9.warn(actor=ADMIN, group=GROUP, member=LI, category="ads", at=days_ago(5))

        assert recorded(g9) == before


class TestWhatEveryEventCarries:
    def test_every_event_carries_actor_occurred_at_with_its_offset_and_recorded_at(
            self, g9, clock: Clock):
        recording_began = datetime.now(timezone.utc)
        g9.admit(actor=ADMIN, group=GROUP, member=LI, nickname=LI_NICK, at=days_ago(20))
        g9.warn(actor=OWNER, group=GROUP, member=LI, category="flooding", reason="刷屏 40 条",
                at=datetime(2026, 11, 20, 8, 0, tzinfo=EST))
        clock.advance(minutes=30)
        g9.rename(actor=LI, group=GROUP, member=LI, nickname="g9#1001@李明")
        recording_ended = datetime.now(timezone.utc)

        reopened = Ledger(g9.store, clock=clock)
        try:
            history = reopened.history(GROUP, LI)
        finally:
            reopened.close()

        assert [(type(e), e.actor) for e in history] == [
            (MemberAdmitted, ADMIN), (WarningIssued, OWNER), (MemberRenamed, LI)]
        assert [e.occurred_at for e in history] == [
            days_ago(20), datetime(2026, 11, 20, 8, 0, tzinfo=EST), NOW + timedelta(minutes=30)]
        assert [e.occurred_at.utcoffset() for e in history] == [
            timedelta(hours=8), timedelta(hours=-5), timedelta(hours=8)]
        assert [e.occurred_at.isoformat() for e in history] == [
            "2026-11-05T20:00:00+08:00", "2026-11-20T08:00:00-05:00",
            "2026-11-25T20:30:00+08:00"]
        for event in history:
            assert event.timestamp.tzinfo is not None
            assert recording_began <= event.recorded_at <= recording_ended
        assert history[0].recorded_at < history[1].recorded_at < history[2].recorded_at

    def test_the_group_events_carry_actor_and_occurred_at_too(self, g9):
        events = list(g9.events.get(group_id(GROUP)))

        assert [(type(e), e.actor, e.occurred_at) for e in events] == [
            (GroupRegistered, OWNER, days_ago(30)), (RoleGranted, OWNER, days_ago(30))]
        assert all(e.occurred_at.utcoffset() == timedelta(hours=8) for e in events)
        assert all(e.timestamp.tzinfo is not None for e in events)
