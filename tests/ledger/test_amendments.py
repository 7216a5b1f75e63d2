"""Amendments are never retroactive: a fact is judged by the rules in force when it
happened, whenever it is recorded (R2 第三条(八): "经业主之家代表……会议形成决议之后作为群规的补充，
具有等同效应"). And a rulebook file that does not validate is refused with the file, the
line and the key of what is wrong.

Through the application API on SQLite and PostgreSQL (the `ledger` fixture). The group
starts under rules A (a strike limit of 3, an ad weighs one strike) and is amended to
rules B (a limit of 2, an ad weighs two), in force from T. Every fact below is recorded
after the amendment, at the tests' NOW (2026-11-25 20:00 +08:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ledger.domain.aggregates import group_id
from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotPermitted, RuleBroken, RulebookError
from ledger.domain.events import MessageFlagged, RulebookAmended, WarningIssued
from ledger.domain.rulebook import load
from tests.conftest import Clock, CST, NOW

GROUP = "g9"
OWNER = "owner1"
ADMIN = "admin1"
LI = "wx_li"
WANG = "wx_wang"

REGISTERED = datetime(2026, 11, 1, 9, 0, tzinfo=CST)
ADOPTED = datetime(2026, 11, 5, 20, 0, tzinfo=CST)  # when the resolution was recorded
T = datetime(2026, 11, 10, 0, 0, tzinfo=CST)  # when B comes into force
RESOLUTION = "业主之家代表会议决议 2026-11 号"

RULES_A = """\
name = "estate-a"
title = "群规 A"

[strikes]
limit = 3
on_limit = "removal_due"
rule = "A: 三次违反规定移出群聊"

[categories.ads]
zh = "广告"
en = "advertising"
weight = 1
rule = "A: 广告记一次"

[categories.flooding]
zh = "刷屏"
en = "flooding"
rule = "A: 不得刷屏"
"""

RULES_B = """\
name = "estate-b"
title = "群规 B"

[strikes]
limit = 2
on_limit = "removal_due"
rule = "B: 两次违反规定移出群聊"

[categories.ads]
zh = "广告"
en = "advertising"
weight = 2
rule = "B: 广告记两次"

[categories.flooding]
zh = "刷屏"
en = "flooding"
rule = "B: 不得刷屏"
"""


NICKNAME_RULE = """
[nickname]
pattern = '^g[0-9]+#[0-9]+(@.+)?$'
description = "楼号#房号@昵称"

