"""Answers from a current view, read with sqlite3 alone, are the ordinary query's rows, and
whenever they could differ the fast path declines.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.store.url import parse_store
from projections import current, standings
from tests.conftest import NOW, Clock

def told(ledger: Ledger) -> None:
    ledger.register_group(actor="o", group="g9", name="加侨业委会9栋业主群", owner="o",
                          rulebook="builtin:corporate", at=NOW - timedelta(days=40))
    for member, nickname in (("wx_li", "销售部-李四"), ("wx_王", "王x明")):
        ledger.admit(actor="o", group="g9", member=member, nickname=nickname, verified_by="o",
                     at=NOW - timedelta(days=39))
    ledger.warn(actor="o", group="g9", member="wx_li", category="off_topic",
                at=NOW - timedelta(days=2))


class TestFromACurrentView:
    def test_gives_the_rows_the_ordinary_query_gives(self, sqlite_ledger: Ledger) -> None:
        told(sqlite_ledger)
        ordinary = standings.query(sqlite_ledger)

        fast = current.standings(sqlite_ledger.store, moment=sqlite_ledger.clock())
        only_li = current.standings(sqlite_ledger.store, moment=sqlite_ledger.clock(),
                                    group="g9", member="wx_li")

        assert fast == ordinary and len(fast) == 2
        assert only_li == standings.query(sqlite_ledger, group="g9", member="wx_li")

    def test_declines_when_the_view_is_behind_the_log(self, sqlite_ledger: Ledger) -> None:
        told(sqlite_ledger)
        standings.query(sqlite_ledger)
        sqlite_ledger.warn(actor="o", group="g9", member="wx_王", category="off_topic")

        assert current.standings(sqlite_ledger.store, moment=sqlite_ledger.clock()) is None

    def test_declines_when_the_view_was_never_built(self, sqlite_ledger: Ledger) -> None:
        told(sqlite_ledger)

        assert current.standings(sqlite_ledger.store, moment=sqlite_ledger.clock()) is None

    def test_declines_when_a_row_changed_by_itself_since(self, tmp_path: Path) -> None:
        book = tmp_path / "expiring.toml"
        book.write_text('name = "expiring"\ntitle = "一天后过期"\n'
                        '[categories.flooding]\nzh = "刷屏"\nen = "flooding"\n'
                        '[strikes]\nexpire_after_days = 1\n', encoding="utf-8")
        clock = Clock()
        ledger = Ledger(parse_store(str(tmp_path / "ledger.db")), clock=clock)
        ledger.register_group(actor="o", group="g9", name="群", owner="o", rulebook=str(book),
                              at=NOW - timedelta(days=40))
        ledger.admit(actor="o", group="g9", member="wx_li", nickname="李x明",
                     at=NOW - timedelta(days=39))
        ledger.warn(actor="o", group="g9", member="wx_li", category="flooding",
                    at=NOW - timedelta(hours=1))
        assert standings.query(ledger)[0]["status"] == "warned"
        assert current.standings(ledger.store, moment=NOW) is not None

        later = NOW + timedelta(days=2)  # the strike has expired by itself

        assert current.standings(ledger.store, moment=later) is None
        assert standings.query(ledger, at=later)[0]["status"] == "active"
        ledger.close()

    @pytest.mark.parametrize(("name", "misread_as"), [
        ("a#b.db", "a"), ("q?.db", "q"), ("100%41.db", "100A.db")])
    def test_reads_the_file_named_even_with_uri_characters_in_its_name(
            self, tmp_path: Path, name: str, misread_as: str) -> None:
        decoy = Ledger(parse_store(str(tmp_path / misread_as)))
        decoy.register_group(actor="o", group="decoy", name="诱饵", owner="o",
                             at=NOW - timedelta(days=50))
        decoy.admit(actor="o", group="decoy", member="wx_x", nickname="x",
                    at=NOW - timedelta(days=49))
        standings.query(decoy)
        ledger = Ledger(parse_store(str(tmp_path / name)), clock=Clock())
        told(ledger)
        ordinary = standings.query(ledger)
        before = sorted(p.name for p in tmp_path.iterdir())

        fast = current.standings(ledger.store, moment=ledger.clock())

        assert fast == ordinary and {r["group"] for r in fast} == {"g9"}
        assert sorted(p.name for p in tmp_path.iterdir()) == before
        ledger.close()
        decoy.close()

    def test_declines_for_a_missing_file_and_creates_none(self, tmp_path: Path) -> None:
        store = parse_store(str(tmp_path / "missing.db"))

        assert current.standings(store, moment=NOW) is None
        assert not (tmp_path / "missing.db").exists()

    def test_declines_for_postgresql(self) -> None:
        store = parse_store("postgresql://postgres@127.0.0.1:5432/test")

        assert current.standings(store, moment=NOW) is None

    def test_answers_without_loading_the_event_model_or_the_library(
            self, sqlite_ledger: Ledger) -> None:
        told(sqlite_ledger)
        standings.query(sqlite_ledger)
        script = (
            "import sys\n"
            "from datetime import datetime, timezone\n"
            "from ledger.store.url import parse_store\n"
            "from projections import current\n"
            f"rows = current.standings(parse_store({str(sqlite_ledger.store.path)!r}), "
            f"moment=datetime.fromisoformat({NOW.isoformat()!r}))\n"
            "assert rows is not None and len(rows) == 2, rows\n"
            "heavy = [m for m in ('pydantic', 'eventsourcing', 'ledger.domain.events') "
            "if m in sys.modules]\n"
            "print(heavy)\n")

        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True)

        assert done.stdout.strip() == "[]"
