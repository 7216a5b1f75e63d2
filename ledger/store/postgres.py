"""The PostgreSQL side of the id index (`ledger.ids`): imported only for a PostgreSQL
store, so that the embedded default needs no PostgreSQL driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from ledger.trust import tree
from ledger.domain.errors import LedgerError
from ledger.store.ids import COLUMNS, META, META_COLUMNS, TABLE, of_stored


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, writing the id index and the kept Merkle tree
    (`ledger.tree`) in the events' transaction. The tree is advanced once the events are
    inserted, under the library's lock on the events table, so notification ids are
    folded in the order they commit.
    """

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = Identifier(datastore.schema), Identifier(TABLE)
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (" + COLUMNS + ")").format(*table))
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (" + META_COLUMNS + ")").format(
                Identifier(datastore.schema), Identifier(META)))
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (" + tree.LEAVES_COLUMNS + ")").format(
                Identifier(datastore.schema), Identifier(tree.LEAVES)))
        schema = datastore.schema
        self._tree_names = {"events": f'"{schema}"."{events_table_name}"',
                            "meta": f'"{schema}".{META}',
                            "leaves_table": f'"{schema}".{tree.LEAVES}'}
        self.insert_ids_statement = SQL(
            "INSERT INTO {}.{} (case_id, kind, grp, member) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (case_id) DO NOTHING").format(*table)

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        rows = of_stored(stored_events)
        if rows:
            curs.executemany(self.insert_ids_statement, rows)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            try:
                tree.advance(curs, stored_events, ids, **self._tree_names,
                             id_column="notification_id", placeholder="%s")
            except LedgerError:
                _abort(curs)
                raise
        return ids


def _abort(curs: Any) -> None:
    """Make the transaction fail in the server. The library's insert_events catches an
    error raised here and re-raises it only once its transaction block has ended, which
    would commit the events: a transaction the server has aborted commits nothing.
    """
    import psycopg

    try:
        curs.execute("SELECT 1 / 0")
        curs.fetchall()
    except psycopg.Error:
        pass
