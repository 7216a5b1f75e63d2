"""The PostgreSQL side of the id index (`ledger.ids`): imported only for a PostgreSQL
store, so that the embedded default needs no PostgreSQL driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from ledger.ids import COLUMNS, META, META_COLUMNS, TABLE, of_stored


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, writing the id index in the events'
    transaction.
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
        self.insert_ids_statement = SQL(
            "INSERT INTO {}.{} (case_id, kind, grp, member) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (case_id) DO NOTHING").format(*table)

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        rows = of_stored(stored_events)
        if rows:
            curs.executemany(self.insert_ids_statement, rows)
