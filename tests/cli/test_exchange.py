"""Export and import: a ledger exported and imported into a fresh store has the same
events byte for byte, the same Merkle root (so its seals hold), and the same views row
for row, on SQLite and PostgreSQL; importing again, or a file overlapping what is
stored, adds nothing; a bad file is refused whole, naming the line and the field.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest

from ledger.application import Ledger
from ledger.store.url import parse_store
from projections.base import Db, catch_up, table_rows
from projections.catalog import VIEWS
from tests.cli.support import Walk, event_count, ok, run, walk_through


def export(store: str, *args: str) -> bytes:
    result = ok(run(store, "export", *args))
    return result.stdout_bytes


def import_(store: str, path: Path) -> str:
    return ok(run(store, "import", str(path))).stdout


def views(store: str) -> dict:
    ledger = Ledger(parse_store(store))
    try:
        catch_up(ledger, list(VIEWS.values()))
        return {name: table_rows(Db(ledger), view) for name, view in VIEWS.items()}
    finally:
        ledger.close()


def root(store: str) -> str:
    return ok(run(store, "verify")).stdout.splitlines()[-1]


def grown(store: str) -> None:
    """Seal, record more (a second group too), seal again."""
    ok(run(store, "seal", "--note", "第一周", actor="admin1"))
    ok(run(store, "group", "create", "sales", "--name", "销售部群", "--owner", "boss",
           actor="boss"))
    ok(run(store, "member", "admit", "sales", "wx_zhang", "--nickname", "销售部-张三",
           actor="boss"))
    ok(run(store, "warn", "g9", "wx_wang", "--category", "flooding", actor="admin1"))
    ok(run(store, "seal", actor="admin1"))


class TestRoundTrip:
    def test_an_import_into_a_fresh_ledger_verifies_with_the_same_root_and_views(
            self, walked: Walk, tmp_path: Path):
        grown(walked.store)
        (tmp_path / "all.jsonl").write_bytes(export(walked.store))
        copy = str(tmp_path / "copy.db")

        out = import_(copy, tmp_path / "all.jsonl")

        assert out == "imported 16 events, 0 already stored, from 16 lines\n"
        assert root(copy) == root(walked.store)
        assert "seal 2 at size 15: ok" in ok(run(copy, "verify")).stdout
        assert export(copy) == (tmp_path / "all.jsonl").read_bytes()
        assert views(copy) == views(walked.store)

    def test_every_line_has_sorted_keys_and_the_recorded_at(self, walked: Walk):
        lines = export(walked.store).splitlines()

        first = orjson.loads(lines[0])
        assert list(first) == ["notification_id", "originator_id", "originator_version",
                               "recorded_at", "state", "topic"]
        assert first["recorded_at"] == first["state"]["timestamp"]
        assert "加侨业委会9栋业主群".encode() in lines[0], "Unicode is written as it is"

    def test_the_same_file_twice_adds_nothing_the_second_time(self, walked: Walk,
                                                              tmp_path: Path):
        (tmp_path / "all.jsonl").write_bytes(export(walked.store))
        copy = str(tmp_path / "copy.db")
        import_(copy, tmp_path / "all.jsonl")

        out = import_(copy, tmp_path / "all.jsonl")

        assert out == "imported 0 events, 11 already stored, from 11 lines\n"
        assert event_count(copy) == 11

    def test_an_overlapping_export_adds_only_what_is_missing(self, walked: Walk, tmp_path: Path):
        (tmp_path / "first.jsonl").write_bytes(export(walked.store))
        copy = str(tmp_path / "copy.db")
        import_(copy, tmp_path / "first.jsonl")
        grown(walked.store)
        (tmp_path / "since.jsonl").write_bytes(export(walked.store, "--since", "9"))

        out = import_(copy, tmp_path / "since.jsonl")

        assert out == "imported 5 events, 2 already stored, from 7 lines\n"
        assert root(copy) == root(walked.store)

    def test_a_group_export_holds_that_groups_events_only(self, walked: Walk):
        grown(walked.store)

        lines = [orjson.loads(line) for line in export(walked.store, "--group", "sales")
                 .splitlines()]

        assert [line["topic"].rsplit(":", 1)[1] for line in lines] == [
            "GroupRegistered", "MemberAdmitted"]
        assert {line["state"]["group"] for line in lines} == {"sales"}


class TestRefusals:
    def _file(self, walked: Walk, tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
        lines = export(walked.store).splitlines()
        change(lines)
        path = tmp_path / "changed.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        return path

    def _refused(self, store: str, path: Path) -> str:
        result = run(store, "import", str(path))
        assert result.exit_code == 1, result.output
        assert result.stdout == "" and result.stderr.count("\n") == 1
        return result.stderr

    def test_a_line_that_is_not_json_is_named_and_nothing_is_written(self, walked: Walk,
                                                                     tmp_path: Path):
        def broken(lines: list[bytes]) -> None:
            lines[6] = lines[6][:-5]
        path = self._file(walked, tmp_path, broken)

        error = self._refused(str(tmp_path / "copy.db"), path)

        assert error.startswith("Error: line 7: not JSON (")
        assert error.endswith(": nothing was imported\n")
        assert not (tmp_path / "copy.db").exists()

    def test_a_state_that_is_not_its_event_names_the_field(self, walked: Walk, tmp_path: Path):
        def wrong(lines: list[bytes]) -> None:
            lines[3] = lines[3].replace(b'"actor":"admin1"', b'"actor":7')
        path = self._file(walked, tmp_path, wrong)

        error = self._refused(str(tmp_path / "copy.db"), path)

        assert error.startswith("Error: line 4, field 'state': not a MemberAdmitted event (")

    def test_a_missing_field_is_named(self, walked: Walk, tmp_path: Path):
        def without(lines: list[bytes]) -> None:
            data = orjson.loads(lines[1])
            del data["topic"]
            lines[1] = orjson.dumps(data)
        path = self._file(walked, tmp_path, without)

        error = self._refused(str(tmp_path / "copy.db"), path)

        assert error == ("Error: line 2, field 'topic': missing or not text: nothing was "
                         "imported\n")

    def test_a_topic_that_is_no_event_of_the_ledger_is_refused_unresolved(self, walked: Walk,
                                                                          tmp_path: Path):
        def foreign(lines: list[bytes]) -> None:
            lines[1] = lines[1].replace(b'"topic":"ledger.events:RoleGranted"',
                                        b'"topic":"os:system"')
        path = self._file(walked, tmp_path, foreign)

        error = self._refused(str(tmp_path / "copy.db"), path)

        assert error == ("Error: line 2, field 'topic': 'os:system' is not an event type of "
                         "the ledger: nothing was imported\n")

    def test_a_line_whose_ids_are_not_its_states_is_refused(self, walked: Walk,
                                                            tmp_path: Path):
        def moved(lines: list[bytes]) -> None:
            data = orjson.loads(lines[4])
            data["originator_version"] += 1
            lines[4] = orjson.dumps(data)
        path = self._file(walked, tmp_path, moved)

        error = self._refused(str(tmp_path / "copy.db"), path)

        assert error == ("Error: line 5, field 'originator_version': not the state's "
                         "originator version: nothing was imported\n")

    def test_a_different_event_at_a_stored_place_is_refused(self, walked: Walk,
                                                            tmp_path: Path):
        copy = str(tmp_path / "copy.db")
        (tmp_path / "all.jsonl").write_bytes(export(walked.store))
        import_(copy, tmp_path / "all.jsonl")

        def edited(lines: list[bytes]) -> None:
            lines[8] = lines[8].replace("刷屏 40 条".encode(), "刷屏 4 条".encode())
        path = self._file(walked, tmp_path, edited)

        error = self._refused(copy, path)

        assert error.startswith("Error: line 9: version 6 of ")
        assert "is stored already as another event (notification 9)" in error
        assert event_count(copy) == 11

    def test_a_part_of_a_log_does_not_start_an_sqlite_ledger(self, walked: Walk,
                                                              tmp_path: Path):
        (tmp_path / "since.jsonl").write_bytes(export(walked.store, "--since", "5"))

        error = self._refused(str(tmp_path / "copy.db"), tmp_path / "since.jsonl")

        assert error == ("Error: line 1, field 'notification_id': 6 would leave a gap after 0 "
                         "(an SQLite ledger has none): import the export from where this "
                         "ledger ends, or into PostgreSQL: nothing was imported\n")
        assert not (tmp_path / "copy.db").exists()

    def test_a_missing_file_is_an_error(self, tmp_path: Path):
        error = self._refused(str(tmp_path / "copy.db"), tmp_path / "nothing.jsonl")

        assert error == (f"Error: cannot read {tmp_path / 'nothing.jsonl'}: No such file or "
                         "directory: check the path\n")


@pytest.fixture
def second_schema_url(postgres_url: str):  # type: ignore[no-untyped-def]
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_url}?schema={schema}"
    pg = parse_store(postgres_url).postgres
    with psycopg.connect(host=pg["POSTGRES_HOST"], port=int(pg["POSTGRES_PORT"]),
                         dbname=pg["POSTGRES_DBNAME"], user=pg["POSTGRES_USER"],
                         autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
class TestOnPostgreSQL:
    def test_postgresql_to_postgresql_keeps_the_root_the_seals_and_the_views(
            self, postgres_schema_url: str, second_schema_url: str, tmp_path: Path):
        walk_through(postgres_schema_url)
        grown(postgres_schema_url)
        (tmp_path / "all.jsonl").write_bytes(export(postgres_schema_url))

        import_(second_schema_url, tmp_path / "all.jsonl")
        again = import_(second_schema_url, tmp_path / "all.jsonl")

        assert again == "imported 0 events, 16 already stored, from 16 lines\n"
        assert root(second_schema_url) == root(postgres_schema_url)
        assert views(second_schema_url) == views(postgres_schema_url)
        # The sequence goes on after the imported ids: the copy records as usual.
        ok(run(second_schema_url, "warn", "g9", "wx_li", "--category", "flooding",
               actor="admin1"))
        ok(run(second_schema_url, "verify"))

    def test_sqlite_to_postgresql_and_back_gives_the_same_export(
            self, walked: Walk, postgres_schema_url: str, tmp_path: Path):
        grown(walked.store)
        (tmp_path / "all.jsonl").write_bytes(export(walked.store))

        import_(postgres_schema_url, tmp_path / "all.jsonl")
        (tmp_path / "back.jsonl").write_bytes(export(postgres_schema_url))
        import_(str(tmp_path / "back.db"), tmp_path / "back.jsonl")

        assert (tmp_path / "back.jsonl").read_bytes() == (tmp_path / "all.jsonl").read_bytes()
        assert root(str(tmp_path / "back.db")) == root(postgres_schema_url) == root(walked.store)
        assert views(postgres_schema_url) == views(walked.store)

    def test_a_group_export_starts_a_postgresql_ledger_that_verifies(
            self, walked: Walk, postgres_schema_url: str, tmp_path: Path):
        grown(walked.store)
        (tmp_path / "sales.jsonl").write_bytes(export(walked.store, "--group", "sales"))

        out = import_(postgres_schema_url, tmp_path / "sales.jsonl")

        assert out == "imported 2 events, 0 already stored, from 2 lines\n"
        assert ok(run(postgres_schema_url, "verify")).stdout.startswith(
            "checked 2 events, notification ids 13–14 increasing (gaps allowed)\n")
