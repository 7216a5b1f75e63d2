"""Only ledgers are opened: a store that is someone else's is refused in one line, and
left exactly as it was; a ledger written by a newer release is refused, naming the format.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from ledger.store.url import FORMAT
from tests.cli.support import ok, run


def _sqlite_file(path: Path, *statements: str) -> bytes:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("args", [
    ("project", "standings"),
    ("history", "g", "m"),
    ("--actor", "o", "group", "create", "g", "--name", "n", "--owner", "o"),
])
def test_someone_elses_sqlite_file_is_refused_and_left_untouched(tmp_path: Path,
                                                                 args: tuple[str, ...]) -> None:
    path = tmp_path / "accounts.db"
    before = _sqlite_file(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)",
                          "INSERT INTO invoices (total) VALUES (12.5)")

    result = run(str(path), *args)

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {path} is not a ledger (it holds other tables: invoices): it was left as it "
        "is; point --store at a ledger, or at a new file or schema to start one"]
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("业主大会会议记录\n" * 100, encoding="utf-8")

    result = run(str(path), "project", "standings")

    assert result.exit_code == 1
    assert f"Error: {path} is not a ledger (SQLite says: file is not a database)" in result.output
    assert path.read_text(encoding="utf-8") == "业主大会会议记录\n" * 100


def test_another_applications_events_are_not_taken_for_a_ledgers(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    before = _sqlite_file(
        path, "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
              "topic TEXT, state BLOB)",
        "INSERT INTO stored_events VALUES ('x', 1, 'shop.domain:OrderPlaced', x'7b7d')")

    result = run(str(path), "project", "standings")

    assert result.exit_code == 1
    assert "is not a ledger (its events are another application's)" in result.output
    assert path.read_bytes() == before


def test_a_ledger_from_a_newer_release_names_its_format(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    ok(run(str(path), "group", "create", "g", "--name", "群", "--owner", "o", actor="o"))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ledger_meta SET value = ? WHERE key = 'format'", (str(FORMAT + 1),))
    conn.close()

    result = run(str(path), "project", "standings")

    assert result.exit_code == 1
    assert (f"was written by a newer release of ledger (format {FORMAT + 1}; this one reads "
            f"formats up to {FORMAT}): upgrade ledger to open it") in result.output


def test_a_new_ledger_records_its_format(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    ok(run(str(path), "group", "create", "g", "--name", "群", "--owner", "o", actor="o"))
    with sqlite3.connect(path) as conn:
        value = conn.execute("SELECT value FROM ledger_meta WHERE key = 'format'").fetchone()
    conn.close()
    assert value == (str(FORMAT),)


def test_a_postgresql_schema_holding_other_tables_is_refused(postgres_schema_url: str) -> None:
    base, schema = postgres_schema_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE TABLE "{schema}".payroll (id int)')

    result = run(postgres_schema_url, "group", "create", "g", "--name", "群", "--owner", "o",
                 actor="o")

    assert result.exit_code == 1
    assert f"(schema {schema}) is not a ledger (schema {schema} holds other tables: payroll)" \
        in result.output
    with psycopg.connect(base, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,))]
    assert tables == ["payroll"]
