"""The standings view: kept incrementally, rebuilt from position 0, and recomputed by hand
from the event list must all give the same rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.errors import ConcurrentUpdate, LedgerError
from ledger.domain.events import (
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    WarningIssued,
)
from ledger.store.url import parse_store
from projections import cases, standings
from projections.base import Db, catch_up, rebuild
from tests.conftest import NOW, Clock

MEMBERS = ["wx_li", "wx_wang", "wx_张"]


def start_group(ledger: Ledger) -> None:
    ledger.register_group(actor="owner1", group="g9", name="加侨业委会9栋业主群", owner="owner1",
                          at=NOW - timedelta(days=30))
    ledger.grant_role(actor="owner1", group="g9", member="admin1", role="admin",
                      at=NOW - timedelta(days=30))


def recomputed_by_hand(ledger: Ledger) -> list[dict[str, object]]:
    """Standings from the raw event list, written without the domain's fold."""
    by_member: dict[tuple[str, str], list[MembershipEvent]] = {}
    for notification in ledger.recorder.select_notifications(start=1, limit=10_000):
        event = ledger.mapper.to_domain_event(notification)
        if isinstance(event, MembershipEvent):
            by_member.setdefault((event.group, event.member), []).append(event)
    rows = []
    for (group, member), events in sorted(by_member.items()):
        events.sort(key=lambda e: (e.occurred_at, e.originator_version))
        where, nickname, strikes, status, since = "out", "", 0, "", None
        for event in events:
            if isinstance(event, MemberAdmitted):
                where, nickname = "in", event.nickname
            elif isinstance(event, MemberRenamed):
                nickname = event.new_nickname
            elif isinstance(event, WarningIssued):
                strikes += event.weight
            elif isinstance(event, MemberRemoved):
                where = "temporarily_removed" if event.temporary else "removed"
            elif isinstance(event, MemberReadmitted):
                where = "in"
            elif isinstance(event, MemberLeft):
                where = "left"
            if where == "in":
                new_status = "removal_due" if strikes >= 3 else "warned" if strikes else "active"
            else:
                new_status = where
            if new_status != status:
                status, since = new_status, event.occurred_at
        assert since is not None
        rows.append({"group": group, "member": member, "nickname": nickname, "status": status,
                     "strikes": strikes, "since": since.isoformat(timespec="seconds"),
                     "nickname_ok": None, "reminders": 0, "review_due": False})
    return rows


# One step of a random history: (command, member, minutes back from now).
steps = st.lists(
    st.tuples(
        st.sampled_from(["admit", "rename", "warn", "flag_confirm", "remove_temp", "remove",
                         "readmit", "leave"]),
        st.sampled_from(MEMBERS),
        st.integers(min_value=0, max_value=600),
    ),
    min_size=1,
    max_size=25,
)


def run(ledger: Ledger, command: str, member: str, minutes_back: int, n: int) -> None:
    at = NOW - timedelta(minutes=minutes_back)
    admin = {"actor": "admin1", "group": "g9", "member": member, "at": at}
    if command == "admit":
        ledger.admit(**admin, nickname=f"g9#10{n:02d}@{member}")
    elif command == "rename":
        ledger.rename(**admin, nickname=f"改名{n}")
    elif command == "warn":
        ledger.warn(**admin, category="flooding", reason=f"刷屏 {n} 条")
    elif command == "flag_confirm":
        flag_id = ledger.raise_flag(actor="admin1", group="g9", member=member,
                                    category="risky_link", message=f"m-{n}", at=at)
        ledger.confirm_flag(**admin, flag_id=flag_id)
    elif command in ("remove_temp", "remove"):
        ledger.remove(**admin, reason="争吵", temporary=command == "remove_temp")
    elif command == "readmit":
        ledger.readmit(**admin, note="调解")
    elif command == "leave":
        ledger.leave(**admin)


class TestRebuiltEqualsIncremental:
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(history=steps, catch_up_every=st.integers(min_value=1, max_value=5))
    def test_any_history_gives_the_same_rows_rebuilt_incremental_and_by_hand(
        self, tmp_path_factory: pytest.TempPathFactory, history: list[tuple[str, str, int]],
        catch_up_every: int,
    ) -> None:
        path = tmp_path_factory.mktemp("h") / "ledger.db"
        ledger = Ledger(parse_store(str(path)), clock=Clock())
        start_group(ledger)

        incremental = []
        for n, (command, member, minutes_back) in enumerate(history):
            try:
                run(ledger, command, member, minutes_back, n)
            except LedgerError:
                pass  # a refused command records nothing; the history goes on
            if n % catch_up_every == 0:
                incremental = standings.query(ledger)
        incremental = standings.query(ledger)
        rebuild(ledger, standings.VIEW, batch_size=3)
        rebuilt = standings.query(ledger)

        assert incremental == rebuilt == recomputed_by_hand(ledger)
        ledger.close()


