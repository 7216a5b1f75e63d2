"""The walk-through once against PostgreSQL: the same outputs and the same standings as on
SQLite.
"""

from __future__ import annotations

import orjson
import pytest

from tests.cli.support import (
    WALK_STANDINGS,
    Walk,
    event_count,
    expected_walk_outputs,
    ok,
    run,
    walk_through,
)

pytestmark = pytest.mark.postgres


def test_the_walk_through_on_postgresql_prints_what_it_prints_on_sqlite(
        postgres_schema_url: str, walked: Walk) -> None:
    walk = walk_through(postgres_schema_url)

    assert walk.outputs == expected_walk_outputs(walk)
    assert event_count(postgres_schema_url) == event_count(walked.store) == 11


def test_standings_on_postgresql_equal_those_on_sqlite(postgres_schema_url: str,
                                                       walked: Walk) -> None:
    walk_through(postgres_schema_url)

    formats = {}
    for store in (postgres_schema_url, walked.store):
        formats[store] = [ok(run(store, "project", "standings", "--format", fmt)).stdout
                          for fmt in ("json", "jsonl", "csv", "table")]

    assert orjson.loads(formats[postgres_schema_url][0]) == WALK_STANDINGS
    assert formats[postgres_schema_url] == formats[walked.store]


def test_history_on_postgresql_equals_history_on_sqlite(postgres_schema_url: str) -> None:
    walk = walk_through(postgres_schema_url)

    rows = orjson.loads(ok(run(postgres_schema_url, "history", "g9", "wx_li", "--format",
                               "json")).stdout)

    assert [(r["event"], r["occurred_at"]) for r in rows] == [
        ("MemberAdmitted", "2026-11-20T11:00:00+08:00"),
        ("MemberRenamed", "2026-11-21T08:00:00+08:00"),
        ("MessageFlagged", "2026-11-21T20:15:00+08:00"),
        ("FlagConfirmed", "2026-11-21T21:00:00+08:00"),
        ("WarningIssued", "2026-11-21T21:00:00+08:00"),
        ("WarningIssued", "2026-11-22T22:00:00+08:00"),
        ("MemberRemoved", "2026-11-23T23:00:00+08:00"),
        ("MemberReadmitted", "2026-11-24T18:00:00+08:00"),
    ]
    assert rows[2]["flag_id"] == walk.flag_id


def test_a_refusal_on_postgresql_writes_nothing(postgres_schema_url: str) -> None:
    walk = walk_through(postgres_schema_url)
    before = event_count(postgres_schema_url)

    result = run(postgres_schema_url, "flag", "confirm", walk.flag_id[:8], actor="admin1")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: flag {walk.flag_id} was already confirmed: a flag is "
                             "decided once, it cannot be confirmed again\n")
    assert event_count(postgres_schema_url) == before


def test_an_unreachable_server_is_one_line_error() -> None:
    result = run("postgresql://postgres@127.0.0.1:1/test", "project", "standings")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: cannot open postgresql://postgres@127.0.0.1:1/test "
                                    "(schema public): ")
    assert result.stderr.endswith(": check the URL and that the server is running\n")
    assert result.stderr.count("\n") == 1