[categories.nickname]
zh = "昵称不规范"
en = "nickname"
"""


def recorded(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def warnings(ledger: Ledger, member: str) -> list[WarningIssued]:
    return [e for e in ledger.history(GROUP, member) if isinstance(e, WarningIssued)]


def judged(warning: WarningIssued) -> tuple[object, ...]:
    """What a warning was judged by: rulebook, version, weight, limit, rule text."""
    return (warning.rulebook, warning.rulebook_version, warning.weight, warning.strike_limit,
            warning.rule_text)


A_ADS = ("estate-a", 1, 1, 3, "A: 广告记一次")
B_ADS = ("estate-b", 2, 2, 2, "B: 广告记两次")


@pytest.fixture
def books(tmp_path: Path) -> tuple[str, str]:
    a, b = tmp_path / "rules-a.toml", tmp_path / "rules-b.toml"
    a.write_text(RULES_A, encoding="utf-8")
    b.write_text(RULES_B, encoding="utf-8")
    return str(a), str(b)


@pytest.fixture
def registered(ledger: Ledger, books: tuple[str, str]) -> Ledger:
    """g9 under rules A from REGISTERED, an admin, and two members; not amended yet."""
    ledger.register_group(actor=OWNER, group=GROUP, name="加侨业委会9栋业主群", owner=OWNER,
                          rulebook=books[0], at=REGISTERED)
    ledger.grant_role(actor=OWNER, group=GROUP, member=ADMIN, role="admin", at=REGISTERED)
    for member in (LI, WANG):
        ledger.admit(actor=ADMIN, group=GROUP, member=member, nickname=member,
                     at=REGISTERED + timedelta(hours=1))
    return ledger


def amend_at_adoption(ledger: Ledger, clock: Clock, rulebook: str) -> int:
    """Record the amendment when the resolution was adopted (ADOPTED, before T), as an
    amendment may only take effect from the moment it is recorded; then back to now.
    """
    clock.moment = ADOPTED
    version = ledger.amend_rules(actor=OWNER, group=GROUP, rulebook=rulebook,
                                 resolution=RESOLUTION, effective=T, at=ADOPTED)
    clock.moment = NOW
    return version


@pytest.fixture
def amended(registered: Ledger, books: tuple[str, str], clock: Clock) -> Ledger:
    """The same group, amended to rules B in force from T (recorded at ADOPTED)."""
    assert amend_at_adoption(registered, clock, books[1]) == 2
    return registered


class TestRulesAsOf:
    def test_each_moment_is_answered_with_the_version_in_force_then(
            self, amended: Ledger, books: tuple[str, str]) -> None:
        answers = {moment: amended.rules(GROUP, as_of=moment)
                   for moment in (REGISTERED, ADOPTED, T - timedelta(seconds=1), T, NOW)}

        assert {m: (v.version, v.rulebook.name, v.rulebook.strikes.limit, v.effective_at,
                    v.resolution, v.source) for m, v in answers.items()} == {
            REGISTERED: (1, "estate-a", 3, REGISTERED, None, books[0]),
            # Recorded on 5 November, in force only from T: not yet.
            ADOPTED: (1, "estate-a", 3, REGISTERED, None, books[0]),
            T - timedelta(seconds=1): (1, "estate-a", 3, REGISTERED, None, books[0]),
            T: (2, "estate-b", 2, T, RESOLUTION, books[1]),
            NOW: (2, "estate-b", 2, T, RESOLUTION, books[1]),
        }
        assert amended.rules(GROUP).version == 2  # now, by default

    def test_the_amendment_is_recorded_with_its_resolution_and_date(self, amended: Ledger) -> None:
        stored = [e for e in amended.events.get(group_id(GROUP))
                  if isinstance(e, RulebookAmended)]

        assert [(e.version, e.rulebook["name"], e.resolution, e.effective_at, e.occurred_at,
                 e.actor) for e in stored] == [
            (2, "estate-b", RESOLUTION, T, ADOPTED, OWNER)]

    def test_before_the_group_existed_there_are_no_rules(self, amended: Ledger) -> None:
        with pytest.raises(RuleBroken) as refused:
            amended.rules(GROUP, as_of=REGISTERED - timedelta(days=1))

        assert str(refused.value) == (
            "g9 was registered at 2026-11-01T09:00:00+08:00: no fact of it can happen at "
            "2026-10-31T09:00:00+08:00")

    def test_an_amendment_in_force_later_leaves_the_rules_of_today(
            self, amended: Ledger, books: tuple[str, str]) -> None:
        later = NOW + timedelta(days=36)
        assert amended.amend_rules(actor=OWNER, group=GROUP, rulebook=books[0],
                                   resolution="2027 年恢复旧规", effective=later) == 3

        assert amended.rules(GROUP).version == 2
        assert (amended.rules(GROUP, as_of=later).version,
                amended.rules(GROUP, as_of=later).rulebook.name) == (3, "estate-a")


class TestNonRetroactivity:
    def test_a_warning_before_T_recorded_after_the_amendment_keeps_rules_A(
            self, amended: Ledger) -> None:
        for days in (2, 1):
            amended.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                         reason="小广告", at=T - timedelta(days=days))

        assert [judged(w) for w in warnings(amended, LI)] == [A_ADS, A_ADS]
        # Two strikes of weight 1 under A's limit of 3 (under B they would be 4 of 2).
        state = amended.standing(GROUP, LI)
        assert (state.live_strikes, state.strike_limit, state.status) == (2, 3, "warned")

    def test_a_warning_after_T_is_judged_by_rules_B(self, amended: Ledger) -> None:
        amended.warn(actor=ADMIN, group=GROUP, member=WANG, category="ads",
                     at=T + timedelta(days=1))

        assert [judged(w) for w in warnings(amended, WANG)] == [B_ADS]
        state = amended.standing(GROUP, WANG)
        assert (state.live_strikes, state.strike_limit, state.status) == (2, 2, "removal_due")

    def test_a_late_fact_lands_before_the_amendment_even_after_a_later_one(
            self, amended: Ledger) -> None:
        amended.warn(actor=ADMIN, group=GROUP, member=LI, category="flooding",
                     at=T + timedelta(days=1))
        amended.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                     at=T - timedelta(days=1))  # recorded last, happened first

        events = warnings(amended, LI)  # in the order they happened
        assert [(w.category, w.rulebook_version, w.weight, w.strike_limit) for w in events] == [
            ("ads", 1, 1, 3), ("flooding", 2, 1, 2)]
        before = amended.standing(GROUP, LI, as_of=T - timedelta(hours=1))
        assert (before.live_strikes, before.strike_limit, before.status) == (1, 3, "warned")
        # The second strike came under B, whose limit is 2.
        after = amended.standing(GROUP, LI)
        assert (after.live_strikes, after.strike_limit, after.status) == (2, 2, "removal_due")

    def test_a_message_posted_before_T_and_confirmed_after_T_is_judged_by_rules_A(
            self, amended: Ledger) -> None:
        flag_id = amended.raise_flag(actor=WANG, group=GROUP, member=LI, category="ads",
                                     message="m-1", message_at=T - timedelta(hours=1),
                                     at=T + timedelta(hours=1))
        warning_id = amended.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id,
                                          at=T + timedelta(hours=2))

        flagged = [e for e in amended.history(GROUP, LI) if isinstance(e, MessageFlagged)]
        assert [(f.flag_id, f.rulebook, f.rulebook_version) for f in flagged] == [
            (flag_id, "estate-a", 1)]
        [warning] = warnings(amended, LI)
        assert (warning.sanction_id, warning.flag_id, warning.occurred_at) == (
            warning_id, flag_id, T + timedelta(hours=2))
        assert judged(warning) == A_ADS

    def test_a_message_posted_after_T_is_judged_by_rules_B(self, amended: Ledger) -> None:
        flag_id = amended.raise_flag(actor=WANG, group=GROUP, member=LI, category="ads",
                                     message_at=T + timedelta(minutes=30),
                                     at=T + timedelta(hours=1))
        amended.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id,
                             at=T + timedelta(hours=2))

        assert [judged(w) for w in warnings(amended, LI)] == [B_ADS]

    def test_a_flag_raised_before_T_without_the_message_time_is_judged_by_rules_A(
            self, amended: Ledger) -> None:
        flag_id = amended.raise_flag(actor=WANG, group=GROUP, member=LI, category="ads",
                                     at=T - timedelta(hours=1))
        amended.confirm_flag(actor=ADMIN, group=GROUP, member=LI, flag_id=flag_id,
                             at=T + timedelta(days=3))

        assert [judged(w) for w in warnings(amended, LI)] == [A_ADS]


    def test_a_nickname_pattern_added_by_an_amendment_applies_from_T(
            self, registered: Ledger, tmp_path: Path, clock: Clock) -> None:
        named = tmp_path / "rules-named.toml"
        named.write_text(RULES_B + NICKNAME_RULE, encoding="utf-8")
        amend_at_adoption(registered, clock, str(named))

        # Before T there was no pattern: nothing to judge, nothing to remind.
        assert registered.standing(GROUP, LI, as_of=T - timedelta(hours=1)).nickname_ok is None
        assert registered.remind(actor=ADMIN, group=GROUP, member=LI,
                                 at=T + timedelta(days=1)) == 1
        assert registered.standing(GROUP, LI).nickname_ok is False


class TestAmending:
    def test_an_amendment_in_force_before_the_latest_version_is_refused(
            self, amended: Ledger, books: tuple[str, str], clock: Clock) -> None:
        clock.moment = ADOPTED + timedelta(hours=1)  # recorded before version 2 took effect
        before = recorded(amended)

        with pytest.raises(RuleBroken) as refused:
            amended.amend_rules(actor=OWNER, group=GROUP, rulebook=books[0],
                                resolution="追溯决议", effective=T - timedelta(minutes=1))

        assert str(refused.value) == (
            "version 2 of g9's rules is in force from 2026-11-10T00:00:00+08:00: an amendment "
            "takes effect after it, never before (give a later --effective)")
        assert recorded(amended) == before
        assert len(amended.group(GROUP).versions) == 2

    def test_an_amendment_in_force_before_the_group_existed_is_refused(
            self, registered: Ledger, books: tuple[str, str]) -> None:
        with pytest.raises(RuleBroken) as refused:
            registered.amend_rules(actor=OWNER, group=GROUP, rulebook=books[1],
                                   resolution=RESOLUTION,
                                   effective=REGISTERED - timedelta(days=1))

        assert str(refused.value) == (
            "an amendment of g9's rules cannot take effect at 2026-10-31T09:00:00+08:00, "
            "before the group was registered (2026-11-01T09:00:00+08:00): give a later "
            "--effective")
        assert registered.rules(GROUP, as_of=NOW).version == 1

    def test_an_amendment_cannot_reach_back_before_it_is_recorded(
            self, amended: Ledger, books: tuple[str, str]) -> None:
        """A warning judged by version 2 stays judged by it: no later amendment may take
        effect before the moment it is recorded.
        """
        amended.warn(actor=ADMIN, group=GROUP, member=LI, category="ads",
                     at=NOW - timedelta(days=1))
        before = recorded(amended)

        with pytest.raises(RuleBroken) as refused:
            amended.amend_rules(actor=OWNER, group=GROUP, rulebook=books[0],
                                resolution="追溯决议", effective=NOW - timedelta(days=2))

        assert "before it is recorded" in str(refused.value)
        assert recorded(amended) == before
        assert amended.rules(GROUP, as_of=NOW - timedelta(days=1)).version == 2

    @pytest.mark.parametrize("actor", [ADMIN, LI, "stranger"])
    def test_only_the_owner_may_amend(self, registered: Ledger, books: tuple[str, str],
                                      actor: str) -> None:
        before = recorded(registered)

        with pytest.raises(NotPermitted) as refused:
            registered.amend_rules(actor=actor, group=GROUP, rulebook=books[1],
                                   resolution=RESOLUTION, effective=T)

        assert str(refused.value) == (
            f"{actor} may not amend the rules in g9: only the owner (owner1) may")
        assert recorded(registered) == before
        assert registered.rules(GROUP, as_of=NOW).rulebook.name == "estate-a"

    def test_without_an_effective_date_it_is_in_force_from_when_it_happened(
            self, amended: Ledger, books: tuple[str, str], clock: Clock) -> None:
        when = T + timedelta(days=5)
        clock.moment = when  # recorded when it happened
        assert amended.amend_rules(actor=OWNER, group=GROUP, rulebook=books[0],
                                   resolution="恢复旧规", at=when) == 3

        assert amended.rules(GROUP, as_of=when - timedelta(seconds=1)).version == 2
        assert (amended.rules(GROUP, as_of=when).version,
                amended.rules(GROUP, as_of=when).effective_at) == (3, when)

    def test_an_amendment_needs_a_resolution(self, registered: Ledger,
                                             books: tuple[str, str]) -> None:
        with pytest.raises(InvalidInput) as refused:
            registered.amend_rules(actor=OWNER, group=GROUP, rulebook=books[1],
                                   resolution="  ", effective=T)

        assert str(refused.value) == "resolution is empty: say it in words"
        assert len(registered.group(GROUP).versions) == 1

    def test_an_effective_date_without_an_offset_is_read_in_the_ledgers_default_zone(
            self, registered: Ledger, books: tuple[str, str]) -> None:
        # Rules A name no time zone, so the ledger's default (UTC unless LEDGER_TZ) reads it.
        version = registered.amend_rules(actor=OWNER, group=GROUP, rulebook=books[1],
                                         resolution=RESOLUTION,
                                         effective=datetime(2026, 11, 26, 0, 0))

        effective = registered.group(GROUP).versions[version - 1].effective_at
        assert effective.isoformat() == "2026-11-26T00:00:00+00:00"


# Rulebook files ------------------------------------------------------------------------

# Line numbers matter below: each broken file replaces one line of this one.
VALID = """\
name = "checked"
title = "A rulebook to break"

