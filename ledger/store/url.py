"""Where a ledger lives, chosen by a URL: an SQLite file (the default) or PostgreSQL.

    ledger.db, ./data/g.db            an SQLite file, relative to the working directory
    sqlite:///data/g.db               the same, as a URL (three slashes: relative path)
    sqlite:////var/lib/ledger/g.db    an absolute path (four slashes)
    postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?schema=NAME]
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.domain.errors import StoreError
from ledger.domain.i18n import _

DEFAULT_STORE = "ledger.db"

# Named by topic, so that parsing a store's URL imports neither pydantic nor the library:
# a query answered from a current view needs neither (projections.current).
_COMMON_ENV = {
    "MAPPER_TOPIC": "ledger.store.persistence:PydanticMapper",
    "TRANSCODER_TOPIC": "ledger.store.persistence:OrjsonTranscoder",
}


class Store:
    """Where one ledger lives. A plain class rather than a dataclass: every command,
    `--help` aside, parses its store first, and a dataclass costs milliseconds to define.
    """

    __slots__ = ("url", "kind", "path", "postgres", "complete")

    def __init__(self, url: str, kind: Literal["sqlite", "postgres"], path: Path | None = None,
                 postgres: dict[str, str] | None = None) -> None:
        self.url = url
        self.kind = kind
        self.path = path
        self.postgres = postgres or {}
        self.complete = False  # whether the ledger's tables were all found when opened

    @property
    def env(self) -> dict[str, str]:
        common = {**_COMMON_ENV, "CREATE_TABLE": "no" if self.complete else "yes"}
        if self.kind == "sqlite":
            assert self.path is not None
            return {**common, "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "APPLICATION_RECORDER_TOPIC": "ledger.store.ids:SQLiteLedgerRecorder",
                    "SQLITE_DBNAME": str(self.path), "SQLITE_LOCK_TIMEOUT": "30"}
        return {**common, "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "APPLICATION_RECORDER_TOPIC": "ledger.store.postgres:PostgresLedgerRecorder",
                **self.postgres}

    def qualified(self, table: str) -> str:
        """A table of the ledger's own, as SQL names it in this store."""
        if self.kind == "postgres":
            return f'"{self.postgres["POSTGRES_SCHEMA"]}".{table}'
        return table

    @property
    def placeholder(self) -> str:
        return "%s" if self.kind == "postgres" else "?"

    def exists(self) -> bool:
        """Whether there is a ledger here already: the SQLite file, or the events table in
        the PostgreSQL schema.
        """
        if self.kind == "sqlite":
            return self.path is not None and self.path.exists()
        with self.connect() as conn:
            found = conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = 'ledger_events'", (self.postgres["POSTGRES_SCHEMA"],))
            return found.fetchone() is not None

    def discard(self) -> bool:
        """Remove a new SQLite file, with its journal files, that a failed command made,
        when it holds no event; returns whether it did. Only for a store this process
        created: a file holding any event is kept, whoever wrote it.
        """
        if self.kind != "sqlite" or self.path is None or not self.path.exists():
            return False
        import sqlite3

        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
                tables = {row[0] for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'")}
                if "stored_events" in tables and \
                        conn.execute("SELECT 1 FROM stored_events LIMIT 1").fetchone():
                    return False
        except sqlite3.Error:
            return False  # what cannot be read is not known to be empty
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return True

    @contextlib.contextmanager
    def opening(self) -> Iterator[None]:
        """Around opening the ledger: refuse a store that is someone else's (left as it
        was), and let the library create the ledger's tables only where some are missing.
        On PostgreSQL, openers of one schema take turns while tables are made (an advisory
        lock), since the library's CREATE statements race one another.
        """
        if self.kind == "sqlite":
            self.complete = _inspect_sqlite(self)
            yield
            return
        with self.connect() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))",
                         (f"ledger:{self.postgres['POSTGRES_SCHEMA']}",))
            try:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.postgres["POSTGRES_SCHEMA"]}"')
                self.complete = _inspect_postgres(self, conn)
                if self.complete:
                    conn.execute("SELECT pg_advisory_unlock_all()")
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock_all()")

    def connect(self) -> Any:
        """A connection of its own to the PostgreSQL server (autocommit)."""
        try:
            import psycopg
        except ImportError:
            raise StoreError(_("PostgreSQL support is not installed: pip install "
                               "'compliance-ledger[postgres]'")) from None
        pg = self.postgres
        try:
            return psycopg.connect(host=pg["POSTGRES_HOST"], port=int(pg["POSTGRES_PORT"]),
                                   dbname=pg["POSTGRES_DBNAME"], user=pg["POSTGRES_USER"],
                                   password=pg["POSTGRES_PASSWORD"] or None,
                                   connect_timeout=5, autocommit=True)
        except psycopg.Error as error:
            first = (str(error).strip().splitlines() or ["no answer"])[0]
            raise StoreError(_("cannot open {store}: {first}: check the URL and that the server "
                               "is running").format(store=self.describe(), first=first)) from None

    def describe(self) -> str:
        if self.kind == "sqlite":
            return str(self.path)
        pg = self.postgres
        return (f"postgresql://{pg['POSTGRES_USER']}@{pg['POSTGRES_HOST']}:{pg['POSTGRES_PORT']}"
                f"/{pg['POSTGRES_DBNAME']} (schema {pg['POSTGRES_SCHEMA']})")


