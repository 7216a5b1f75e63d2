"""benchmarks/run.py runs end to end on a small store: every row is measured and printed
with numeric figures, and the store holds the number of events asked for. The ratios
are not asserted: timings on a shared machine are noise at this size.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENTS = 2000
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def test_benchmark_runs_every_row(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--events", str(EVENTS),
         "--repeat", "3", "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout

    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].isdigit():
            rows[int(cells[0])] = cells
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7, 8], out
    for number, (_, what, a, b, ratio, target, met) in rows.items():
        assert NUMBER.search(a) and NUMBER.search(b), f"row {number} ({what}): {a!r}, {b!r}"
        assert float(ratio) > 0, f"row {number} ({what}): ratio {ratio!r}"
        assert NUMBER.search(target), f"row {number}: target {target!r}"
        assert met in ("yes", "no")

    stored = re.search(r"store: ([\d,]+) events", out)
    assert stored, out
    assert abs(int(stored.group(1).replace(",", "")) - EVENTS) <= 3
    assert re.search(r"^targets met: \d+ of 8$", out, re.MULTILINE), out
    assert not re.search(r"\b\d+ passed\b|\b\d+ failed\b", out)