[strikes]
limit = 3

[nickname]
pattern = '^g[0-9]+#[0-9]+$'
description = "楼号#房号, e.g. g9#1001"
examples = ["g9#1001", "g10#502"]

[posting]
category = "off_hours"

[[posting.windows]]
start = "00:00"
end = "07:30"

[[posting.windows]]
days = ["thu"]
start = "21:00"
end = "22:30"

[categories.nickname]
zh = "昵称不规范"
en = "nickname"

[categories.ads]
zh = "广告"
en = "advertising"
weight = 1

[categories.off_hours]
zh = "非发言时段"
en = "off hours"
"""


def write(tmp_path: Path, line: int | None = None, text: str = "") -> str:
    """The valid rulebook, with line `line` (1-based) replaced by `text`; its path."""
    lines = VALID.splitlines()
    if line is not None:
        lines[line - 1] = text
    path = tmp_path / "broken.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def refusal(path: str) -> str:
    with pytest.raises(RulebookError) as refused:
        load(path)
    return str(refused.value)


class TestRulebookFileErrors:
    def test_the_file_as_written_is_valid(self, tmp_path: Path) -> None:
        book, source = load(write(tmp_path))

        assert (book.name, source, list(book.categories), len(book.posting.windows)) == (
            "checked", str(tmp_path / "broken.toml"), ["nickname", "ads", "off_hours"], 2)

    def test_the_groups_zone_is_the_timezone_key_else_the_posting_windows_zone(
            self, tmp_path: Path) -> None:
        without = load(write(tmp_path))[0]
        berlin = load(write(tmp_path, 3, 'timezone = "Europe/Berlin"'))[0]

        assert (str(without.zone), str(berlin.zone)) == ("Asia/Shanghai", "Europe/Berlin")
        assert "timezone" not in without.document() and berlin.document()["timezone"] == (
            "Europe/Berlin")

    def test_an_unknown_time_zone_names_its_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, 3, 'timezone = "Mars/Olympus"')

        assert refusal(path) == (f"{path}:3: timezone: unknown time zone 'Mars/Olympus': use an "
                                 "IANA name such as Asia/Shanghai")

    def test_a_misspelt_key_names_its_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, 5, "limt = 3")

        assert refusal(path) == (f"{path}:5: strikes.limt: is not a rulebook key: check its "
                                 "spelling (see builtin:default)")

    def test_a_misspelt_key_in_a_category_names_its_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, 31, "wieght = 1")

        assert refusal(path) == (f"{path}:31: categories.ads.wieght: is not a rulebook key: "
                                 "check its spelling (see builtin:default)")

    def test_a_pattern_that_is_not_a_regular_expression_names_its_line(
            self, tmp_path: Path) -> None:
        path = write(tmp_path, 8, "pattern = '^g([0-9]+#[0-9]+$'")

        assert refusal(path) == (
            f"{path}:8: nickname.pattern: pattern '^g([0-9]+#[0-9]+$' is not a regular "
            "expression: missing ), unterminated subpattern at position 2")

    def test_an_example_that_does_not_match_its_pattern_is_refused(self, tmp_path: Path) -> None:
        path = write(tmp_path, 10, 'examples = ["g9#1001", "g10-502"]')

        message = refusal(path)

        assert message.startswith(f"{path}:")
        assert message.endswith("example 'g10-502' does not match the pattern "
                                "'^g[0-9]+#[0-9]+$'")

    def test_an_example_that_does_not_match_names_the_examples_line(
            self, tmp_path: Path) -> None:
        path = write(tmp_path, 10, 'examples = ["g9#1001", "g10-502"]')

        assert refusal(path) == (f"{path}:10: nickname.examples: example 'g10-502' does not "
                                 "match the pattern '^g[0-9]+#[0-9]+$'")

    def test_a_posting_category_not_among_the_categories_is_refused(
            self, tmp_path: Path) -> None:
        path = write(tmp_path, 13, 'category = "late"')

        message = refusal(path)

        assert message.startswith(path)
        assert message.endswith("posting.category: 'late' is not one of the rulebook's "
                                "categories (nickname, ads, off_hours)")

    def test_a_posting_category_not_among_the_categories_names_its_line(
            self, tmp_path: Path) -> None:
        path = write(tmp_path, 13, 'category = "late"')

        assert refusal(path) == (f"{path}:13: posting.category: 'late' is not one of the "
                                 "rulebook's categories (nickname, ads, off_hours)")

    def test_an_error_in_the_second_window_names_that_windows_line(
            self, tmp_path: Path) -> None:
        path = write(tmp_path, 21, 'start = "25:00"')

        assert refusal(path) == (f"{path}:21: posting.windows.1.start: '25:00' is not a time "
                                 "of day such as 07:30")