def parse_store(text: str | None) -> Store:
    text = (text or DEFAULT_STORE).strip()
    if "://" not in text:
        return _sqlite(text, text)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db"
        return _sqlite(text, unquote(text.split("://", 1)[1][1:]))
    if scheme in ("postgresql", "postgres"):
        return _postgres(text, parts)
    raise StoreError(
        _("store URL scheme {scheme!r} is not supported: use a file path, sqlite:///PATH or "
          "postgresql://USER@HOST/DBNAME").format(scheme=parts.scheme)
    )


def _sqlite(url: str, raw_path: str) -> Store:
    if not raw_path:
        raise StoreError(_("store {url!r} names no file: give a path such as ledger.db").format(
                           url=url))
    path = Path(raw_path).expanduser()
    if path.exists() and path.is_dir():
        raise StoreError(_("store {path!r} is a directory: give a file path such as {value}").format(
                           path=str(path), value=path / DEFAULT_STORE))
    if not path.parent.exists():
        raise StoreError(_("directory {parent!r} of store {path!r} does not exist: create it "
                           "first or choose another --store").format(
                           parent=str(path.parent), path=str(path)))
    return Store(url=url, kind="sqlite", path=path)


def _postgres(url: str, parts) -> Store:  # type: ignore[no-untyped-def]
    """A PostgreSQL store. What the URL leaves out comes from the standard variables libpq
    reads (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD), as psql would take them.
    """
    env = os.environ
    # The password is kept for connecting only: the URL as shown, describe() and every
    # message leave it out.
    try:
        secret = parts.password
    except ValueError:
        secret = None
    url = url if secret is None else url.replace(f":{secret}@", ":***@", 1)
    dbname = unquote(parts.path.lstrip("/")) or env.get("PGDATABASE", "")
    if not dbname:
        raise StoreError(_("store {url!r} names no database: write postgresql://USER@HOST/DBNAME "
                           "(or set PGDATABASE)").format(url=url))
    try:
        port = parts.port or int(env.get("PGPORT") or 5432)
    except ValueError:
        raise StoreError(_("store {url!r} has a port that is not a number").format(
                           url=url)) from None
    query = parse_qs(parts.query)
    unknown = set(query) - {"schema"}
    if unknown:
        raise StoreError(_("store {url!r} has unknown option(s) {unknown}: only ?schema=NAME is "
                           "understood").format(url=url, unknown=', '.join(sorted(unknown))))
    schema = query.get("schema", ["public"])[0]
    if not schema.replace("_", "").isalnum() or not schema.isascii():
        raise StoreError(_("schema {schema!r} must be letters, digits and underscores").format(
                           schema=schema))
    user = unquote(parts.username or "") or env.get("PGUSER") or env.get("USER", "postgres")
    password = unquote(secret or "") or env.get("PGPASSWORD", "")
    return Store(
        url=url,
        kind="postgres",
        postgres={
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname or env.get("PGHOST") or "127.0.0.1",
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": user,
            "POSTGRES_PASSWORD": password,
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
        },
    )


