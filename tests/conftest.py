"""Fixtures shared by every test: a ledger on a fresh SQLite file, and one on a fresh
PostgreSQL schema (dropped afterwards). With CI=true an unreachable PostgreSQL fails the
run instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from ledger.application import Ledger
from ledger.store.url import Store, parse_store

POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=CST)


# What chooses the language of `ledger` (ledger.i18n): pinned to English for every test,
# so that a developer's own LANG=zh_CN.UTF-8 changes no expected output. A test of the
# Chinese interface sets what it needs itself.
LANGUAGE_VARIABLES = ("LEDGER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in LANGUAGE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def _postgres_reachable() -> str | None:
    try:
        import psycopg

        base = parse_store(POSTGRES_URL).postgres
        with psycopg.connect(host=base["POSTGRES_HOST"], port=int(base["POSTGRES_PORT"]),
                             dbname=base["POSTGRES_DBNAME"], user=base["POSTGRES_USER"],
                             password=base["POSTGRES_PASSWORD"] or None, connect_timeout=5):
            return None
    except Exception as error:  # any failure to connect is the reason to skip or fail
        return f"{type(error).__name__}: {error}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_reachable()
    if problem is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({problem})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ": CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_url}?schema={schema}"
    base = parse_store(postgres_url).postgres
    with psycopg.connect(host=base["POSTGRES_HOST"], port=int(base["POSTGRES_PORT"]),
                         dbname=base["POSTGRES_DBNAME"], user=base["POSTGRES_USER"],
                         password=base["POSTGRES_PASSWORD"] or None, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Store:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return parse_store(str(tmp_path / "ledger.db"))
    return parse_store(request.getfixturevalue("postgres_schema_url"))


class Clock:
    """A clock the test moves by hand; recorded-at times come from the library."""

    def __init__(self, moment: datetime = NOW) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(store: Store, clock: Clock) -> Iterator[Ledger]:
    app = Ledger(store, clock=clock)
    yield app
    app.close()


@pytest.fixture
def sqlite_ledger(tmp_path, clock: Clock) -> Iterator[Ledger]:  # type: ignore[no-untyped-def]
    app = Ledger(parse_store(str(tmp_path / "ledger.db")), clock=clock)
    yield app
    app.close()


@pytest.fixture
def recording_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Recorded-at follows the test's clock too (normally the library stamps the real
    time), so that what was known at a moment (--known-at) can be tested: move the clock,
    then record.
    """
    from ledger.domain.events import LedgerEvent

    monkeypatch.setattr(LedgerEvent, "create_timestamp", staticmethod(lambda: clock()))
    return clock
