"""Point-in-time queries against hand-written histories, on SQLite and PostgreSQL.

--as-of answers from the facts that had happened by then (occurred-at ≤ TIME), --known-at
from what had been recorded by then (recorded-at ≤ TIME); both work together. The clock is
moved by hand and recorded-at follows it (`recording_clock`), so that a fact recorded late
is late by days, not microseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger.domain.aggregates import membership_id
from ledger.application import Ledger
from ledger.domain.errors import NotFound
from ledger.domain.rulebook import load
from projections import activity, cases, disputes, dossier, standings, strikes, tasks
from tests.conftest import Clock

CST = timezone(timedelta(hours=8))
BASE = datetime(2026, 11, 1, 9, 0, tzinfo=CST)

BOOK = """
name = "pit"
title = "时点测试群规"

[strikes]
limit = 3
on_limit = "removal_due"
{expiry}
rule = "三次违反规定移出群聊"

[categories.flooding]
zh = "刷屏"
en = "flooding"
rule = "不得刷屏，连续发言不超过 5 条"

[categories.ads]
zh = "广告"
en = "advertising"
rule = "不得发布与本群无关的广告"

[categories.risky_link]
zh = "风险链接"
en = "risky link"

[categories.late_response]
zh = "未按时回复"
en = "late response"
"""


def day(n: float, hours: float = 0) -> datetime:
    return BASE + timedelta(days=n, hours=hours)


def shown(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@pytest.fixture
def book(tmp_path: Path) -> str:
    """Strikes that never expire."""
    path = tmp_path / "pit.toml"
    path.write_text(BOOK.format(expiry=""), encoding="utf-8")
    return str(path)


@pytest.fixture
def expiring_book(tmp_path: Path) -> str:
    """Strikes that expire three days after they happened."""
    path = tmp_path / "pit-expiring.toml"
    path.write_text(BOOK.format(expiry="expire_after_days = 3"), encoding="utf-8")
    return str(path)


def start(ledger: Ledger, clock: Clock, rulebook: str, *members: str,
          group: str = "g9") -> None:
    """On day 0: the group, its admin, and the members admitted."""
    clock.moment = day(0)
    ledger.register_group(actor="owner1", group=group, name="加侨业委会9栋业主群",
                          owner="owner1", rulebook=rulebook)
    ledger.grant_role(actor="owner1", group=group, member="admin1", role="admin")
    for member in members:
        ledger.admit(actor="admin1", group=group, member=member, nickname=f"{member} 昵称")


def standing(status: str, strikes_: int, since: datetime, member: str = "wx_li",
             group: str = "g9") -> dict[str, Any]:
    return {"group": group, "member": member, "nickname": f"{member} 昵称", "status": status,
            "strikes": strikes_, "since": shown(since), "nickname_ok": None, "reminders": 0,
            "review_due": False}


# The admin warned wx_li on days 2 and 3 and removed her on day 4; on day 6 a warning
# that happened on day 1 is recorded.


class LateWarning:
    def __init__(self, ledger: Ledger, clock: Clock, rulebook: str) -> None:
        start(ledger, clock, rulebook, "wx_li", "wx_wang")
        clock.moment = day(2)
        self.w1 = ledger.warn(actor="admin1", group="g9", member="wx_li", category="flooding",
                              reason="刷屏 40 条")
        clock.moment = day(3)
        self.w2 = ledger.warn(actor="admin1", group="g9", member="wx_li", category="ads",
                              reason="发广告")
        clock.moment = day(4)
        self.removal = ledger.remove(actor="admin1", group="g9", member="wx_li",
                                     reason="屡次违规")
        clock.moment = day(6)
        self.w0 = ledger.warn(actor="admin1", group="g9", member="wx_li",
                              category="risky_link", reason="补记", at=day(1))
        clock.moment = day(7)


@pytest.fixture
def late(ledger: Ledger, recording_clock: Clock, book: str) -> LateWarning:
    return LateWarning(ledger, recording_clock, book)


def li(ledger: Ledger, **when: Any) -> list[dict[str, Any]]:
    return standings.query(ledger, group="g9", member="wx_li", **when)


class TestLateWarningStandings:
    def test_now_the_late_warning_counts_where_it_happened(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        assert li(ledger) == [standing("removed", 3, day(4))]

    def test_as_of_the_removal_the_facts_that_had_happened_include_it(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        assert li(ledger, as_of=day(4, 1)) == [standing("removed", 3, day(4))]
        assert li(ledger, as_of=day(3, 1)) == [standing("removal_due", 3, day(3))]

    def test_known_at_the_removal_the_admin_did_not_know_of_it(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        assert li(ledger, known_at=day(4, 1)) == [standing("removed", 2, day(4))]
        assert li(ledger, known_at=day(3, 1)) == [standing("warned", 2, day(2))]

    def test_both_together(self, ledger: Ledger, late: LateWarning) -> None:
        # What the admin could know on day 4 about day 3: two strikes, not three.
        assert li(ledger, as_of=day(3, 1), known_at=day(4, 1)) == [
            standing("warned", 2, day(2))]
        assert li(ledger, as_of=day(3, 1), known_at=day(6)) == [
            standing("removal_due", 3, day(3))]
        assert li(ledger, as_of=day(1, 1), known_at=day(5)) == [standing("active", 0, day(0))]

    def test_before_admission_or_before_anything_was_recorded_there_is_no_row(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        assert li(ledger, as_of=day(-1)) == []
        assert standings.query(ledger, known_at=day(-1)) == []

    def test_the_other_member_is_untouched(self, ledger: Ledger, late: LateWarning) -> None:
        assert standings.query(ledger, member="wx_wang", as_of=day(4, 1),
                               known_at=day(4, 1)) == [
            standing("active", 0, day(0), member="wx_wang")]


class TestLateWarningStrikes:
    def cases(self, ledger: Ledger, **when: Any) -> list[tuple[str, str]]:
        return [(row["case"], row["state"])
                for row in strikes.query(ledger, member="wx_li", **when)]

    def test_as_of_known_at_and_both(self, ledger: Ledger, late: LateWarning) -> None:
        w0, w1, w2 = late.w0, late.w1, late.w2
        assert self.cases(ledger) == [(w0, "live"), (w1, "live"), (w2, "live")]
        assert self.cases(ledger, as_of=day(4, 1)) == [(w0, "live"), (w1, "live"),
                                                       (w2, "live")]
        assert self.cases(ledger, known_at=day(4, 1)) == [(w1, "live"), (w2, "live")]
        assert self.cases(ledger, as_of=day(2, 1), known_at=day(4, 1)) == [(w1, "live")]
        assert self.cases(ledger, as_of=day(2, 1)) == [(w0, "live"), (w1, "live")]
        assert self.cases(ledger, as_of=day(0, 1)) == []

    def test_the_late_strike_carries_all_it_was_judged_by(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        rows = strikes.query(ledger, member="wx_li", as_of=day(1, 1))

        assert rows == [{
            "case": late.w0, "group": "g9", "member": "wx_li", "category": "risky_link",
            "label": "风险链接", "weight": 1, "occurred_at": "2026-11-02T09:00:00+08:00",
            "rule": "pit v1", "state": "live", "expires_at": None, "issued_by": "admin1",
            "reason": "补记", "rule_text": "三次违反规定移出群聊"}]


class TestLateWarningDossier:
    def test_known_at_the_removal_the_file_lacks_the_late_warning(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        file = dossier.dossier(ledger, "wx_li", known_at=day(4, 1))

        assert [{k: s[k] for k in ("group", "status", "strikes", "since")}
                for s in file["standings"]] == [
            {"group": "g9", "status": "removed", "strikes": 2, "since": shown(day(4))}]
        assert [(e["event"], e["occurred_at"], e["recorded_at"]) for e in file["events"]] == [
            ("MemberAdmitted", shown(day(0)), shown(day(0))),
            ("WarningIssued", shown(day(2)), shown(day(2))),
            ("WarningIssued", shown(day(3)), shown(day(3))),
            ("MemberRemoved", shown(day(4)), shown(day(4))),
        ]

    def test_as_of_the_removal_the_file_has_it_with_its_late_recording(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        file = dossier.dossier(ledger, "wx_li", as_of=day(4, 1))

        assert [(e["event"], e["occurred_at"], e["recorded_at"], e["actor"])
                for e in file["events"]] == [
            ("MemberAdmitted", shown(day(0)), shown(day(0)), "admin1"),
            ("WarningIssued", shown(day(1)), shown(day(6)), "admin1"),
            ("WarningIssued", shown(day(2)), shown(day(2)), "admin1"),
            ("WarningIssued", shown(day(3)), shown(day(3)), "admin1"),
            ("MemberRemoved", shown(day(4)), shown(day(4)), "admin1"),
        ]
        assert [(s["status"], s["strikes"]) for s in file["standings"]] == [("removed", 3)]

    def test_both_together(self, ledger: Ledger, late: LateWarning) -> None:
        file = dossier.dossier(ledger, "wx_li", as_of=day(3, 1), known_at=day(4, 1))

        assert [e["event"] for e in file["events"]] == [
            "MemberAdmitted", "WarningIssued", "WarningIssued"]
        assert [(s["status"], s["strikes"]) for s in file["standings"]] == [("warned", 2)]
        assert [e["event"] for e in file["standings"][0]["explanation"]] == [
            "WarningIssued", "WarningIssued"]

    def test_the_rule_text_of_each_warning_is_its_categorys_rule(
        self, ledger: Ledger, late: LateWarning, book: str
    ) -> None:
        rulebook, _ = load(book)

        file = dossier.dossier(ledger, "wx_li")

        cited = [(e["facts"]["category"], e["rule_text"]) for e in file["events"]
                 if e["event"] == "WarningIssued"]
        assert cited == [
            ("risky_link", rulebook.strikes.rule),  # the category has no rule of its own
            ("flooding", rulebook.categories["flooding"].rule),
            ("ads", rulebook.categories["ads"].rule),
        ]
        assert cited[1][1] == "不得刷屏，连续发言不超过 5 条"
        assert [e["rule_text"] for e in file["events"] if e["event"] != "WarningIssued"] == [
            None, None]


class TestLateWarningOtherViews:
    def test_disputes(self, ledger: Ledger, late: LateWarning) -> None:
        removal = [{"group": "g9", "member": "wx_li", "kind": "removal",
                    "occurred_at": shown(day(4)), "actor": "admin1", "case": late.removal,
                    "note": "屡次违规"}]

        assert disputes.query(ledger, member="wx_li", known_at=day(3, 1)) == []
        assert disputes.query(ledger, member="wx_li", as_of=day(3, 1)) == []
        assert disputes.query(ledger, member="wx_li", known_at=day(4, 1)) == removal
        assert disputes.query(ledger, member="wx_li") == removal

    def test_activity_counts_what_had_been_recorded(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        def admin1(**when: Any) -> tuple[int, int, int]:
            [row] = activity.query(ledger, actor="admin1", **when)
            return row["admissions"], row["warnings"], row["removals"]

        assert admin1() == (2, 3, 1)
        assert admin1(known_at=day(5)) == (2, 2, 1)
        assert admin1(as_of=day(1, 1)) == (2, 1, 0)
        assert admin1(as_of=day(1, 1), known_at=day(5)) == (2, 0, 0)


# An admission that happened on day 1 is recorded on day 5; a flag's confirmation and a
# task's acknowledgement are recorded days after they happened.


class LateRecords:
    def __init__(self, ledger: Ledger, clock: Clock, rulebook: str) -> None:
        start(ledger, clock, rulebook, "wx_wang")
        clock.moment = day(2)
        self.flag = ledger.raise_flag(actor="admin1", group="g9", member="wx_wang",
                                      category="ads", message="m-1")
        self.task = ledger.assign_task(actor="admin1", group="g9", member="wx_wang",
                                       summary="转发公告", deadline_minutes=30)
        clock.moment = day(5)
        ledger.admit(actor="admin1", group="g9", member="wx_zhou", nickname="wx_zhou 昵称",
                     at=day(1))
        clock.moment = day(6)
        self.warning = ledger.confirm_flag(actor="admin1", group="g9", member="wx_wang",
                                           flag_id=self.flag, at=day(3))
        ledger.acknowledge_task(actor="wx_wang", group="g9", member="wx_wang",
                                task_id=self.task, at=day(2) + timedelta(minutes=10))
        clock.moment = day(7)


@pytest.fixture
def records(ledger: Ledger, recording_clock: Clock, book: str) -> LateRecords:
    return LateRecords(ledger, recording_clock, book)


class TestLateAdmission:
    def zhou(self, ledger: Ledger, **when: Any) -> list[dict[str, Any]]:
        return standings.query(ledger, member="wx_zhou", **when)

    def test_the_membership_appears_only_once_recorded(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        row = standing("active", 0, day(1), member="wx_zhou")

        assert self.zhou(ledger, known_at=day(3)) == []
        assert self.zhou(ledger, known_at=day(5) - timedelta(seconds=1)) == []
        assert self.zhou(ledger, known_at=day(5)) == [row]
        assert self.zhou(ledger) == [row]

    def test_as_of_a_day_it_had_happened_it_is_there_unless_not_yet_known(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        row = standing("active", 0, day(1), member="wx_zhou")

        assert self.zhou(ledger, as_of=day(2)) == [row]
        assert self.zhou(ledger, as_of=day(0, 12)) == []
        assert self.zhou(ledger, as_of=day(2), known_at=day(4)) == []
        assert self.zhou(ledger, as_of=day(2), known_at=day(5)) == [row]

    def test_the_dossier_holds_nothing_before_it_was_recorded(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        with pytest.raises(NotFound) as before:
            dossier.dossier(ledger, "wx_zhou", known_at=day(3))
        after = dossier.dossier(ledger, "wx_zhou", known_at=day(5))

        assert "nothing about wx_zhou had happened and been recorded by then" in str(
            before.value)
        assert [(e["event"], e["occurred_at"], e["recorded_at"]) for e in after["events"]] == [
            ("MemberAdmitted", shown(day(1)), shown(day(5)))]
        assert [s["status"] for s in after["standings"]] == ["active"]

    def test_activity_counts_the_admission_once_recorded(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        def admissions(**when: Any) -> int:
            return sum(r["admissions"] for r in activity.query(ledger, actor="admin1", **when))

        assert admissions(known_at=day(3)) == 1
        assert admissions(known_at=day(5)) == 2
        assert admissions(as_of=day(1, 1)) == 2
        assert admissions(as_of=day(1, 1), known_at=day(4)) == 1


class TestLateDecisions:
    def test_a_flag_confirmed_late_is_open_in_what_was_known(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        def state(**when: Any) -> list[str]:
            return [r["state"] for r in cases.flags(ledger, member="wx_wang", **when)]

        assert state() == ["confirmed"]
        assert state(known_at=day(4)) == ["open"]
        assert state(as_of=day(4)) == ["confirmed"]
        assert state(as_of=day(2, 12)) == ["open"]
        assert state(as_of=day(4), known_at=day(5)) == ["open"]
        assert state(as_of=day(1)) == []

    def test_the_strike_it_earned_exists_only_once_recorded(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        assert [r["case"] for r in strikes.query(ledger, member="wx_wang")] == [
            records.warning]
        assert strikes.query(ledger, member="wx_wang", known_at=day(5)) == []
        assert standings.query(ledger, member="wx_wang", known_at=day(5)) == [
            standing("active", 0, day(0), member="wx_wang")]
        assert standings.query(ledger, member="wx_wang", as_of=day(4)) == [
            standing("warned", 1, day(3), member="wx_wang")]

    def test_a_task_acknowledged_in_time_but_recorded_late(
        self, ledger: Ledger, records: LateRecords
    ) -> None:
        def state(**when: Any) -> list[tuple[str, str | None]]:
            return [(r["state"], r["acknowledged_at"])
                    for r in tasks.tasks(ledger, member="wx_wang", **when)]

        acked = shown(day(2) + timedelta(minutes=10))
        assert state() == [("acknowledged", acked)]
        assert state(known_at=day(5)) == [("overdue", None)]
        assert state(as_of=day(2) + timedelta(minutes=20)) == [("acknowledged", acked)]
        assert state(as_of=day(2) + timedelta(minutes=5)) == [("open", None)]
        assert state(as_of=day(1)) == []


# Strikes expire three days after they happened.


class Expiring:
    def __init__(self, ledger: Ledger, clock: Clock, rulebook: str) -> None:
        start(ledger, clock, rulebook, "wx_li", "wx_wang")
        self.warnings = []
        for n, category in ((1, "flooding"), (2, "ads"), (3, "risky_link")):
            clock.moment = day(n)
            self.warnings.append(ledger.warn(actor="admin1", group="g9", member="wx_li",
                                             category=category))
        clock.moment = day(8)


@pytest.fixture
def expiring(ledger: Ledger, recording_clock: Clock, expiring_book: str) -> Expiring:
    return Expiring(ledger, recording_clock, expiring_book)


class TestExpiry:
    def states(self, ledger: Ledger, **when: Any) -> list[tuple[str, int]]:
        return [(r["state"], r["weight"]) for r in strikes.query(ledger, member="wx_li", **when)]

    def test_strikes_are_live_until_they_expire(self, ledger: Ledger, expiring: Expiring) -> None:
        assert self.states(ledger, as_of=day(3, 1)) == [("live", 1)] * 3
        assert self.states(ledger, as_of=day(4) - timedelta(seconds=1)) == [("live", 1)] * 3
        assert self.states(ledger, as_of=day(4)) == [("expired", 1), ("live", 1), ("live", 1)]
        assert self.states(ledger, as_of=day(5, 1)) == [("expired", 1), ("expired", 1),
                                                        ("live", 1)]
        assert self.states(ledger) == [("expired", 1)] * 3
        assert self.states(ledger, state="live", as_of=day(4)) == [("live", 1)] * 2

    def test_each_strike_says_when_it_expires(self, ledger: Ledger, expiring: Expiring) -> None:
        rows = strikes.query(ledger, member="wx_li")

        assert [r["expires_at"] for r in rows] == [shown(day(4)), shown(day(5)), shown(day(6))]

    def test_the_standing_changes_as_strikes_expire(
        self, ledger: Ledger, expiring: Expiring
    ) -> None:
        assert li(ledger, as_of=day(3, 1)) == [standing("removal_due", 3, day(3))]
        assert li(ledger, as_of=day(4, 1)) == [standing("warned", 2, day(4))]
        assert li(ledger, as_of=day(6, 1)) == [standing("active", 0, day(6))]
        assert li(ledger) == [standing("active", 0, day(6))]

    def test_the_dossier_follows_the_expiry(self, ledger: Ledger, expiring: Expiring) -> None:
        def at(moment: datetime) -> list[tuple[str, int]]:
            file = dossier.dossier(ledger, "wx_li", as_of=moment)
            return [(s["status"], s["strikes"]) for s in file["standings"]]

        assert at(day(3, 1)) == [("removal_due", 3)]
        assert at(day(5, 1)) == [("warned", 1)]
        assert at(day(7)) == [("active", 0)]


class TestExplain:
    def explained(self, ledger: Ledger, **when: Any) -> list[tuple[str, str]]:
        [row] = standings.query(ledger, group="g9", member="wx_li", explain=True, **when)
        return [(e["event"], e["occurred_at"]) for e in row["explanation"]]

    def test_the_live_strikes_and_the_event_that_set_the_status(
        self, ledger: Ledger, expiring: Expiring
    ) -> None:
        # removal_due was set by the third strike; all three are live
        assert self.explained(ledger, as_of=day(3, 1)) == [
            ("WarningIssued", shown(day(1))), ("WarningIssued", shown(day(2))),
            ("WarningIssued", shown(day(3)))]
        # an expiry set `warned`: only the two live strikes explain it
        assert self.explained(ledger, as_of=day(4, 1)) == [
            ("WarningIssued", shown(day(2))), ("WarningIssued", shown(day(3)))]
        # after the last expiry nothing recorded explains `active`
        assert self.explained(ledger, as_of=day(6, 1)) == []

    def test_an_explanation_line_names_the_strike_its_rule_and_who(
        self, ledger: Ledger, expiring: Expiring
    ) -> None:
        [row] = standings.query(ledger, group="g9", member="wx_li", explain=True,
                                as_of=day(1, 1))

        assert {k: row[k] for k in ("status", "strikes")} == {"status": "warned", "strikes": 1}
        assert row["explanation"] == [{
            "occurred_at": shown(day(1)), "recorded_at": shown(day(1)),
            "event": "WarningIssued", "actor": "admin1",
            "summary": f"rules=pit v1; sanction_id={expiring.warnings[0]}; "
                       "category=flooding; weight=1"}]

    def test_a_removal_is_explained_by_itself_and_the_live_strikes(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        [row] = standings.query(ledger, group="g9", member="wx_li", explain=True)
        [known] = standings.query(ledger, group="g9", member="wx_li", explain=True,
                                  known_at=day(4, 1))

        assert [(e["event"], e["occurred_at"]) for e in row["explanation"]] == [
            ("WarningIssued", shown(day(1))), ("WarningIssued", shown(day(2))),
            ("WarningIssued", shown(day(3))), ("MemberRemoved", shown(day(4)))]
        assert [(e["event"], e["occurred_at"]) for e in known["explanation"]] == [
            ("WarningIssued", shown(day(2))), ("WarningIssued", shown(day(3))),
            ("MemberRemoved", shown(day(4)))]
        assert f"sanction_id={late.removal}" in known["explanation"][-1]["summary"]

    def test_an_active_member_is_explained_by_the_admission(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        [row] = standings.query(ledger, member="wx_wang", explain=True)

        assert [(e["event"], e["occurred_at"]) for e in row["explanation"]] == [
            ("MemberAdmitted", shown(day(0)))]

    def test_the_dossier_explains_each_standing_the_same_way(
        self, ledger: Ledger, late: LateWarning
    ) -> None:
        [row] = standings.query(ledger, group="g9", member="wx_li", explain=True,
                                as_of=day(3, 1), known_at=day(4, 1))
        file = dossier.dossier(ledger, "wx_li", as_of=day(3, 1), known_at=day(4, 1))

        assert file["standings"] == [row]


# A point-in-time query of one member reads that member's events only.


class Spy:
    def __init__(self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[UUID] = []
        self.notifications: list[Any] = []
        get = ledger.events.get
        select = ledger.recorder.select_notifications

        def spied_get(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
            self.read.append(originator_id)
            return get(originator_id, *args, **kwargs)

        def spied_select(*args: Any, **kwargs: Any) -> Any:
            found = select(*args, **kwargs)
            self.notifications += list(found)
            return found

        monkeypatch.setattr(ledger.events, "get", spied_get)
        monkeypatch.setattr(ledger.recorder, "select_notifications", spied_select)

    def reading(self, query: Callable[[], Any]) -> tuple[Any, set[UUID]]:
        self.read.clear()
        self.notifications.clear()
        answer = query()
        assert self.notifications == [], "the query read the log"
        return answer, set(self.read)


@pytest.fixture
def crowded(ledger: Ledger, recording_clock: Clock, book: str) -> Ledger:
    """Two groups, wx_li in both, others beside her, and a late fact."""
    start(ledger, recording_clock, book, "wx_li", "wx_wang", "wx_zhou", group="g9")
    ledger.register_group(actor="owner1", group="g1", name="一栋业主群", owner="owner1",
                          rulebook=book)
    ledger.grant_role(actor="owner1", group="g1", member="admin1", role="admin")
    for member in ("wx_li", "wx_chen"):
        ledger.admit(actor="admin1", group="g1", member=member, nickname=f"{member} 昵称")
    for n, (group, member) in enumerate([("g9", "wx_li"), ("g9", "wx_wang"), ("g1", "wx_li"),
                                         ("g1", "wx_chen"), ("g9", "wx_zhou")], start=1):
        recording_clock.moment = day(n)
        ledger.warn(actor="admin1", group=group, member=member, category="flooding")
    recording_clock.moment = day(7)
    ledger.warn(actor="admin1", group="g9", member="wx_li", category="ads", at=day(2))
    recording_clock.moment = day(8)
    # The views are caught up before the spying starts.
    assert len(standings.query(ledger)) == 5
    assert len(dossier.dossier(ledger, "wx_li")["standings"]) == 2
    return ledger


LI = {membership_id("g9", "wx_li"), membership_id("g1", "wx_li")}


class TestOneMemberReadsOneMember:
    def test_standings_as_of(self, crowded: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        spy = Spy(crowded, monkeypatch)

        rows, read = spy.reading(lambda: standings.query(crowded, member="wx_li",
                                                         as_of=day(3, 1)))

        assert read == LI
        assert [(r["group"], r["strikes"]) for r in rows] == [("g1", 1), ("g9", 2)]

    def test_standings_known_at_and_both(
        self, crowded: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spy = Spy(crowded, monkeypatch)

        rows, read = spy.reading(lambda: standings.query(crowded, member="wx_li",
                                                         known_at=day(6)))
        both, read_both = spy.reading(lambda: standings.query(
            crowded, group="g9", member="wx_li", as_of=day(3, 1), known_at=day(6)))

        assert read == LI
        assert read_both == {membership_id("g9", "wx_li")}
        assert [(r["group"], r["strikes"]) for r in rows] == [("g1", 1), ("g9", 1)]
        assert [(r["group"], r["strikes"]) for r in both] == [("g9", 1)]

    def test_standings_explained(self, crowded: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        spy = Spy(crowded, monkeypatch)

        rows, read = spy.reading(lambda: standings.query(crowded, member="wx_li",
                                                         explain=True))

        assert read == LI
        assert [len(r["explanation"]) for r in rows] == [1, 2]

    def test_the_dossier(self, crowded: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        spy = Spy(crowded, monkeypatch)

        file, read = spy.reading(lambda: dossier.dossier(crowded, "wx_li", as_of=day(3, 1),
                                                         known_at=day(6)))
        whole, read_whole = spy.reading(lambda: dossier.dossier(crowded, "wx_li"))

        assert read == LI and read_whole == LI
        assert [(s["group"], s["strikes"]) for s in file["standings"]] == [("g1", 1), ("g9", 1)]
        assert {e["member"] for e in whole["events"]} == {"wx_li"}
        assert len(whole["events"]) == 5


# A sanction is judged by the rules in force when the violation happened, even when it is
# recorded after an amendment.


class TestRuleVersions:
    def test_each_strike_names_and_cites_the_version_it_was_judged_by(
        self, ledger: Ledger, recording_clock: Clock, book: str, tmp_path: Path
    ) -> None:
        amended = tmp_path / "pit-v2.toml"
        amended.write_text(BOOK.format(expiry="").replace(
            'rule = "不得刷屏，连续发言不超过 5 条"', 'weight = 2\nrule = "不得刷屏（修订）"'),
            encoding="utf-8")
        start(ledger, recording_clock, book, "wx_li")
        recording_clock.moment = day(3)
        assert ledger.amend_rules(actor="owner1", group="g9", rulebook=str(amended),
                                  resolution="业主代表大会决议") == 2
        recording_clock.moment = day(4)
        after = ledger.warn(actor="admin1", group="g9", member="wx_li", category="flooding")
        recording_clock.moment = day(5)
        before = ledger.warn(actor="admin1", group="g9", member="wx_li", category="flooding",
                             at=day(1))

        def judged(**when: Any) -> list[tuple[str, str, int, str]]:
            return [(r["case"], r["rule"], r["weight"], r["rule_text"])
                    for r in strikes.query(ledger, member="wx_li", **when)]

        assert judged() == [(before, "pit v1", 1, "不得刷屏，连续发言不超过 5 条"),
                            (after, "pit v2", 2, "不得刷屏（修订）")]
        assert judged(known_at=day(4, 1)) == [(after, "pit v2", 2, "不得刷屏（修订）")]
        assert judged(as_of=day(2)) == [(before, "pit v1", 1, "不得刷屏，连续发言不超过 5 条")]
        assert [e["rule_text"] for e in dossier.dossier(ledger, "wx_li")["events"]
                if e["event"] == "WarningIssued"] == ["不得刷屏，连续发言不超过 5 条",
                                                      "不得刷屏（修订）"]
        # 1 strike under v1 and 2 under v2 reach the limit of 3 on day 4
        assert li(ledger) == [standing("removal_due", 3, day(4))]