# What a ledger's store holds: its events, the id index, what it records about itself. A
# store holding tables and none of these is someone else's. `FORMAT` is the version of
# what this release writes; a store marked with a later one was written by a newer release.
EVENTS_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
LEDGER_TABLES = ("ledger_case_ids", "ledger_meta", "ledger_leaves")
# 1: release 0.1.0, which recorded no format; 2: the id index and the meta table; 3: the
# Merkle tree kept beside the log (ledger.tree), which a release that does not keep it
# would leave behind by writing.
FORMAT = 3


def _not_a_ledger(store: Store, why: str) -> StoreError:
    return StoreError(_("{store} is not a ledger ({why}): it was left as it is; point --store at "
                        "a ledger, or at a new file or schema to start one").format(
                        store=store.describe(), why=why))


def _check_format(store: Store, value: str | None) -> None:
    if value is not None and (not value.isdigit() or int(value) > FORMAT):
        raise StoreError(_("{store} was written by a newer release of ledger (format {value}; "
                           "this one reads formats up to {FORMAT}): upgrade ledger to open it").format(
                           store=store.describe(), value=value, FORMAT=FORMAT))


def _inspect_sqlite(store: Store) -> bool:
    """Whether the file holds a whole ledger already (False for a new or empty file);
    refuses one that is not a ledger, reading it only.
    """
    import sqlite3

    assert store.path is not None
    if not store.path.exists() or store.path.stat().st_size == 0:
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro",
                                                uri=True, timeout=30)) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return False
            if "stored_events" not in tables:
                others = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
                raise _not_a_ledger(store, _("it holds other tables: {others}").format(
                                             others=others))
            columns = {row[1] for row in conn.execute("PRAGMA table_info(stored_events)")}
            if not EVENTS_COLUMNS <= columns:
                raise _not_a_ledger(store, _("its stored_events table is not a ledger's"))
            if "ledger_meta" in tables:
                found = conn.execute("SELECT value FROM ledger_meta WHERE key = 'format'")
                row = found.fetchone()
                _check_format(store, None if row is None else row[0])
            else:
                first = conn.execute("SELECT topic FROM stored_events LIMIT 1").fetchone()
                if first is not None and not str(first[0]).startswith("ledger."):
                    raise _not_a_ledger(store, _("its events are another application's"))
            return all(name in tables for name in LEDGER_TABLES)
    except sqlite3.DatabaseError as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise _not_a_ledger(store, _("SQLite says: {first_line}").format(
                                     first_line=first_line)) from None


def _inspect_postgres(store: Store, conn: Any) -> bool:
    """Whether the schema holds a whole ledger already; refuses one that holds other
    tables and no ledger.
    """
    schema = store.postgres["POSTGRES_SCHEMA"]
    tables = {row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))}
    if "ledger_events" not in tables:
        foreign = sorted(t for t in tables if not t.startswith(("ledger_", "view_")))
        if foreign:
            others = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            raise _not_a_ledger(store, _("schema {schema} holds other tables: {others}").format(
                                         schema=schema, others=others))
        return False
    columns = {row[0] for row in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = 'ledger_events'", (schema,))}
    if not EVENTS_COLUMNS <= columns:
        raise _not_a_ledger(store, _("its ledger_events table is not a ledger's"))
    if "ledger_meta" in tables:
        row = conn.execute(f'SELECT value FROM "{schema}".ledger_meta WHERE key = %s',
                           ("format",)).fetchone()
        _check_format(store, None if row is None else row[0])
    return all(name in tables for name in LEDGER_TABLES)
