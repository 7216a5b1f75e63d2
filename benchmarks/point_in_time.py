"""Does a point-in-time question about one member stay cheap as the log grows?

Builds two ledgers side by side, one with ten times the members (and so ten times the
events) of the other, and times in each: the standings of ONE member --as-of a past
moment (which must read only that member's events), and the standings of EVERY member
--as-of the same moment (which must read them all). Prints the large/small ratio of
each: about 1 for the one-member question, about 10 for the whole group.

    python benchmarks/point_in_time.py [--members 30] [--repeat 20]

Ratios, not seconds, are the result: this machine is shared and noisy, and both sides
run in the same process one after the other.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.application import Ledger  # noqa: E402
from ledger.store.url import parse_store  # noqa: E402
from projections import standings  # noqa: E402

CST = timezone(timedelta(hours=8))
START = datetime(2026, 9, 1, 9, 0, tzinfo=CST)
AS_OF = datetime(2026, 10, 1, 0, 0, tzinfo=CST)


def build(folder: Path, members: int) -> Ledger:
    ledger = Ledger(parse_store(str(folder / f"bench-{members}.db")))
    ledger.register_group(actor="owner", group="g", name="基准群", owner="owner", at=START)
    for n in range(members):
        member = f"wx_{n:05d}"
        at = START + timedelta(hours=n % 500)
        ledger.admit(actor="owner", group="g", member=member, nickname=f"g9#{n:04d}@成员",
                     at=at)
        ledger.warn(actor="owner", group="g", member=member, category="flooding",
                    reason="刷屏", at=at + timedelta(days=2))
        ledger.rename(actor="owner", group="g", member=member, nickname=f"g9#{n:04d}@改名",
                      at=at + timedelta(days=3))
        ledger.warn(actor="owner", group="g", member=member, category="ads",
                    at=at + timedelta(days=40))
    standings.query(ledger)  # the view caught up: only the questions are timed
    return ledger


def timed(repeat: int, question: callable) -> float:  # type: ignore[valid-type]
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        question()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=30, help="members in the small ledger")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per question")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        small = build(Path(folder), args.members)
        large = build(Path(folder), args.members * 10)
        events = (small.recorder.max_notification_id(), large.recorder.max_notification_id())
        one = "wx_00007"
        rows = {}
        for label, question in (
            ("one member --as-of", lambda app: standings.query(app, member=one, as_of=AS_OF)),
            ("every member --as-of", lambda app: standings.query(app, as_of=AS_OF)),
            ("every member now (kept view)", lambda app: standings.query(app)),
        ):
            a = timed(args.repeat, lambda: question(small))
            b = timed(args.repeat, lambda: question(large))
            rows[label] = (a, b)
        small.close()
        large.close()

    print(f"log sizes: small {events[0]} events, large {events[1]} events "
          f"(ratio {events[1] / events[0]:.1f})")
    print(f"{'question':32} {'small ms':>9} {'large ms':>9} {'large/small':>12}")
    for label, (a, b) in rows.items():
        print(f"{label:32} {a * 1000:9.2f} {b * 1000:9.2f} {b / a:12.2f}")


if __name__ == "__main__":
    main()
