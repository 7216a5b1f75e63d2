"""Where a rebuild's time goes: CPU µs per event of the log, stage by stage.

    python benchmarks/stages.py --events 20000      # a store benchmarks/run.py generated

On a copy of the generated store (the same cache as benchmarks/run.py), it does what a
rebuild of every view from position 0 does, batch by batch as `projections.base.catch_up`
does, timing each stage apart: reading the stored rows, decoding them (the floor's bare
orjson.loads for comparison, then the rebuild's pydantic decode), each view's handlers
folding the batch, writing its rows, committing. Times are CPU time of
this process (time.process_time), the least of --runs runs, so that other work on a shared
machine disturbs them less; they are for finding the costly stage, not a target.
"""

from __future__ import annotations

import argparse
import copy
import gc
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import orjson  # noqa: E402

import run  # noqa: E402
from ledger.application import Ledger  # noqa: E402
from ledger.store.url import parse_store  # noqa: E402
from projections.base import (  # noqa: E402
    DECODED,
    POSITIONS,
    REBUILD_BATCH_SIZE,
    Db,
    Rows,
    drop,
    ensure,
    read_log,
)
from projections.catalog import VIEWS  # noqa: E402

clock = time.process_time


def measure(store: Path, scratch: Path) -> tuple[int, dict[str, float]]:
    path = run.copy_store(store, scratch / "stages.db")
    ledger = Ledger(parse_store(str(path)))
    spent: dict[str, float] = defaultdict(float)
    try:
        db = Db(ledger)
        mapper = ledger.mapper
        views = [copy.copy(view) for view in VIEWS.values()]
        for view in views:
            drop(db, view)
            ensure(db, view)
            view.begin(db, 0)
        after, events = 0, 0
        while True:
            began = clock()
            batch = read_log(db, after, REBUILD_BATCH_SIZE)
            spent["read stored rows"] += clock() - began
            if not batch:
                return events, spent
            began = clock()
            for _, _, state in batch:
                orjson.loads(state)
            spent["(floor's orjson.loads alone)"] += clock() - began
            with db.transaction() as cursor:
                kept = {view.name: Rows(db) for view in views}
                for begin in range(0, len(batch), DECODED):
                    began = clock()
                    decoded = [mapper.event_from(topic, state)
                               for _, topic, state in batch[begin:begin + DECODED]]
                    spent["decode (pydantic validate_json)"] += clock() - began
                    for view in views:
                        began = clock()
                        view.handle(kept[view.name], decoded)
                        spent[f"view {view.name}: fold"] += clock() - began
                    del decoded
                for view in views:
                    rows = kept[view.name]
                    began = clock()
                    view.finish(rows)
                    spent[f"view {view.name}: fold"] += clock() - began
                    began = clock()
                    rows.write(cursor)
                    spent[f"view {view.name}: write"] += clock() - began
                last = batch[-1][0]
                cursor.execute(f"UPDATE {db.table(POSITIONS)} SET position=?", (last,))
                began = clock()
            spent["commit"] += clock() - began
            after = last
            events += len(batch)
    finally:
        ledger.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workdir = (args.workdir or Path(tempfile.gettempdir()) / "ledger-bench").resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    store, _, _ = run.ensure_store(workdir, args.events, args.seed, regenerate=False)
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)  # as catch_up does
    best: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory(dir=workdir) as scratch:
            for _ in range(args.runs):
                events, spent = measure(store, Path(scratch))
                for stage, seconds in spent.items():
                    best[stage] = min(best.get(stage, seconds), seconds)
    finally:
        gc.set_threshold(*thresholds)
    total = sum(v for k, v in best.items() if not k.startswith("("))
    print(f"CPU µs per event, {events:,} events, least of {args.runs} runs")
    print()
    print("| stage | µs/event |")
    print("|---|---|")
    for stage, seconds in best.items():
        print(f"| {stage} | {seconds / events * 1e6:.2f} |")
    print(f"| **rebuild, every stage not in brackets** | **{total / events * 1e6:.2f}** |")
    floor = best["read stored rows"] + best["(floor's orjson.loads alone)"]
    print(f"| floor (read + orjson.loads) | {floor / events * 1e6:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