class TestViewTables:
    def test_deleting_the_views_tables_and_querying_again_gives_identical_rows(
        self, ledger: Ledger
    ) -> None:
        start_group(ledger)
        ledger.admit(actor="admin1", group="g9", member="wx_li", nickname="李x明")
        ledger.warn(actor="admin1", group="g9", member="wx_li", category="flooding")
        before = standings.query(ledger)

        db = Db(ledger)
        with db.transaction() as cursor:
            cursor.execute(f"DROP TABLE {db.table('view_standings')}")
        after = standings.query(ledger)

        assert after == before
        assert after[0]["strikes"] == 1

    def test_a_view_of_an_older_version_is_rebuilt(self, ledger: Ledger) -> None:
        start_group(ledger)
        ledger.admit(actor="admin1", group="g9", member="wx_li", nickname="李x明")
        standings.query(ledger)
        db = Db(ledger)
        with db.transaction() as cursor:
            cursor.execute(f"UPDATE {db.table('ledger_view_positions')} SET version = 0 "
                           "WHERE view = 'standings'")
            cursor.execute(f"DELETE FROM {db.table('view_standings')}")

        rows = standings.query(ledger)

        assert [row["member"] for row in rows] == ["wx_li"]

    def test_catching_up_twice_processes_each_event_once(self, ledger: Ledger) -> None:
        start_group(ledger)
        ledger.admit(actor="admin1", group="g9", member="wx_li", nickname="李x明")

        first = catch_up(ledger, cases.VIEW)
        second = catch_up(ledger, cases.VIEW)

        assert first == ledger.recorder.max_notification_id()
        assert second == 0


class TestLateFacts:
    def test_a_warning_recorded_late_counts_where_it_happened(
        self, ledger: Ledger, clock: Clock
    ) -> None:
        start_group(ledger)
        ledger.admit(actor="admin1", group="g9", member="wx_li", nickname="李x明",
                     at=NOW - timedelta(days=3))
        ledger.warn(actor="admin1", group="g9", member="wx_li", category="flooding",
                    at=NOW - timedelta(days=1))
        standings.query(ledger)

        ledger.warn(actor="admin1", group="g9", member="wx_li", category="ads",
                    at=NOW - timedelta(days=2))
        rows = standings.query(ledger, group="g9", member="wx_li")

        assert rows == [{"group": "g9", "member": "wx_li", "nickname": "李x明",
                         "status": "warned", "strikes": 2,
                         "since": (NOW - timedelta(days=2)).isoformat(),
                         "nickname_ok": None, "reminders": 0, "review_due": False}]


@pytest.mark.postgres
class TestPostgresGaps:
    def test_a_gap_left_by_a_conflicting_write_is_passed_over(
        self, postgres_schema_url: str
    ) -> None:
        first = Ledger(parse_store(postgres_schema_url), clock=Clock())
        second = Ledger(parse_store(postgres_schema_url), clock=Clock())
        start_group(first)
        first.admit(actor="admin1", group="g9", member="wx_li", nickname="李x明")
        seen_by_first = first.membership("g9", "wx_li")
        seen_by_second = second.membership("g9", "wx_li")
        rules = first.rules("g9")
        seen_by_first.warn(actor="admin1", occurred_at=NOW, rules=rules, category="ads")
        seen_by_second.warn(actor="admin1", occurred_at=NOW, rules=rules, category="flooding")
        first.save(seen_by_first)

        with pytest.raises(ConcurrentUpdate):
            second.save(seen_by_second)
        first.admit(actor="admin1", group="g9", member="wx_wang", nickname="王x")
        ids = [n.id for n in first.recorder.select_notifications(start=1, limit=100)]
        rows = standings.query(first)

        assert ids != list(range(1, len(ids) + 1)), "expected a gap in the notification ids"
        assert [(r["member"], r["strikes"]) for r in rows] == [("wx_li", 1), ("wx_wang", 0)]
        first.close()
        second.close()
