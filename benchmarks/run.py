"""The ledger's performance targets, measured side by side on a generated store of N events.

    python benchmarks/run.py --events 10000            # 10k, 100k, 1M ...
    python benchmarks/run.py --events 100000 --only rebuild-floor replay
    python benchmarks/run.py --events 1000000 --check   # exit 1 if a target is missed

It generates (or reuses, from --workdir) a seeded, realistic year of many WeChat groups
under the shipped rulebooks (benchmarks/workload.py), then measures each comparison's
two sides in this same run, one after the other, and prints a Markdown table: absolute
figures, their ratio and the target. Ratios, not seconds, are the result: the machine is
shared and noisy. Small timings are repeated (--repeat) and the median taken; the large
ones (rebuild, the floor and the default read path, replay, a cold confirm) run once or
a few times. The ledger's own modules are byte-compiled first, as an installed package's
are (`compile_sources`): the commands timed do not compile their sources on every start.

Rows (names for --only):
  1 rebuild-floor    rebuild_all(ledger) events/s vs a raw sqlite3 SELECT + orjson.loads
                     of every stored event (rows/s)                        target ≥ 33 %
  2 rebuild-default  rebuild_all events/s vs eventsourcing's NotificationLogReader with
                     its default Mapper(JSONTranscoder()) (events/s)       target ≥ 2×
  3 replay           `ledger replay` wall time vs the rebuild time         target ≤ 2×,
                     and its peak RSS                                      ≤ 200 MB
  4 record           `ledger warn` on a copy of the large store vs on a store holding
                     only that group and member                            target ≤ 1.2×
  5 confirm          `ledger flag confirm` with the views never built (cold) vs with
                     them current (warm)                                   target ≤ 1.2×
  6 standings        `ledger project standings --group G --format json` vs a bare
                     python3 script (sqlite3 + json) reading view_standings target ≤ 2×
  7 help             `ledger --help` vs `python -c pass`                   target ≤ 3×
  8 import           `ledger import` of the store's export into a fresh SQLite file
                     (events/s, validation, id index and Merkle tree included) vs a raw
                     sqlite3 executemany of the same encoded rows into a table of the
                     same shape, in batches of the same size                target ≥ 50 %

Exit status: 0 whatever the figures (the benchmark measures, it does not gate); with
--check, 1 if a target is missed; 2 if a measurement could not be taken at all.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import orjson  # noqa: E402

import workload  # noqa: E402
from ledger.application import Ledger  # noqa: E402
from ledger.store.url import parse_store  # noqa: E402

ROWS = ("rebuild-floor", "rebuild-default", "replay", "record", "confirm", "standings", "help",
        "import")
RSS_LIMIT_MB = 200.0
COLD_RUNS = 3  # a cold confirm rebuilds views from position 0: a large timing


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# Stores ---------------------------------------------------------------------------------


def ledger_source_hash() -> str:
    """What the cached store was written by: the ledger package's code and rulebooks."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "ledger").rglob("*")):
        if path.suffix in (".py", ".toml"):
            h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def copy_store(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    for suffix in ("-wal",):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


def ensure_store(workdir: Path, events: int, seed: int, *, regenerate: bool) -> tuple[Path, dict[str, Any], bool]:
    """The generated store of `events` events and `seed`: reused from `workdir` if there,
    else generated (into a partial file, renamed when complete).
    """
    stem = f"store-n{events}-seed{seed}-g{workload.GENERATOR_VERSION}"
    path, meta_path = workdir / f"{stem}.db", workdir / f"{stem}.json"
    source = ledger_source_hash()
    if path.exists() and meta_path.exists() and not regenerate:
        meta = orjson.loads(meta_path.read_bytes())
        if meta.get("ledger_source") != source:
            say(f"note: {path.name} was generated by other ledger code ({meta.get('ledger_source')}, "
                f"now {source}); reusing it — give --regenerate to write it again")
        return path, meta, False
    partial = workdir / f"{stem}.partial.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    say(f"generating {events:,} events (seed {seed}) into {path} ...")
    meta = workload.generate(partial, events, seed, progress=say)
    meta["ledger_source"] = source
    meta["generated_on"] = datetime.now().astimezone().isoformat(timespec="seconds")
    os.replace(partial, path)
    meta_path.write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    return path, meta, True


# Children -------------------------------------------------------------------------------


@dataclass
class Child:
    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: bytes
    stderr: bytes

    def check(self, what: str) -> Child:
        if self.returncode != 0:
            tail = self.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{what} exited {self.returncode}: {' / '.join(tail)}")
        return self


PACKAGES = ("cli", "ledger", "projections")


def compile_sources() -> bool:
    """Byte-compile the ledger's own modules into their __pycache__ (ignored by git), as
    installing a package does, so that the commands timed start as an installed
    `ledger` starts. Where bytecode is not written on import (PYTHONDONTWRITEBYTECODE),
    every child would otherwise compile these sources again on every run — a cost the
    bare scripts, which import only the standard library (compiled when Python was
    installed), never pay. Returns whether every file compiled.
    """
    import compileall

    return all(compileall.compile_dir(ROOT / package, quiet=1) for package in PACKAGES)


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def run_child(command: Sequence[str], *, cwd: Path = ROOT) -> Child:
    """Run one child process and measure it alone: wall time, and its own peak RSS from
    wait4 (the rusage of that one child, not of every child so far).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=err, cwd=cwd, env=child_env())
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in kilobytes on Linux, bytes on macOS.
        rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return Child(seconds, rss, process.returncode, out.read(), err.read())


def ledger_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# The rows -------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    name: str
    what: str
    a: str
    b: str
    ratio: float | None
    target: str
    met: bool | None
    note: str = ""
    error: str | None = None


@dataclass
class Bench:
    store: Path
    meta: dict[str, Any]
    scratch: Path
    repeat: int
    rebuilt: Path | None = None
    rebuild_seconds: float = 0.0
    rebuild_read: int = 0
    floor_rates: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return int(self.meta["events"])

    @property
    def probe(self) -> dict[str, Any]:
        return self.meta["probe"]

    def path(self, name: str) -> Path:
        return self.scratch / name

    def fresh_copy(self, name: str, *, warm: bool = True) -> Path:
        """A copy of the large store: with every view current (warm), or as generated,
        its views never built (cold).
        """
        if warm:
            self.ensure_rebuilt()
            assert self.rebuilt is not None
            return copy_store(self.rebuilt, self.path(name))
        return copy_store(self.store, self.path(name))

    # 1 and 2 ------------------------------------------------------------------------------

    def ensure_rebuilt(self) -> None:
        """Rebuild every view of a copy of the store from position 0, timed; the copy,
        its views current, is the source of every warm copy.
        """
        if self.rebuilt is not None:
            return
        from projections.catalog import rebuild_all

        path = copy_store(self.store, self.path("rebuilt.db"))
        self.floor_rates = self.measure_floor(path)  # also brings the file into the page cache
        ledger = Ledger(parse_store(str(path)))
        try:
            say(f"rebuilding every view from position 0 ({self.events:,} events) ...")
            began = time.perf_counter()
            self.rebuild_read = int(rebuild_all(ledger) or 0)
            self.rebuild_seconds = time.perf_counter() - began
        finally:
            ledger.close()
        self.rebuilt = path

    @property
    def rebuild_rate(self) -> float:
        # Events of the log per second of rebuilding them all: a rebuild that reads the
        # log once per view is charged for every pass.
        return self.events / self.rebuild_seconds

    def measure_floor(self, path: Path) -> list[float]:
        """The floor: every stored event read by a bare sqlite3 SELECT and its state
        decoded by orjson — what any rebuild must do at least.
        """
        runs = 3 if self.events <= 300_000 else 1
        rates = []
        for _ in range(runs):
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                began = time.perf_counter()
                rows = 0
                for _rowid, _originator, _version, _topic, state in conn.execute(
                        "SELECT rowid, originator_id, originator_version, topic, state "
                        "FROM stored_events ORDER BY rowid"):
                    orjson.loads(state)
                    rows += 1
                rates.append(rows / (time.perf_counter() - began))
            finally:
                conn.close()
        return rates

    def row_rebuild_floor(self) -> Row:
        self.ensure_rebuilt()
        floor = median(self.floor_rates)
        ratio = self.rebuild_rate / floor
        read = "" if self.rebuild_read == self.events else \
            f" (rebuild_all read {self.rebuild_read:,} events: {self.rebuild_read / self.events:.1f} passes)"
        return Row(1, "rebuild-floor", "rebuild all views from 0 vs raw SELECT + orjson.loads",
                   f"{self.rebuild_rate:,.0f} ev/s ({self.rebuild_seconds:.2f} s)",
                   f"{floor:,.0f} rows/s", ratio, "≥ 0.33", ratio >= 0.33, read.strip())

    def row_rebuild_default(self) -> Row:
        """The library's default read path: NotificationLogReader over the ledger's
        notification log, each notification mapped by eventsourcing's default Mapper
        with its JSONTranscoder.

        What that mapper does with our events, precisely: our stored state is a plain
        JSON object (pydantic's model_dump(mode="json"), written by orjson), which
        JSONTranscoder decodes with json.loads (its object hook finds no `_type_`
        markers, so nothing is transcoded). Mapper.to_domain_event then resolves the
        topic to our pydantic event class and builds the object the library's way:
        object.__new__(cls) with the decoded dict set as its __dict__ — no pydantic
        validation, so times stay ISO strings and a GroupRegistered's rulebook stays a
        dict. It does construct our classes; it is cheaper than a validated decode,
        which makes it a generous baseline. The reader's default section size (10
        notifications per SELECT) is kept: that is the library's default.
        """
        self.ensure_rebuilt()
        from eventsourcing.persistence import JSONTranscoder, Mapper
        from eventsourcing.system import NotificationLogReader

        ledger = Ledger(parse_store(str(self.rebuilt)))
        try:
            mapper = Mapper(transcoder=JSONTranscoder())
            say("reading the log through NotificationLogReader + the default Mapper ...")
            began = time.perf_counter()
            count = 0
            for notification in NotificationLogReader(ledger.notification_log).read(start=1):
                mapper.to_domain_event(notification)
                count += 1
            seconds = time.perf_counter() - began
            # For context only: the same path with sections of 500.
            began = time.perf_counter()
            wide = 0
            for notification in NotificationLogReader(ledger.notification_log,
                                                      section_size=500).read(start=1):
                mapper.to_domain_event(notification)
                wide += 1
            wide_rate = wide / (time.perf_counter() - began)
        finally:
            ledger.close()
        if count != self.events:
            raise RuntimeError(f"the default read path yielded {count} events, not {self.events}")
        rate = count / seconds
        ratio = self.rebuild_rate / rate
        return Row(2, "rebuild-default",
                   "rebuild all views vs NotificationLogReader + default Mapper",
                   f"{self.rebuild_rate:,.0f} ev/s", f"{rate:,.0f} ev/s", ratio, "≥ 2",
                   ratio >= 2, f"the same reader with section_size=500: {wide_rate:,.0f} ev/s")

    # 3 ------------------------------------------------------------------------------------

    def row_replay(self) -> Row:
        # On a copy whose views are current, as a store in use is: replay catches them
        # up (nothing to do), rebuilds every view beside them and compares.
        self.ensure_rebuilt()
        path = self.fresh_copy("replay.db")
        say("running ledger replay in a child process ...")
        child = run_child(ledger_command("--store", str(path), "replay", "--format", "json"))
        child.check("ledger replay")
        ratio = child.seconds / self.rebuild_seconds
        met = ratio <= 2 and child.max_rss_mb <= RSS_LIMIT_MB
        why = [] if met else (["time"] if ratio > 2 else []) + \
            (["RSS"] if child.max_rss_mb > RSS_LIMIT_MB else [])
        return Row(3, "replay", "`ledger replay` vs rebuild time; peak RSS of replay",
                   f"{child.seconds:.2f} s, peak RSS {child.max_rss_mb:,.0f} MB",
                   f"{self.rebuild_seconds:.2f} s", ratio,
                   f"≤ 2, RSS ≤ {RSS_LIMIT_MB:.0f} MB", met,
                   "" if met else f"missed: {' and '.join(why)}")

    # 4 ------------------------------------------------------------------------------------

    def small_store(self, name: str) -> Path:
        """A store holding only the probe's group and member, admitted as in the large
        store, its views current.
        """
        from projections.catalog import rebuild_all

        p = self.probe
        path = self.path(name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        ledger = Ledger(parse_store(str(path)))
        try:
            registered = datetime.fromisoformat(p["registered_at"])
            ledger.register_group(actor=p["owner"], group=p["group"], name=p["name"],
                                  owner=p["owner"], rulebook=p["rulebook"], at=registered)
            ledger.admit(actor=p["owner"], group=p["group"], member=p["member"],
                         nickname=p["nickname"], relation=p["relation"],
                         invited_by=p["owner"] if p.get("invitation") else None,
                         verified_by=p["owner"] if p["verification"] else None,
                         exemption=p["exemption"], at=registered + timedelta(hours=1))
            rebuild_all(ledger)
        finally:
            ledger.close()
        return path

    def row_record(self) -> Row:
        p = self.probe
        large = self.fresh_copy("record-large.db")
        small = self.small_store("record-small.db")

        def warn(store: Path) -> float:
            return run_child(ledger_command(
                "--store", str(store), "--actor", p["owner"], "warn", p["group"], p["member"],
                "--category", p["category"], "--reason", "刷屏 40 条")).check("ledger warn").seconds

        say(f"timing ledger warn, {self.repeat} times on each store ...")
        a, b = [], []
        for _ in range(self.repeat):  # interleaved, so that drift hits both sides alike
            a.append(warn(large))
            b.append(warn(small))
        ma, mb = median(a), median(b)
        return Row(4, "record", "one `ledger warn` on the large store vs a one-member store",
                   f"{ma * 1000:,.0f} ms", f"{mb * 1000:,.0f} ms", ma / mb, "≤ 1.2",
                   ma / mb <= 1.2,
                   f"member {p['member']} of {p['group']} ({p['events']} events of their own)")

    # 5 ------------------------------------------------------------------------------------

    def raise_flag(self, store: Path) -> str:
        p = self.probe
        ledger = Ledger(parse_store(str(store)))
        try:
            # A message of its own each time: a second report of one message joins its case.
            return ledger.raise_flag(actor=p["owner"], group=p["group"], member=p["member"],
                                     category=p["category"],
                                     message=f"m-bench-{time.perf_counter_ns()}",
                                     excerpt="[表情]" * 12)
        finally:
            ledger.close()

    def confirm(self, store: Path, flag_id: str) -> float:
        return run_child(ledger_command(
            "--store", str(store), "--actor", self.probe["owner"], "flag", "confirm",
            flag_id[:12], "--note", "经核实属实")).check("ledger flag confirm").seconds

    def row_confirm(self) -> Row:
        self.ensure_rebuilt()
        warm = self.fresh_copy("confirm-warm.db")
        cold_runs = min(COLD_RUNS, self.repeat)
        say(f"timing ledger flag confirm: {cold_runs} cold runs (each on a fresh copy whose "
            f"views were never built), {self.repeat} warm ...")
        cold_times, warm_times = [], []
        for index in range(max(cold_runs, self.repeat)):
            if index < cold_runs:
                cold = self.fresh_copy("confirm-cold.db", warm=False)
                cold_times.append(self.confirm(cold, self.raise_flag(cold)))
            if index < self.repeat:
                flag_id = self.raise_flag(warm)
                run_child(ledger_command("--store", str(warm), "project", "standings",
                                         "--format", "json")).check("ledger project standings")
                warm_times.append(self.confirm(warm, flag_id))
        mc, mw = median(cold_times), median(warm_times)
        return Row(5, "confirm", "`ledger flag confirm`, views cold vs warm",
                   f"{mc * 1000:,.0f} ms", f"{mw * 1000:,.0f} ms", mc / mw, "≤ 1.2", mc / mw <= 1.2,
                   f"cold: median of {len(cold_times)}, warm: median of {len(warm_times)}")

    # 6 ------------------------------------------------------------------------------------

    BARE = '''\
"""Standings of one group from view_standings, with nothing but the standard library."""
import json, sqlite3, sys
from datetime import datetime, timezone

store, group = sys.argv[1], sys.argv[2]
now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
rows = conn.execute(
    "SELECT grp, member, nickname, status, strikes, since, nickname_ok, reminders, "
    "review_due_utc FROM view_standings WHERE grp = ? ORDER BY grp, member", (group,))
out = [{"group": g, "member": m, "nickname": n, "status": s, "strikes": k, "since": since,
        "nickname_ok": None if ok is None else bool(ok), "reminders": r,
        "review_due": due is not None and due <= now}
       for g, m, n, s, k, since, ok, r, due in rows]
sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\\n")
'''

    def row_standings(self) -> Row:
        group = self.probe["group"]
        store = self.fresh_copy("standings.db")
        script = self.path("bare_standings.py")
        script.write_text(self.BARE, encoding="utf-8")
        cli = ledger_command("--store", str(store), "project", "standings", "--group", group,
                             "--format", "json")
        bare = [sys.executable, str(script), str(store), group]
        first = run_child(cli).check("ledger project standings")  # the view is current
        same = orjson.loads(first.stdout) == orjson.loads(run_child(bare).check("bare script").stdout)
        say(f"timing project standings --group {group}, {self.repeat} times each ...")
        a, b = [], []
        for _ in range(self.repeat):
            a.append(run_child(cli).check("ledger project standings").seconds)
            b.append(run_child(bare).check("bare script").seconds)
        ma, mb = median(a), median(b)
        rows = len(orjson.loads(first.stdout))
        return Row(6, "standings", "`project standings --group G --format json` vs bare sqlite3+json",
                   f"{ma * 1000:,.0f} ms", f"{mb * 1000:,.0f} ms", ma / mb, "≤ 2", ma / mb <= 2,
                   f"{rows} rows; same answer: {'yes' if same else 'NO'}")

    # 7 ------------------------------------------------------------------------------------

    def row_help(self) -> Row:
        script = Path(sys.executable).with_name("ledger")
        command = [str(script), "--help"] if script.exists() else ledger_command("--help")
        runs = max(10, self.repeat)
        say(f"timing ledger --help and python -c pass, {runs} times each ...")
        a, b = [], []
        for _ in range(runs):
            a.append(run_child(command).check("ledger --help").seconds)
            b.append(run_child([sys.executable, "-c", "pass"]).check("python -c pass").seconds)
        ma, mb = median(a), median(b)
        return Row(7, "help", "`ledger --help` vs `python -c pass`",
                   f"{ma * 1000:,.0f} ms", f"{mb * 1000:,.0f} ms", ma / mb, "≤ 3", ma / mb <= 3,
                   f"median of {runs}")


    # 8 ------------------------------------------------------------------------------------

    def row_import(self) -> Row:
        from ledger.exchange.jsonl import BATCH, import_file, export_lines, parse

        source = Ledger(parse_store(str(self.store)))
        try:
            exported = self.path("export.jsonl")
            with open(exported, "wb") as out:
                for line in export_lines(source):
                    out.write(line)
        finally:
            source.close()
        # The raw side gets the rows already encoded, as the import has them once parsed.
        scratch = Ledger(parse_store(str(self.path("parse.db"))))
        try:
            with open(exported, "rb") as stream:
                encoded = [(line.notification_id, line.originator_id.hex, line.version,
                            line.topic, line.state) for line in parse(stream, scratch)]
        finally:
            scratch.close()
        runs = 3
        say(f"importing {len(encoded):,} events and a raw executemany of them, "
            f"{runs} times each ...")
        a, b = [], []
        for run in range(runs):
            target = self.path(f"import-{run}.db")
            ledger = Ledger(parse_store(str(target)))
            try:
                began = time.perf_counter()
                with open(exported, "rb") as stream:
                    outcome = import_file(ledger, stream)
                a.append(time.perf_counter() - began)
            finally:
                ledger.close()
            assert outcome.added == len(encoded), outcome
            raw = self.path(f"raw-{run}.db")
            with sqlite3.connect(raw, isolation_level=None) as db:
                db.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version "
                           "INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, "
                           "originator_version))")
                began = time.perf_counter()
                for start in range(0, len(encoded), BATCH):
                    db.execute("BEGIN")
                    db.executemany("INSERT INTO stored_events (rowid, originator_id, "
                                   "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
                                   encoded[start:start + BATCH])
                    db.execute("COMMIT")
                b.append(time.perf_counter() - began)
        ra, rb = len(encoded) / median(a), len(encoded) / median(b)
        return Row(8, "import", "`ledger import` of the export vs raw sqlite3 executemany",
                   f"{ra:,.0f} ev/s ({median(a):.2f} s)", f"{rb:,.0f} rows/s", ra / rb, "≥ 0.5",
                   ra / rb >= 0.5, f"median of {runs}; batches of {BATCH:,}")


# Output ---------------------------------------------------------------------------------


def table(rows: Sequence[Row]) -> str:
    out = ["| # | measurement | A | B | A/B | target | met |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.error:
            out.append(f"| {r.number} | {r.what} | error | error | – | {r.target} | no |")
            continue
        ratio = "–" if r.ratio is None else (f"{r.ratio:.3f}" if r.ratio < 1 else f"{r.ratio:.2f}")
        out.append(f"| {r.number} | {r.what} | {r.a} | {r.b} | {ratio} | {r.target} | "
                   f"{'yes' if r.met else 'no'} |")
    return "\n".join(out)


TARGETS = {"rebuild-floor": "≥ 0.33", "rebuild-default": "≥ 2", "replay": "≤ 2, RSS ≤ 200 MB",
           "record": "≤ 1.2", "confirm": "≤ 1.2", "standings": "≤ 2", "help": "≤ 3",
           "import": "≥ 0.5"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure the ledger against its performance targets on a generated store.",
        epilog="Rows: " + ", ".join(f"{i} {n}" for i, n in enumerate(ROWS, 1)))
    parser.add_argument("--events", type=int, default=10_000, metavar="N",
                        help="events in the generated store (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="workload seed (default 1)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where generated stores are cached and scratch copies made "
                             "(default: ledger-bench under the system temp dir)")
    parser.add_argument("--only", nargs="+", metavar="ROW", default=None,
                        help=f"run only these rows, by name or number ({', '.join(ROWS)})")
    parser.add_argument("--repeat", type=int, default=7,
                        help="runs of each small timing, median taken (default 7; "
                             "--help uses at least 10)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a target is missed")
    parser.add_argument("--regenerate", action="store_true",
                        help="write the store again even if a cached one exists")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    args = parser.parse_args(argv)
    if args.events < 100:
        parser.error("--events must be at least 100")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    selected = list(ROWS)
    if args.only:
        selected = []
        for item in args.only:
            name = ROWS[int(item) - 1] if item.isdigit() and 1 <= int(item) <= len(ROWS) else item
            if name not in ROWS:
                parser.error(f"unknown row {item!r}: use one of {', '.join(ROWS)} or 1–{len(ROWS)}")
            if name not in selected:
                selected.append(name)
        selected.sort(key=ROWS.index)

    workdir = (args.workdir or Path(tempfile.gettempdir()) / "ledger-bench").resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    store, meta, generated = ensure_store(workdir, args.events, args.seed,
                                          regenerate=args.regenerate)
    compiled = compile_sources()
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    bench = Bench(store=store, meta=meta, scratch=scratch, repeat=args.repeat)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    rows: list[Row] = []
    try:
        for number, name in enumerate(ROWS, 1):
            if name not in selected:
                continue
            measure: Callable[[], Row] = getattr(bench, "row_" + name.replace("-", "_"))
            try:
                rows.append(measure())
            except Exception as error:  # noqa: BLE001 - reported in the table and on stderr
                traceback.print_exc()
                rows.append(Row(number, name, name, "", "", None, TARGETS[name], False,
                                error=f"{type(error).__name__}: {error}"))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    from importlib.metadata import version

    command = "python " + " ".join(shlex.quote(a) for a in
                                   ["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
    kinds = sorted({g["kind"] for g in meta["groups"]})
    print(f"### Benchmark at N = {meta['events']:,} events (seed {meta['seed']})")
    print()
    print(f"`{command}`")
    print()
    how = "generated now" if generated else f"reused from {store.parent} (generated {meta.get('generated_on', '?')})"
    print(f"- store: {meta['events']:,} events (asked {meta['asked']:,}) in {len(meta['groups'])} groups "
          f"({', '.join(kinds)}), {meta['memberships']:,} memberships of {meta['persons']:,} people "
          f"({meta['multi_group_persons']:,} in several groups), {meta['backdated']:,} facts back-dated; "
          f"workload digest {meta['digest']}")
    print(f"- generation: {meta['seconds']:.1f} s, {meta['events_per_second']:,.0f} events/s "
          f"through `Ledger.batch()` ({how})")
    print(f"- bytecode: the ledger's modules {'compiled' if compiled else 'NOT all compiled'} "
          f"before the commands are timed, as an installed package's are "
          f"(PYTHONDONTWRITEBYTECODE {'set' if sys.dont_write_bytecode else 'not set'} here)")
    print(f"- machine: {os.cpu_count()} cores, load {load:.2f} at start, Python "
          f"{platform.python_version()}, eventsourcing {version('eventsourcing')}, "
          f"SQLite {sqlite3.sqlite_version}")
    if meta.get("prediction_mismatches"):
        print(f"- note: the generator's event count prediction was off: "
              f"{'; '.join(meta['prediction_mismatches'])}")
    print()
    print(table(rows))
    print()
    for r in rows:
        if r.error:
            print(f"- row {r.number} ({r.name}) could not be measured: {r.error}")
        elif r.note:
            print(f"- row {r.number} ({r.name}): {r.note}")
    print()
    met = sum(1 for r in rows if r.met and not r.error)
    print(f"targets met: {met} of {len(rows)}")
    if any(r.error for r in rows):
        return 2
    if args.check and met < len(rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
