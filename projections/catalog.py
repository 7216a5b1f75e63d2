"""Every read model by name: what `ledger replay` rebuilds and checks."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from projections import activity, cases, disputes, dossier, standings, strikes, tasks
from projections.base import Db, View, catch_up, drop, rebuild, table_rows

VIEWS: dict[str, View] = {
    view.name: view
    for view in (standings.VIEW, strikes.VIEW, disputes.VIEW, activity.VIEW, cases.VIEW,
                 tasks.VIEW, dossier.VIEW)
}

REPLAY_SUFFIX = "_replay"


@dataclass(frozen=True)
class Replayed:
    view: str
    rows: int
    digest: str
    differences: int

    @property
    def ok(self) -> bool:
        return self.differences == 0


def digest(rows: dict[str, list[dict[str, Any]]]) -> str:
    canonical = orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:16]


def _key(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS)


def replay(ledger: Any, view: View, *, progress: Callable[[int], None] | None = None) -> Replayed:
    """Rebuild `view` from position 0 into fresh tables beside it, and compare them row for
    row with the incrementally kept ones (brought up to date first).
    """
    live_db, fresh_db = Db(ledger), Db(ledger, suffix=REPLAY_SUFFIX)
    catch_up(ledger, view, db=live_db)
    try:
        rebuild(ledger, view, db=fresh_db, progress=progress)
        kept, fresh = table_rows(live_db, view), table_rows(fresh_db, view)
    finally:
        drop(fresh_db, view)
    differences = 0
    for name in view.tables:
        # Rows as multisets: a changed row is one kept row too many and one rebuilt row
        # missing; counting the larger side counts it once, as a missing row is.
        a, b = Counter(_key(r) for r in kept[name]), Counter(_key(r) for r in fresh[name])
        differences += max(sum((a - b).values()), sum((b - a).values()))
    return Replayed(view.name, sum(len(r) for r in fresh.values()), digest(fresh), differences)


def rebuild_all(ledger: Any, *, progress: Callable[[int], None] | None = None) -> int:
    """Drop every view and rebuild it from position 0; returns the events read."""
    return sum(rebuild(ledger, view, progress=progress) for view in VIEWS.values())
