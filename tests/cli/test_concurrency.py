"""Several real processes at once on one new SQLite file: nothing committed is ever lost.

Four admins create the same group at the same moment on a file that does not exist yet.
One of them registers it; the others are refused, and none of them may take the file away
with the winner's registration inside.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.store.url import parse_store


def event_count(store: str) -> int:
    """How many events the store holds, counted: on PostgreSQL a write that lost a race
    leaves a gap in the notification ids, so the highest id may count more.
    """
    ledger = Ledger(parse_store(store))
    try:
        return len(ledger.recorder.select_notifications(start=1, limit=1_000_000))
    finally:
        ledger.close()

CREATE = ["group", "create", "g", "--name", "业主群", "--owner", "o"]


def _ledger(store: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cli", "--store", str(store), "--actor", "o",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_creators_of_one_new_file_leave_the_winners_registration(tmp_path: Path) -> None:
    for trial in range(5):
        store = tmp_path / f"new-{trial}.db"
        children = [_ledger(store, *CREATE) for _ in range(4)]
        results = [(child.wait(timeout=60), child.communicate()) for child in children]
        winners = [out for code, (out, _) in results if code == 0]
        refusals = [err for code, (_, err) in results if code != 0]
        assert len(winners) == 1, results
        assert all("already registered" in err for err in refusals), refusals
        assert store.exists(), f"trial {trial}: the registered group's file is gone"
        assert event_count(str(store)) == 1


def test_a_failed_first_command_leaves_no_file(tmp_path: Path) -> None:
    store = tmp_path / "typo.db"
    child = _ledger(store, "group", "create", "g", "--name", "n", "--owner", "o",
                    "--rulebook", "builtin:nosuch")
    assert child.wait(timeout=60) == 1
    assert not store.exists()


def test_a_file_holding_an_event_is_never_discarded(tmp_path: Path) -> None:
    store = tmp_path / "kept.db"
    assert _ledger(store, *CREATE).wait(timeout=60) == 0
    assert parse_store(str(store)).discard() is False
    assert event_count(str(store)) == 1


def _ledger_at(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cli", "--store", url, "--actor", "o", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_six_first_commands_on_a_new_postgresql_schema_all_land(postgres_schema_url: str) -> None:
    """The library creates its tables, types and functions with statements that race one
    another ("tuple concurrently updated"); openers of a schema take turns while they run.
    """
    children = [_ledger_at(postgres_schema_url, "group", "create", f"g{n}", "--name", f"群{n}",
                           "--owner", "o") for n in range(6)]
    results = [(child.wait(timeout=120), child.communicate()) for child in children]

    assert [code for code, _ in results] == [0] * 6, results
    assert event_count(postgres_schema_url) == 6


def _walked_on(url: str) -> None:
    for args in (["group", "create", "g", "--name", "业主群", "--owner", "o"],
                 ["member", "admit", "g", "wx_li", "--nickname", "9#1201@李x"]):
        child = _ledger_at(url, *args)
        assert child.wait(timeout=60) == 0, child.communicate()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shared.db")
    return request.getfixturevalue("postgres_schema_url")


def test_six_flags_raised_on_one_member_at_once_are_six_flags(shared_store: str) -> None:
    """Each flag is judged against the ones recorded before it: a conflicting write is
    loaded and judged again, never handed back to the owner as "run it again".
    """
    _walked_on(shared_store)
    before = event_count(shared_store)

    children = [_ledger_at(shared_store, "flag", "raise", "g", "wx_li", "--category", "ads")
                for _ in range(6)]
    results = [(child.wait(timeout=120), child.communicate()) for child in children]

    assert [code for code, _ in results] == [0] * 6, results
    assert event_count(shared_store) == before + 6


def test_two_admins_removing_one_member_at_once_remove_them_once(shared_store: str) -> None:
    _walked_on(shared_store)
    before = event_count(shared_store)

    children = [_ledger_at(shared_store, "member", "remove", "g", "wx_li", "--reason", "广告")
                for _ in range(4)]
    results = [(child.wait(timeout=120), child.communicate()) for child in children]

    codes = sorted(code for code, _ in results)
    assert codes == [0, 1, 1, 1], results
    refusals = [err for code, (_, err) in results if code == 1]
    assert all("run it again" not in err and "not in g" in err for err in refusals), refusals
    assert event_count(shared_store) == before + 1


def test_replays_beside_each_other_and_beside_writers_find_no_difference(
        shared_store: str) -> None:
    """Each replay builds tables of its own, and compares each view at one position of the
    log: writers that move the kept views on meanwhile cause no false difference.
    """
    _walked_on(shared_store)
    writers = [_ledger_at(shared_store, "flag", "raise", "g", "wx_li", "--category", "ads")
               for _ in range(6)]
    replays = [_ledger_at(shared_store, "replay") for _ in range(3)]
    writers += [_ledger_at(shared_store, "member", "rename", "g", "wx_li", f"9#1201@李{n}")
                for n in range(3)]

    replayed = [(child.wait(timeout=180), child.communicate()) for child in replays]
    written = [(child.wait(timeout=180), child.communicate()) for child in writers]

    assert [code for code, _ in written] == [0] * 9, written
    assert [code for code, _ in replayed] == [0] * 3, replayed
    for _, (out, _) in replayed:
        checks = [line.split()[-1] for line in out.splitlines()[2:]]
        assert checks and set(checks) == {"ok"}, out
    assert event_count(shared_store) == 2 + 9
