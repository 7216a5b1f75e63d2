"""How views follow the log when many facts pile up between two queries, and when another
process moves a view on while this one is catching up.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from eventsourcing.persistence import OperationalError

from ledger.application import Ledger
from ledger.store.ids import rows_for
from ledger.store.url import parse_store
from projections import cases, standings, tasks
from projections.base import _is_contention, catch_up
from projections.catalog import VIEWS, replay_all
from tests.conftest import NOW, Clock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "release-0.1.0"
T = NOW - timedelta(days=5)


def company(ledger: Ledger) -> None:
    ledger.register_group(actor="boss", group="sales", name="销售部工作群", owner="boss",
                          rulebook="builtin:company", at=T)
    for member, nickname in (("wx_zs", "销售部-张三"), ("wx_ls", "销售部-李四")):
        ledger.admit(actor="boss", group="sales", member=member, nickname=nickname,
                     verified_by="boss", at=T + timedelta(minutes=10))


class TestManyFactsBetweenTwoQueries:
    def test_decisions_land_on_flags_and_tasks_raised_in_the_same_batch(
            self, ledger: Ledger) -> None:
        company(ledger)
        old_flag = ledger.raise_flag(actor="boss", group="sales", member="wx_zs",
                                     category="ads", at=T + timedelta(hours=1))
        old_task = ledger.assign_task(actor="boss", group="sales", member="wx_zs",
                                      summary="报客户名单", at=T + timedelta(hours=1))
        cases.flags(ledger)
        tasks.tasks(ledger)  # both views current; now a batch of facts piles up

        ledger.dismiss_flag(actor="boss", group="sales", member="wx_zs", flag_id=old_flag,
                            reason="误报", at=T + timedelta(hours=2))
        new_flag = ledger.raise_flag(actor="boss", group="sales", member="wx_ls",
                                     category="ads", at=T + timedelta(hours=3))
        ledger.dismiss_flag(actor="boss", group="sales", member="wx_ls", flag_id=new_flag,
                            reason="误报", at=T + timedelta(hours=4))
        ledger.acknowledge_task(actor="wx_zs", group="sales", member="wx_zs", task_id=old_task,
                                at=T + timedelta(hours=1, minutes=5))
        new_task = ledger.assign_task(actor="boss", group="sales", member="wx_ls",
                                      summary="报客户名单", at=T + timedelta(hours=5))
        ledger.acknowledge_task(actor="wx_ls", group="sales", member="wx_ls", task_id=new_task,
                                at=T + timedelta(hours=5, minutes=5))

        flags = {r["flag"]: r["state"] for r in cases.flags(ledger)}
        states = {r["task"]: r["state"] for r in tasks.tasks(ledger)}

        assert flags == {old_flag: "dismissed", new_flag: "dismissed"}
        assert states == {old_task: "acknowledged", new_task: "acknowledged"}
        assert all(r.ok for r in replay_all(ledger, list(VIEWS.values())))


class TestAnotherProcessMovesTheViewOn:
    def test_between_two_of_our_batches_our_rows_still_count_every_fact(
            self, tmp_path: Path, clock: Clock) -> None:
        path = str(tmp_path / "ledger.db")
        ours, theirs = (Ledger(parse_store(path), clock=clock) for _ in range(2))
        company(ours)
        for hours in (1, 2, 3):
            ours.warn(actor="boss", group="sales", member="wx_ls", category="ads",
                      at=T + timedelta(hours=hours))
        interrupted = []

        def meanwhile(_: int) -> None:
            if not interrupted:
                interrupted.append(True)
                theirs.warn(actor="boss", group="sales", member="wx_zs", category="ads",
                            at=T + timedelta(hours=4))
                theirs.warn(actor="boss", group="sales", member="wx_zs", category="ads",
                            at=T + timedelta(hours=5))
                catch_up(theirs, standings.VIEW)

        catch_up(ours, standings.VIEW, batch_size=2, progress=meanwhile)
        ours.warn(actor="boss", group="sales", member="wx_zs", category="ads",
                  at=T + timedelta(hours=6))
        catch_up(ours, standings.VIEW, batch_size=2)

        rows = {r["member"]: (r["status"], r["strikes"]) for r in standings.query(ours)}
        assert interrupted
        assert rows == {"wx_ls": ("removal_due", 3), "wx_zs": ("removal_due", 3)}
        assert replay_all(ours, [standings.VIEW])[0].ok
        ours.close()
        theirs.close()


class TestOpeningAnOldLedgerAtOnce:
    def test_several_processes_index_it_once_and_none_fails(self, tmp_path: Path) -> None:
        copy = tmp_path / "g9.db"
        shutil.copyfile(FIXTURES / "g9.db", copy)
        script = ("import sys\nfrom ledger.application import Ledger\n"
                  "from ledger.store.url import parse_store\n"
                  "Ledger(parse_store(sys.argv[1])).close()\n")

        children = [subprocess.Popen([sys.executable, "-c", script, str(copy)],
                                     stderr=subprocess.PIPE, text=True) for _ in range(4)]
        failures = [c.stderr.read() for c in children if c.wait() != 0]  # type: ignore[union-attr]

        with sqlite3.connect(copy) as db:
            stored = db.execute("SELECT topic, state FROM stored_events").fetchall()
            indexed = sorted(db.execute("SELECT * FROM ledger_case_ids").fetchall())
        assert failures == []
        assert indexed == sorted(rows_for((t, bytes(s)) for t, s in stored))


class TestWhatIsRetried:
    class _Cause(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    @pytest.mark.parametrize("sqlstate", ["40001", "40P01", "55P03"])
    def test_a_serialisation_failure_deadlock_or_lock_timeout_is_retried(
            self, sqlstate: str) -> None:
        error = OperationalError("canceling statement")
        error.__cause__ = self._Cause(sqlstate)

        assert _is_contention(error)

    @pytest.mark.parametrize("text", ["database is locked", "database table is locked"])
    def test_sqlite_busy_is_retried(self, text: str) -> None:
        assert _is_contention(OperationalError(text))

    def test_a_missing_column_is_a_bug_and_is_not(self) -> None:
        assert not _is_contention(OperationalError("no such column: nickname_ok"))


class TestHeldInMemory:
    def test_states_that_leave_memory_come_back_from_their_rows_unchanged(
            self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        company(ledger)
        for hours, member in ((1, "wx_zs"), (2, "wx_ls"), (3, "wx_zs"), (4, "wx_ls"),
                              (5, "wx_zs")):
            ledger.warn(actor="boss", group="sales", member=member, category="ads",
                        at=T + timedelta(hours=hours))
        ledger.rename(actor="boss", group="sales", member="wx_ls", nickname="销售二部-李四",
                      at=T + timedelta(hours=6))
        ledger.warn(actor="boss", group="sales", member="wx_ls", category="ads",
                    at=T + timedelta(hours=2, minutes=30))  # recorded late
        held_all = standings.query(ledger)

        monkeypatch.setattr(standings, "HELD", 0)
        rebuilt = rebuild_standings_in_batches_of_one(ledger)

        assert rebuilt == held_all
        assert {r["member"]: r["strikes"] for r in rebuilt} == {"wx_zs": 3, "wx_ls": 3}
        assert replay_all(ledger, [standings.VIEW])[0].ok


def rebuild_standings_in_batches_of_one(ledger: Ledger) -> list[dict[str, object]]:
    from projections.base import rebuild

    rebuild(ledger, standings.VIEW, batch_size=1)
    return standings.query(ledger)
