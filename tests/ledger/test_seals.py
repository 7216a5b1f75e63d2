"""Sealing through the application: a seal records the tree head of exactly the events
stored before it; a seal the log outgrew before it was saved is refused; a ledger from
before the tree was kept gets its tree from its log and verifies.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ledger.trust import verify as integrity
from ledger.application import Ledger
from ledger.domain.errors import ConcurrentUpdate, InvalidInput
from ledger.trust.merkle import root_of
from ledger.store.url import parse_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "release-0.1.0"


def _registered(ledger: Ledger) -> None:
    ledger.register_group(actor="owner1", group="g9", name="加侨业委会9栋业主群", owner="owner1")
    ledger.admit(actor="owner1", group="g9", member="wx_li", nickname="g9#1001@李x明")


def _root_of_log(ledger: Ledger, size: int) -> str:
    return root_of([h for _, h in integrity.leaf_hashes(ledger)[:size]]).hex()


class TestSealing:
    def test_a_seal_records_the_root_of_every_event_before_it(self, ledger: Ledger):
        _registered(ledger)

        sealed = ledger.seal(actor="owner1", note="第一次封存")

        assert (sealed.size, sealed.root) == (2, _root_of_log(ledger, 2))
        assert sealed.note == "第一次封存"
        assert ledger.seals() == [sealed]
        assert integrity.verify(ledger).ok

    def test_the_kept_head_moves_with_every_write(self, ledger: Ledger):
        _registered(ledger)
        ledger.seal(actor="owner1")
        ledger.warn(actor="owner1", group="g9", member="wx_li", category="flooding")

        size, root = ledger.tree_head()

        assert (size, root.hex()) == (4, _root_of_log(ledger, 4))

    def test_a_seal_the_log_outgrew_is_refused_and_nothing_is_written(self, ledger: Ledger,
                                                                      monkeypatch):
        _registered(ledger)
        stale = ledger.tree_head()
        ledger.warn(actor="owner1", group="g9", member="wx_li", category="flooding")
        monkeypatch.setattr(ledger, "tree_head", lambda: stale)

        with pytest.raises(ConcurrentUpdate, match="run 'ledger seal' again"):
            ledger.seal(actor="owner1")

        assert ledger.recorder.max_notification_id() == 3
        monkeypatch.undo()
        assert integrity.verify(ledger).ok

    def test_a_seal_the_log_outgrew_once_is_made_again_over_the_grown_log(self, ledger: Ledger,
                                                                          monkeypatch):
        _registered(ledger)
        stale = ledger.tree_head()
        ledger.warn(actor="owner1", group="g9", member="wx_li", category="flooding")
        heads = iter([stale])
        real = ledger.tree_head
        monkeypatch.setattr(ledger, "tree_head", lambda: next(heads, None) or real())

        sealed = ledger.seal(actor="owner1")

        assert (sealed.size, sealed.root) == (3, _root_of_log(ledger, 3))
        assert len(ledger.seals()) == 1

    def test_a_seal_is_not_part_of_a_batch(self, ledger: Ledger):
        _registered(ledger)

        with pytest.raises(InvalidInput, match="seal after the batch"), ledger.batch():
            ledger.seal(actor="owner1")

        assert ledger.seals() == []


class TestALedgerFromBeforeSeals:
    def test_it_verifies_then_seals_and_verifies_again(self, tmp_path: Path):
        shutil.copyfile(FIXTURES / "g9.db", tmp_path / "g9.db")
        ledger = Ledger(parse_store(str(tmp_path / "g9.db")))
        try:
            first = integrity.verify(ledger)
            assert first.ok and first.kept_hashes == 0 and first.events > 0

            sealed = ledger.seal(actor="office")

            assert sealed.size == first.events
            assert sealed.root == first.root.hex()
            again = integrity.verify(ledger)
            assert again.ok and again.kept_hashes == first.events + 1
        finally:
            ledger.close()


class TestALedgerOfFormat2:
    def test_its_first_write_keeps_the_tree_and_marks_it_format_3(self, tmp_path: Path):
        path = tmp_path / "g9.db"
        ledger = Ledger(parse_store(str(path)))
        _registered(ledger)
        ledger.close()
        with sqlite3.connect(path) as db:  # as the release before the tree left it
            db.execute("DROP TABLE ledger_leaves")
            db.execute("DELETE FROM ledger_meta WHERE key = 'tree_head'")
            db.execute("UPDATE ledger_meta SET value = '2' WHERE key = 'format'")

        ledger = Ledger(parse_store(str(path)))
        try:
            ledger.warn(actor="owner1", group="g9", member="wx_li", category="flooding")
            report = integrity.verify(ledger)
        finally:
            ledger.close()

        assert report.ok and report.kept_hashes == report.events == 3
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT value FROM ledger_meta WHERE key = 'format'").fetchone() \
                == ("3",)
