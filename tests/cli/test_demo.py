"""`ledger demo`: a story with fixed dates written to a new file, never over an old one."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from cli.main import cli
from tests.cli.support import event_count, ok, run, runner

DEMO_TABLE = (
    "group  member    nickname       status       strikes  since                      "
    "nickname_ok  reminders  review_due\n"
    "-----  --------  -------------  -----------  -------  -------------------------  "
    "-----------  ---------  ----------\n"
    "g9     wx_li     g9#1001@李x明  active       0        2026-10-08T11:00:00+08:00  "
    "yes          0          no\n"
    "g9     wx_sun    g9#2204@孙x    left         0        2026-10-20T09:00:00+08:00  "
    "yes          0          no\n"
    "g9     wx_wang   g9#1003@王x    active       0        2026-10-08T10:00:00+08:00  "
    "yes          0          no\n"
    "g9     wx_zhang  g9#1502@张x    removal_due  3        2026-10-15T20:00:00+08:00  "
    "yes          0          no\n"
    "g9     wx_zhao   老赵           active       0        2026-10-08T13:00:00+08:00  "
    "no           2          no\n"
    "g9     wx_zhou   g9#0801@周x    active       0        2026-10-19T18:00:00+08:00  "
    "yes          0          no\n"
)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def demo(*args: str):  # type: ignore[no-untyped-def]
    return runner().invoke(cli, ["demo", *args], prog_name="ledger")


class TestDemo:
    def test_writes_ledger_demo_db_and_prints_its_standings(self, in_tmp: Path) -> None:
        result = demo()

        assert result.exit_code == 0, result.stderr
        assert result.stdout == DEMO_TABLE
        assert result.stderr == ("Wrote the demo ledger to ledger-demo.db. Its standings:\n"
                                 "Try: ledger --store ledger-demo.db history g9 wx_zhang\n")
        assert sorted(p.name for p in in_tmp.iterdir()) == ["ledger-demo.db"]

    def test_wx_zhang_has_three_strikes_and_is_due_for_removal(self, in_tmp: Path) -> None:
        result = demo("--format", "json")

        rows = {row["member"]: row for row in orjson.loads(result.stdout)}
        assert rows["wx_zhang"] == {
            "group": "g9", "member": "wx_zhang", "nickname": "g9#1502@张x",
            "status": "removal_due", "strikes": 3, "since": "2026-10-15T20:00:00+08:00",
            "nickname_ok": True, "reminders": 0, "review_due": False}

    def test_a_second_run_writes_a_second_file(self, in_tmp: Path) -> None:
        first = demo()
        size = (in_tmp / "ledger-demo.db").stat().st_size
        mtime = os.stat(in_tmp / "ledger-demo.db").st_mtime_ns

        second = demo()

        assert (first.exit_code, second.exit_code) == (0, 0)
        assert second.stdout == DEMO_TABLE
        assert second.stderr.startswith("Wrote the demo ledger to ledger-demo-2.db.")
        assert sorted(p.name for p in in_tmp.iterdir()) == ["ledger-demo-2.db", "ledger-demo.db"]
        assert (in_tmp / "ledger-demo.db").stat().st_size == size
        assert os.stat(in_tmp / "ledger-demo.db").st_mtime_ns == mtime
        assert event_count("ledger-demo.db") == event_count("ledger-demo-2.db")

    def test_out_to_an_existing_file_is_refused_and_leaves_it_alone(self, in_tmp: Path) -> None:
        target = in_tmp / "story.db"
        target.write_bytes(b"precious")

        result = demo("--out", str(target))

        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr == (f"Error: {target} exists: the demo writes only a new file; "
                                 "remove it or choose another --out\n")
        assert target.read_bytes() == b"precious"
        assert sorted(p.name for p in in_tmp.iterdir()) == ["story.db"]

    def test_out_to_a_new_file(self, in_tmp: Path) -> None:
        result = demo("--out", "story.db", "--format", "csv")

        assert result.exit_code == 0, result.stderr
        assert result.stdout.split("\n")[4] == (
            "g9,wx_zhang,g9#1502@张x,removal_due,3,2026-10-15T20:00:00+08:00,true,0,false")
        assert sorted(p.name for p in in_tmp.iterdir()) == ["story.db"]

    def test_it_ignores_store(self, in_tmp: Path) -> None:
        result = runner().invoke(cli, ["--store", "mine.db", "demo"], prog_name="ledger")

        assert result.exit_code == 0, result.stderr
        assert not (in_tmp / "mine.db").exists()
        assert (in_tmp / "ledger-demo.db").exists()

    def test_the_demo_file_is_a_ledger_the_other_commands_read(self, in_tmp: Path) -> None:
        assert demo().exit_code == 0

        standings = ok(run("ledger-demo.db", "project", "standings"))
        history = ok(run("ledger-demo.db", "history", "g9", "wx_zhang", "--format", "json"))

        assert standings.stdout == DEMO_TABLE
        events = orjson.loads(history.stdout)
        assert [e["event"] for e in events if e["event"] == "WarningIssued"] == [
            "WarningIssued"] * 3
        assert events[0]["occurred_at"] == "2026-10-08T11:30:00+08:00"
