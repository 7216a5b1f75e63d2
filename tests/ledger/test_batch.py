"""A batch records many commands in one transaction, each judged against what the batch
has recorded before it; a refused command refuses the whole batch.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.domain.errors import NotAMember
from ledger.store.url import parse_store
from tests.conftest import NOW, Clock

T = NOW - timedelta(days=10)


def admit_and_warn(ledger: Ledger) -> None:
    ledger.register_group(actor="o", group="g9", name="加侨业委会9栋业主群", owner="o",
                          rulebook="builtin:estate", at=T)
    ledger.admit(actor="o", group="g9", member="wx_li", nickname="g9#1001@李x明",
                 relation="owner", invited_by="o", verified_by="o", at=T + timedelta(hours=1))
    for hours in (2, 3, 4):
        ledger.warn(actor="o", group="g9", member="wx_li", category="flooding",
                    at=T + timedelta(hours=hours))


class TestABatch:
    def test_records_every_command_judged_against_the_ones_before_it(self, ledger: Ledger) -> None:
        with ledger.batch():
            admit_and_warn(ledger)
            assert ledger.recorder.max_notification_id() in (None, 0)  # nothing saved yet

        assert ledger.recorder.max_notification_id() == 5
        assert ledger.standing("g9", "wx_li").status == "removal_due"

    def test_gives_the_same_events_as_the_commands_one_by_one(
            self, ledger: Ledger, tmp_path: Path, clock: Clock) -> None:
        one_by_one = Ledger(parse_store(str(tmp_path / "one-by-one.db")), clock=clock)
        with ledger.batch():
            admit_and_warn(ledger)
        admit_and_warn(one_by_one)

        def facts(app: Ledger) -> list[tuple[str, str, int]]:
            return [(type(e).__name__, e.occurred_at.isoformat(), e.originator_version)
                    for e in (app.mapper.to_domain_event(n)
                              for n in app.recorder.select_notifications(start=1, limit=50))]

        assert facts(ledger) == facts(one_by_one)
        one_by_one.close()

    def test_a_refused_command_saves_nothing_of_the_batch(self, ledger: Ledger) -> None:
        with pytest.raises(NotAMember), ledger.batch():
            admit_and_warn(ledger)
            ledger.remove(actor="o", group="g9", member="wx_li", reason="三次违反规定移出群聊",
                          at=T + timedelta(hours=5))
            ledger.warn(actor="o", group="g9", member="wx_li", category="flooding",
                        at=T + timedelta(hours=6))

        assert ledger.recorder.max_notification_id() in (None, 0)

    def test_batches_do_not_nest(self, ledger: Ledger) -> None:
        with pytest.raises(RuntimeError, match="do not nest"), ledger.batch(), ledger.batch():
            pass
