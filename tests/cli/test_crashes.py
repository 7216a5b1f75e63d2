"""Crashes: a process killed (SIGKILL) while it brings views up to date or replays them
leaves the store consistent, and the next command finishes the work with every event
counted exactly once. Real processes, real kills, at moments spread over the work.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import workload  # noqa: E402

EVENTS = 10_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "store.db"
    workload.generate(path, EVENTS, seed=7)
    return path


def _ledger(store: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cli", "--store", str(store), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finished(store: Path, *args: str) -> bytes:
    child = _ledger(store, *args)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()
    return out


def _activity_rows(store: Path) -> int:
    """The activity view holds one row per event: every event counted exactly once."""
    rows = orjson.loads(_finished(store, "project", "activity", "--format", "json"))
    return sum(int(row["total"]) for row in rows)


@pytest.mark.parametrize("command", [("project", "standings", "--format", "json"),
                                     ("replay",)], ids=["catch-up", "replay"])
def test_a_killed_catch_up_or_replay_leaves_the_views_whole(generated: Path, tmp_path: Path,
                                                            command: tuple[str, ...]) -> None:
    # How long the command takes uninterrupted, from cold views, on this machine now.
    timed = tmp_path / "timed.db"
    shutil.copyfile(generated, timed)
    started = time.perf_counter()
    _finished(timed, *command)
    duration = time.perf_counter() - started

    killed = 0
    for trial, fraction in enumerate((0.5, 0.65, 0.8, 0.35, 0.9, 0.6, 0.45, 0.7)):
        if killed == 4:
            break
        store = tmp_path / f"killed-{trial}.db"
        shutil.copyfile(generated, store)
        child = _ledger(store, *command)
        started = time.perf_counter()
        while child.poll() is None and time.perf_counter() - started < duration * fraction:
            time.sleep(0.01)
        if child.poll() is not None:
            # It finished before the kill: this machine is faster now; aim earlier.
            duration = time.perf_counter() - started
        child.send_signal(signal.SIGKILL)
        killed += child.wait(timeout=60) == -signal.SIGKILL

        out = _finished(store, "replay", "--format", "json")
        assert {row["check"] for row in orjson.loads(out)} == {"ok"}
        assert _activity_rows(store) == EVENTS
    assert killed >= 3, "the kills came too late to interrupt anything"


def test_a_killed_import_finishes_on_the_next_run_with_every_event_once(generated: Path,
                                                                         tmp_path: Path) -> None:
    """An import appends in batches, one transaction each: killed between or inside them,
    the store holds whole batches only, and importing the same file again adds exactly
    what is missing, after which the tree verifies.
    """
    exported = tmp_path / "log.jsonl"
    with exported.open("wb") as out:
        subprocess.run([sys.executable, "-m", "cli", "--store", str(generated), "export"],
                       stdout=out, check=True, timeout=300)
    timed = tmp_path / "timed.db"
    started = time.perf_counter()
    _finished(timed, "import", str(exported))
    duration = time.perf_counter() - started

    killed = 0
    for trial, fraction in enumerate((0.5, 0.7, 0.85, 0.6, 0.4)):
        if killed == 3:
            break
        store = tmp_path / f"imported-{trial}.db"
        child = _ledger(store, "import", str(exported))
        started = time.perf_counter()
        while child.poll() is None and time.perf_counter() - started < duration * fraction:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        killed += child.wait(timeout=60) == -signal.SIGKILL

        again = _finished(store, "import", str(exported)).decode()
        assert again.startswith("imported "), again
        assert "ok: 10000 events" in _finished(store, "verify").decode()
        assert _activity_rows(store) == EVENTS
    assert killed >= 2, "the kills came too late to interrupt anything"
