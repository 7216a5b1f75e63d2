"""Crashes: a process killed (SIGKILL) while it brings views up to date, replays them or
imports a log leaves the store consistent, and the next command finishes the work with
every event counted exactly once. Real processes, real kills, at moments spread over the
work, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from ledger.application import Ledger
from ledger.store.url import parse_store
from projections.base import Db

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import workload  # noqa: E402

EVENTS = 10_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "store.db"
    workload.generate(path, EVENTS, seed=7)
    return path


@pytest.fixture(scope="module")
def exported(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "log.jsonl"
    with path.open("wb") as out:
        subprocess.run([sys.executable, "-m", "cli", "--store", str(generated), "export"],
                       stdout=out, check=True, timeout=300)
    return path


class Stores:
    """Fresh stores holding the generated log, on one kind of store: SQLite copies of the
    file, or PostgreSQL schemas of their own filled by importing its export (dropped at
    the end).
    """

    def __init__(self, kind: str, generated: Path, exported: Path, tmp_path: Path,
                 postgres_url: str | None) -> None:
        self.kind, self.generated, self.exported = kind, generated, exported
        self.tmp_path, self.postgres_url = tmp_path, postgres_url
        self.schemas: list[str] = []

    def empty(self, name: str) -> str:
        if self.kind == "sqlite":
            return str(self.tmp_path / f"{name}.db")
        schema = f"test_crash_{uuid.uuid4().hex[:10]}"
        self.schemas.append(schema)
        return f"{self.postgres_url}?schema={schema}"

    def filled(self, name: str) -> str:
        store = self.empty(name)
        if self.kind == "sqlite":
            shutil.copyfile(self.generated, store)
        else:
            _finished(store, "import", str(self.exported))
        return store

    def drop(self) -> None:
        if not self.schemas:
            return
        import psycopg

        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            for schema in self.schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, generated: Path, exported: Path,
           tmp_path: Path) -> Iterator[Stores]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    made = Stores(request.param, generated, exported, tmp_path, url)
    yield made
    made.drop()


def _ledger(store: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cli", "--store", store, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finished(store: str, *args: str) -> bytes:
    child = _ledger(store, *args)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()
    return out


def _activity_rows(store: str) -> int:
    """The activity view holds one row per event: every event counted exactly once."""
    rows = orjson.loads(_finished(store, "project", "activity", "--format", "json"))
    return sum(int(row["total"]) for row in rows)


def _killed_at(store: str, command: tuple[str, ...], after: float) -> bool:
    """Run the command and kill it `after` seconds in (or as it ends): whether the kill
    interrupted it.
    """
    child = _ledger(store, *command)
    started = time.perf_counter()
    while child.poll() is None and time.perf_counter() - started < after:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    return child.wait(timeout=60) == -signal.SIGKILL


def _timed(store: str, *command: str) -> float:
    started = time.perf_counter()
    _finished(store, *command)
    return time.perf_counter() - started


FRACTIONS = (0.5, 0.65, 0.8, 0.35, 0.9, 0.6)


@pytest.mark.parametrize("command", [("project", "standings", "--format", "json"),
                                     ("replay",)], ids=["catch-up", "replay"])
def test_a_killed_catch_up_or_replay_leaves_the_views_whole(stores: Stores,
                                                            command: tuple[str, ...]) -> None:
    # How long the command takes uninterrupted, from cold views, on this machine now.
    duration = _timed(stores.filled("timed"), *command)
    killed = 0
    for trial, fraction in enumerate(FRACTIONS):
        if killed == 3:
            break
        store = stores.filled(f"killed-{trial}")
        landed = _killed_at(store, command, duration * fraction)
        killed += landed
        if not landed:
            duration *= fraction  # it finished first: this machine is faster now

        out = _finished(store, "replay", "--format", "json")
        assert {row["check"] for row in orjson.loads(out)} == {"ok"}
        assert _activity_rows(store) == EVENTS
        # The killed replay's own tables are gone too: the next one dropped them.
        assert _left_by_replays(store) == []
    assert killed >= 2, "the kills came too late to interrupt anything"


def _left_by_replays(store: str) -> list[str]:
    """Tables a replay made (their names carry `_replay_`) still in the store."""
    ledger = Ledger(parse_store(store))
    try:
        db = Db(ledger)
        with db.transaction(commit=False) as cursor:
            if db.kind == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                names = [row["name"] for row in cursor.fetchall()]
            else:
                cursor.execute("SELECT table_name FROM information_schema.tables "
                               "WHERE table_schema = ?", (db.schema,))
                names = [row["table_name"] for row in cursor.fetchall()]
        return sorted(name for name in names if "_replay_" in name)
    finally:
        ledger.close()


def test_a_killed_import_finishes_on_the_next_run_with_every_event_once(
        stores: Stores) -> None:
    """An import appends in batches, one transaction each: killed between or inside them,
    the store holds whole batches only, and importing the same file again adds exactly
    what is missing, after which the tree verifies.
    """
    duration = _timed(stores.empty("timed"), "import", str(stores.exported))
    killed = 0
    for trial, fraction in enumerate(FRACTIONS):
        if killed == 3:
            break
        store = stores.empty(f"imported-{trial}")
        landed = _killed_at(store, ("import", str(stores.exported)), duration * fraction)
        killed += landed
        if not landed:
            duration *= fraction

        again = _finished(store, "import", str(stores.exported)).decode()
        assert again.startswith("imported "), again
        assert f"ok: {EVENTS} events" in _finished(store, "verify").decode()
        assert _activity_rows(store) == EVENTS
    assert killed >= 2, "the kills came too late to interrupt anything"
