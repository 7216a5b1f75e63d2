"""`ledger project follow` keeps the views current while others record: on PostgreSQL it is
woken by the library's notifications, on SQLite it looks every --interval; stopped and
started again it goes on from where the views stand, counting nothing twice.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from ledger.application import Ledger
from ledger.store.url import parse_store
from projections.base import Db, position
from projections.standings import VIEW


def _ledger(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cli", "--store", url, "--actor", "o", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _done(url: str, *args: str) -> str:
    child = _ledger(url, *args)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    return out


def _view_position_and_end(url: str) -> tuple[int, int]:
    ledger = Ledger(parse_store(url))
    try:
        return position(Db(ledger), VIEW), ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()


def _wait_until_current(url: str, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        at, end = _view_position_and_end(url)
        if at == end:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"the follower did not catch up within {within} s: {at} of {end}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_and_interval(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return str(tmp_path / "followed.db"), "0.2"
    # A long interval: catching up within seconds shows that a notification woke it.
    return request.getfixturevalue("postgres_schema_url"), "60"


def test_a_follower_keeps_the_views_current_and_resumes_where_it_stopped(
        store_and_interval: tuple[str, str], request: pytest.FixtureRequest) -> None:
    url, interval = store_and_interval
    _done(url, "group", "create", "g", "--name", "业主群", "--owner", "o")
    _done(url, "member", "admit", "g", "wx_li", "--nickname", "9#1201@李x")

    follower = _ledger(url, "project", "follow", "--interval", interval)
    request.addfinalizer(follower.kill)  # never left running, whatever fails below
    assert follower.stdout is not None
    assert follower.stdout.readline().startswith("caught up to event ")  # the two so far
    for _ in range(3):
        _done(url, "flag", "raise", "g", "wx_li", "--category", "ads")
    _wait_until_current(url, within=15)
    follower.send_signal(signal.SIGINT)
    out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "stopped: the views stand where the last line says" in err
    assert out.splitlines() and out.splitlines()[-1].startswith("caught up to event ")

    _done(url, "member", "rename", "g", "wx_li", "9#1201@李四")
    again = _ledger(url, "project", "follow", "--interval", interval)
    request.addfinalizer(again.kill)
    _wait_until_current(url, within=30)
    again.send_signal(signal.SIGTERM)
    again.communicate(timeout=30)
    assert again.returncode == 0

    activity = orjson.loads(_done(url, "project", "activity", "--format", "json"))
    assert sum(row["total"] for row in activity) == 6
