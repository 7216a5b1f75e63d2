"""The id index: a command finds a flag, sanction or task by a short id from an index
written with the event itself, so a write never waits for a read view.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.domain.errors import AmbiguousId, InvalidInput, NotFound
from ledger.domain.events import (
    AppealFiled,
    DisputeOpened,
    MemberRemoved,
    MessageFlagged,
    TaskAssigned,
    WarningIssued,
)
from ledger.store.ids import rows_for
from ledger.store.url import parse_store
from tests.conftest import NOW

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "release-0.1.0"
KINDS = ("flag", "warning", "removal", "temporary removal", "task")


def a_flagged_member(ledger: Ledger) -> str:
    ledger.register_group(actor="o", group="g9", name="加侨业委会9栋业主群", owner="o",
                          rulebook="builtin:estate", at=NOW - timedelta(days=3))
    ledger.admit(actor="o", group="g9", member="wx_li", nickname="g9#1001@李x明",
                 relation="owner", invited_by="o", verified_by="o", at=NOW - timedelta(days=2))
    return ledger.raise_flag(actor="o", group="g9", member="wx_li", category="rumor",
                             message="m-1", at=NOW - timedelta(days=1))


class TestShortIds:
    def test_a_flag_is_found_by_its_prefix_with_no_view_ever_built(self, ledger: Ledger) -> None:
        flag_id = a_flagged_member(ledger)

        case = ledger.find_case(flag_id[:6], kinds=("flag",), what="flag")
        warning = ledger.confirm_flag(actor="o", group=case.group, member=case.member,
                                      flag_id=case.case_id)

        assert (case.case_id, case.kind, case.group, case.member) == (
            flag_id, "flag", "g9", "wx_li")
        assert ledger.find_case(warning[:8], kinds=("warning",), what="warning").case_id == warning

    def test_writing_and_finding_builds_no_read_view(self, sqlite_ledger: Ledger) -> None:
        flag_id = a_flagged_member(sqlite_ledger)
        sqlite_ledger.find_case(flag_id[:6], kinds=("flag",), what="flag")

        with sqlite3.connect(sqlite_ledger.store.path) as db:
            tables = {name for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}

        assert not {t for t in tables if t.startswith("view_")}
        assert "ledger_case_ids" in tables

    def test_a_refused_command_indexes_nothing(self, ledger: Ledger) -> None:
        a_flagged_member(ledger)
        before = ledger.recorder.max_notification_id()

        with pytest.raises(NotFound):
            ledger.warn(actor="o", group="g9", member="wx_nobody", category="rumor")

        assert ledger.recorder.max_notification_id() == before
        with pytest.raises(NotFound, match="no warning has an id starting with"):
            ledger.find_case("0000", kinds=("warning",), what="warning")

    def test_a_prefix_of_another_kind_is_not_found(self, ledger: Ledger) -> None:
        flag_id = a_flagged_member(ledger)

        with pytest.raises(NotFound, match="no task has an id starting with"):
            ledger.find_case(flag_id[:8], kinds=("task",), what="task")

    def test_an_ambiguous_prefix_names_two_candidates(
            self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        a_flagged_member(ledger)
        ids = iter(["abcd" + "1" * 28, "abcd" + "2" * 28])
        monkeypatch.setattr("ledger.domain.aggregates.new_case_id", lambda: next(ids))
        for message in ("m-2", "m-3"):
            ledger.raise_flag(actor="o", group="g9", member="wx_li", category="rumor",
                              message=message)

        with pytest.raises(AmbiguousId, match=r"abcd is ambiguous \(abcd1+, abcd2+\)"):
            ledger.find_case("abcd", kinds=("flag",), what="flag")
        assert ledger.find_case("abcd2", kinds=("flag",), what="flag").case_id == "abcd" + "2" * 28

    @pytest.mark.parametrize("prefix", ["abc", "xyz12", ""])
    def test_what_is_not_an_id_is_refused(self, ledger: Ledger, prefix: str) -> None:
        a_flagged_member(ledger)

        with pytest.raises(InvalidInput, match="is not an id"):
            ledger.find_case(prefix, kinds=KINDS, what="case")


class TestOlderLedgers:
    @pytest.mark.parametrize("name", ["g9.db", "sales.db", "demo.db"])
    def test_a_ledger_from_before_the_index_is_indexed_when_first_opened(
            self, tmp_path: Path, name: str) -> None:
        copy = tmp_path / name
        shutil.copyfile(FIXTURES / name, copy)
        with sqlite3.connect(copy) as db:
            stored = db.execute("SELECT topic, state FROM stored_events").fetchall()
        expected = sorted(rows_for((topic, bytes(state)) for topic, state in stored))
        assert expected, "the fixture has flags, sanctions or tasks"

        ledger = Ledger(parse_store(str(copy)))
        with sqlite3.connect(copy) as db:
            indexed = sorted(db.execute(
                "SELECT case_id, kind, grp, member FROM ledger_case_ids").fetchall())
        found = ledger.find_case(expected[0][0][:8], kinds=KINDS, what="case")
        ledger.close()

        assert indexed == expected
        assert (found.case_id, found.kind, found.group, found.member) == expected[0]

    def test_every_kind_of_case_is_indexed_by_its_event(self) -> None:
        topics = {f"ledger.events:{t.__name__}" for t in (MessageFlagged, WarningIssued,
                                                          MemberRemoved, TaskAssigned,
                                                          AppealFiled, DisputeOpened)}
        from ledger.store.ids import _TOPICS

        assert set(_TOPICS) == topics
