"""Choosing where a ledger lives: `parse_store` turns what people type into a `Store`, or
refuses with a `StoreError` that says what to type instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.domain.errors import LedgerError, StoreError
from ledger.store.url import DEFAULT_STORE, parse_store


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Relative store paths are relative to the working directory: make it a fresh one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


class TestSqliteFiles:
    def test_a_plain_path_is_an_sqlite_file_relative_to_the_working_directory(self, in_tmp):
        store = parse_store("g9.db")

        assert store.kind == "sqlite"
        assert store.path == Path("g9.db")
        assert store.url == "g9.db"
        assert store.env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
        assert store.env["SQLITE_DBNAME"] == "g9.db"

    def test_no_store_given_means_the_default_file(self, in_tmp):
        store = parse_store(None)

        assert store.kind == "sqlite"
        assert store.path == Path(DEFAULT_STORE) == Path("ledger.db")

    def test_spaces_around_the_store_are_ignored(self, in_tmp):
        store = parse_store("  g9.db \n")

        assert store.path == Path("g9.db")

    def test_a_nested_relative_path_needs_its_directory_to_exist(self, in_tmp):
        (in_tmp / "data").mkdir()

        store = parse_store("data/g9.db")

        assert store.path == Path("data/g9.db")

    def test_a_path_with_chinese_characters_is_kept_as_written(self, in_tmp):
        store = parse_store("业主群.db")

        assert store.path == Path("业主群.db")
        assert store.env["SQLITE_DBNAME"] == "业主群.db"

    def test_a_tilde_path_is_expanded_to_the_home_directory(self, tmp_path, monkeypatch):
        monkeypatch.setenv("HOME", str(tmp_path))

        store = parse_store("~/g9.db")

        assert store.path == tmp_path / "g9.db"

    def test_sqlite_url_with_three_slashes_is_a_relative_path(self, in_tmp):
        (in_tmp / "data").mkdir()

        store = parse_store("sqlite:///data/g9.db")

        assert store.kind == "sqlite"
        assert store.path == Path("data/g9.db")
        assert not store.path.is_absolute()
        assert store.url == "sqlite:///data/g9.db"

    def test_sqlite_url_with_four_slashes_is_an_absolute_path(self, tmp_path):
        store = parse_store(f"sqlite:///{tmp_path}/g9.db")

        assert str(tmp_path).startswith("/")  # so the URL above had four slashes
        assert store.kind == "sqlite"
        assert store.path == tmp_path / "g9.db"
        assert store.path.is_absolute()
        assert store.env["SQLITE_DBNAME"] == str(tmp_path / "g9.db")

    def test_sqlite_url_is_percent_decoded(self, in_tmp):
        store = parse_store("sqlite:///%E4%B8%9A%E4%B8%BB%E7%BE%A4.db")

        assert store.path == Path("业主群.db")

    def test_the_scheme_is_case_insensitive(self, in_tmp):
        store = parse_store("SQLite:///g9.db")

        assert store.kind == "sqlite"
        assert store.path == Path("g9.db")

    def test_an_sqlite_url_without_a_file_is_refused(self):
        with pytest.raises(StoreError) as refused:
            parse_store("sqlite:///")

        assert "names no file" in str(refused.value)
        assert "ledger.db" in str(refused.value)

    def test_a_file_in_a_missing_directory_is_refused_naming_the_directory(self, in_tmp):
        with pytest.raises(StoreError) as refused:
            parse_store("nowhere/g9.db")

        message = str(refused.value)
        assert "directory 'nowhere'" in message
        assert "'nowhere/g9.db'" in message
        assert "does not exist" in message
        assert "create it first" in message

    def test_a_missing_directory_in_an_sqlite_url_is_refused_too(self, tmp_path):
        missing = tmp_path / "no" / "such"

        with pytest.raises(StoreError) as refused:
            parse_store(f"sqlite:///{missing}/g9.db")

        assert f"directory {str(missing)!r}" in str(refused.value)
        assert "does not exist" in str(refused.value)

    def test_a_directory_is_not_a_store_and_the_error_suggests_a_file_in_it(self, tmp_path):
        with pytest.raises(StoreError) as refused:
            parse_store(str(tmp_path))

        message = str(refused.value)
        assert f"{str(tmp_path)!r} is a directory" in message
        assert str(tmp_path / "ledger.db") in message

    def test_a_missing_file_is_fine_because_it_is_created_on_first_open(self, tmp_path):
        store = parse_store(str(tmp_path / "new.db"))

        assert store.exists() is False
        (tmp_path / "new.db").touch()
        assert store.exists() is True


class TestPostgres:
    def test_a_postgresql_url_names_user_password_host_port_database_and_schema(self):
        store = parse_store("postgresql://ledger:s3cret@db.example:5433/groups?schema=g9_ledger")

        assert store.kind == "postgres"
        assert store.path is None
        assert store.postgres == {
            "POSTGRES_DBNAME": "groups",
            "POSTGRES_HOST": "db.example",
            "POSTGRES_PORT": "5433",
            "POSTGRES_USER": "ledger",
            "POSTGRES_PASSWORD": "s3cret",
            "POSTGRES_SCHEMA": "g9_ledger",
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }
        assert store.env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert store.env["POSTGRES_SCHEMA"] == "g9_ledger"

    def test_postgres_is_accepted_as_a_short_scheme(self):
        store = parse_store("postgres://ledger@db.example/groups")

        assert store.kind == "postgres"
        assert store.postgres["POSTGRES_DBNAME"] == "groups"
        assert store.postgres["POSTGRES_USER"] == "ledger"

    def test_port_schema_and_password_have_defaults(self):
        store = parse_store("postgresql://ledger@db.example/groups")

        assert store.postgres["POSTGRES_PORT"] == "5432"
        assert store.postgres["POSTGRES_SCHEMA"] == "public"
        assert store.postgres["POSTGRES_PASSWORD"] == ""

    def test_a_missing_host_means_the_local_server(self):
        store = parse_store("postgresql://ledger@/groups")

        assert store.postgres["POSTGRES_HOST"] == "127.0.0.1"

    def test_user_and_password_are_percent_decoded(self):
        store = parse_store("postgresql://le%40dger:p%2Fss%3Aw@db.example/groups")

        assert store.postgres["POSTGRES_USER"] == "le@dger"
        assert store.postgres["POSTGRES_PASSWORD"] == "p/ss:w"

    def test_the_description_shows_where_but_never_the_password(self):
        store = parse_store("postgresql://ledger:s3cret@db.example:5433/groups?schema=g9")

        assert store.describe() == "postgresql://ledger@db.example:5433/groups (schema g9)"
        assert "s3cret" not in store.describe()

    @pytest.mark.postgres
    def test_a_postgres_store_holds_a_ledger_once_one_was_opened_there(
            self, postgres_schema_url):
        store = parse_store(postgres_schema_url)
        assert store.exists() is False

        Ledger(store).close()

        assert store.exists() is True

    def test_a_url_without_a_database_is_refused(self, monkeypatch):
        monkeypatch.delenv("PGDATABASE", raising=False)
        with pytest.raises(StoreError) as refused:
            parse_store("postgresql://ledger@db.example")

        assert "names no database" in str(refused.value)
        assert "postgresql://USER@HOST/DBNAME" in str(refused.value)

    def test_a_port_that_is_not_a_number_is_refused(self):
        with pytest.raises(StoreError) as refused:
            parse_store("postgresql://ledger@db.example:five/groups")

        assert "port that is not a number" in str(refused.value)

    def test_an_unknown_option_is_refused_naming_it(self):
        with pytest.raises(StoreError) as refused:
            parse_store("postgresql://ledger@db.example/groups?sslmode=require")

        assert "sslmode" in str(refused.value)
        assert "only ?schema=NAME is understood" in str(refused.value)

    @pytest.mark.parametrize("schema", ['g9"; drop table x; --', "g9-ledger", "业主"])
    def test_a_schema_must_be_a_plain_identifier(self, schema):
        with pytest.raises(StoreError) as refused:
            parse_store(f"postgresql://ledger@db.example/groups?schema={schema}")

        assert "letters, digits and underscores" in str(refused.value)

    def test_an_unreachable_server_is_a_store_error_saying_what_to_check(self):
        store = parse_store("postgresql://postgres@127.0.0.1:1/test")

        with pytest.raises(StoreError) as refused, store.opening():
            pass

        assert "cannot open postgresql://postgres@127.0.0.1:1/test" in str(refused.value)
        assert "check the URL and that the server is running" in str(refused.value)


class TestUnsupportedSchemes:
    @pytest.mark.parametrize("url, scheme", [
        ("mysql://ledger@db.example/groups", "mysql"),
        ("https://example.com/ledger.db", "https"),
        ("file:///tmp/ledger.db", "file"),
    ])
    def test_an_unsupported_scheme_is_named_with_what_to_use_instead(self, url, scheme):
        with pytest.raises(StoreError) as refused:
            parse_store(url)

        message = str(refused.value)
        assert f"scheme {scheme!r} is not supported" in message
        assert "a file path" in message
        assert "sqlite:///PATH" in message
        assert "postgresql://USER@HOST/DBNAME" in message

    def test_a_store_error_is_a_ledger_error_so_the_cli_reports_it(self):
        with pytest.raises(LedgerError):
            parse_store("mysql://ledger@db.example/groups")


def test_the_topics_a_store_names_are_the_ledgers_own_classes() -> None:
    """The store names its mapper, transcoder and recorders by topic (so that parsing a
    URL loads nothing heavy): each topic must resolve to the class meant.
    """
    from eventsourcing.utils import resolve_topic

    from ledger.store.ids import SQLiteLedgerRecorder
    from ledger.store.persistence import OrjsonTranscoder, PydanticMapper
    from ledger.store.postgres import PostgresLedgerRecorder

    sqlite_env = parse_store("ledger.db").env
    postgres_env = parse_store("postgresql://u@h/db").env

    assert resolve_topic(sqlite_env["MAPPER_TOPIC"]) is PydanticMapper
    assert resolve_topic(sqlite_env["TRANSCODER_TOPIC"]) is OrjsonTranscoder
    assert resolve_topic(sqlite_env["APPLICATION_RECORDER_TOPIC"]) is SQLiteLedgerRecorder
    assert resolve_topic(postgres_env["APPLICATION_RECORDER_TOPIC"]) is PostgresLedgerRecorder


class TestPostgresCredentials:
    """What a PostgreSQL URL leaves out comes from the variables libpq reads, and a password
    never appears in anything the ledger prints.
    """

    def test_what_the_url_leaves_out_comes_from_the_pg_variables(self, monkeypatch):
        for name, value in {"PGHOST": "db.internal", "PGPORT": "6543", "PGDATABASE": "groups",
                            "PGUSER": "auditor", "PGPASSWORD": "s3cret"}.items():
            monkeypatch.setenv(name, value)

        store = parse_store("postgresql:///?schema=g9")

        assert {k: store.postgres[k] for k in ("POSTGRES_HOST", "POSTGRES_PORT",
                                                 "POSTGRES_DBNAME", "POSTGRES_USER",
                                                 "POSTGRES_PASSWORD", "POSTGRES_SCHEMA")} == {
            "POSTGRES_HOST": "db.internal", "POSTGRES_PORT": "6543",
            "POSTGRES_DBNAME": "groups", "POSTGRES_USER": "auditor",
            "POSTGRES_PASSWORD": "s3cret", "POSTGRES_SCHEMA": "g9"}
        assert "s3cret" not in store.describe()

    def test_the_url_wins_over_the_variables(self, monkeypatch):
        monkeypatch.setenv("PGUSER", "auditor")
        monkeypatch.setenv("PGDATABASE", "other")

        store = parse_store("postgresql://ledger@db.example/groups")

        assert (store.postgres["POSTGRES_USER"], store.postgres["POSTGRES_DBNAME"]) == (
            "ledger", "groups")

    def test_a_password_in_the_url_is_never_shown(self, monkeypatch):
        monkeypatch.delenv("PGDATABASE", raising=False)
        store = parse_store("postgresql://ledger:pa55word@127.0.0.1:1/groups")

        with pytest.raises(StoreError) as unreachable, store.opening():
            pass
        with pytest.raises(StoreError) as no_database:
            parse_store("postgresql://ledger:pa55word@db.example")

        assert store.postgres["POSTGRES_PASSWORD"] == "pa55word"
        for shown in (store.url, store.describe(), str(unreachable.value),
                      str(no_database.value)):
            assert "pa55word" not in shown
        assert store.url == "postgresql://ledger:***@127.0.0.1:1/groups"
