"""What is stored stays readable by every later version.

Each `tests/fixtures/release-X.Y.Z/` holds ledgers written by release X.Y.Z's own code, and
what it answered about them; every test here runs for every release folder.
`release-0.1.0/` holds ledgers written by release 0.1.0 (commit 2073418):
`demo.db`, what `ledger demo` writes, and the stores the README's story writes (`g9.db`,
`sales.db`, `mf.db`, `hq.db`). Beside them, `expected.json` holds what 0.1.0 answered
about each store — standings, strikes, disputes, activity, flags, tasks, every history,
every dossier, the rules in force, all at one fixed `--as-of` so that the answers never
drift with the calendar — and what its `ledger replay` reported.

The code of today must open each of those ledgers, replay it, give the same answers, leave
the stored events byte for byte as they were, and still record new facts in it. Each
test works on a copy: opening a store creates and fills view tables in it, and the
committed files must never change (their digests are checked here too).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli

ROOT = Path(__file__).resolve().parent / "fixtures"
# Every release's folder, and the stores it must hold: a release adds its line here.
RELEASES: dict[str, list[str]] = {
    "0.1.0": ["demo.db", "g9.db", "hq.db", "mf.db", "sales.db"],
    "0.2.0": ["demo.db", "g9.db", "hq.db", "mf.db", "office.db", "sales.db"],
    "0.3.0": ["demo.db", "g9.db", "hq.db", "mf.db", "office.db", "sales.db"],
}
# (Read from the folders there are: a missing one fails test_every_release_has_a_folder_here,
# and `python -m tests.fixtures.write_release` imports this module before it writes one.)
EXPECTED: dict[str, dict[str, Any]] = {
    release: json.loads((ROOT / f"release-{release}" / "expected.json").read_text(
        encoding="utf-8"))
    for release in RELEASES if (ROOT / f"release-{release}" / "expected.json").exists()}
CASES = [(release, name) for release in EXPECTED for name in sorted(EXPECTED[release]["stores"])]
CASE_IDS = [f"{release}/{name}" for release, name in CASES]

Events = list[tuple[Any, ...]]


def stored_events(path: Path) -> Events:
    """Every stored event as it lies in the table: id, version, topic and state bytes."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY originator_id, originator_version").fetchall()


def ledger(store: Path, *args: str, actor: str | None = None) -> dict[str, Any]:
    """`ledger --store STORE [--actor ACTOR] ARGS…` in this process, as 0.1.0's answers
    were recorded: exit code, stderr, and stdout parsed as JSON (or as text if it is not).
    """
    head = ["--store", str(store)] + (["--actor", actor] if actor is not None else [])
    result = CliRunner(env={"LEDGER_STORE": None, "LEDGER_ACTOR": None}).invoke(
        cli, [*head, *args], prog_name="ledger")
    answer: dict[str, Any] = {"exit_code": result.exit_code, "stderr": result.stderr}
    try:
        answer["json"] = json.loads(result.stdout)
    except ValueError:
        answer["stdout"] = result.stdout
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        answer["exception"] = repr(result.exception)
    return answer


def recorded(answer: dict[str, Any]) -> dict[str, Any]:
    """What 0.1.0 gave, in the shape `ledger()` returns."""
    kept = {"exit_code": answer["exit_code"], "stderr": answer["stderr"]}
    if "json" in answer:
        kept["json"] = answer["json"]
    else:
        kept["stdout"] = answer["stdout"]
    return kept


def copy_of(release: str, name: str, directory: Path) -> Path:
    target = directory / name
    shutil.copyfile(ROOT / f"release-{release}" / name, target)
    return target


@dataclass
class Opened:
    """One old store, copied, queried through today's code: what it answered, and the
    stored events before and after.
    """

    name: str
    expected: dict[str, Any]
    answers: list[dict[str, Any]]
    before: Events
    after: Events


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def opened(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Opened:
    release, name = request.param
    expected = EXPECTED[release]["stores"][name]
    store = copy_of(release, name, tmp_path_factory.mktemp("queried"))
    before = stored_events(store)
    answers = [ledger(store, *query["args"]) for query in expected["queries"]]
    return Opened(name, expected, answers, before, stored_events(store))


Replayed = tuple[tuple[str, str], dict[str, Any], Events, Events]


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def replayed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """`ledger replay` as the first command today's code runs on an old store."""
    release, name = request.param
    store = copy_of(release, name, tmp_path_factory.mktemp("replayed"))
    before = stored_events(store)
    answer = ledger(store, "replay", "--format", "json")
    return (release, name), answer, before, stored_events(store)


def assert_same_answers(opened: Opened, *commands: tuple[str, ...]) -> None:
    """Today's answers to the queries that start with one of `commands` are 0.1.0's."""
    differing = []
    checked = 0
    for query, answer in zip(opened.expected["queries"], opened.answers):
        if not any(tuple(query["args"][:len(command)]) == command for command in commands):
            continue
        checked += 1
        if answer != recorded(query):
            differing.append((query["args"], answer, recorded(query)))
    assert checked, f"{opened.name}: no query of {commands} in expected.json"
    if differing:
        args, answer, want = differing[0]
        summary = (f"{opened.name}: {len(differing)} answer(s) differ from 0.1.0's: "
                   + "; ".join("ledger " + " ".join(args) for args, _, _ in differing))
        assert answer.get("exception") is None, (summary, answer)
        assert (answer["exit_code"], answer["stderr"]) == (want["exit_code"], want["stderr"]), \
            summary
        assert answer.get("json", answer.get("stdout")) == want.get("json", want.get("stdout")), \
            summary


def test_every_release_has_a_folder_here() -> None:
    assert sorted(path.name for path in ROOT.glob("release-*")) == [
        f"release-{release}" for release in RELEASES]


@pytest.mark.parametrize("release", sorted(EXPECTED))
def test_a_release_folder_holds_the_stores_the_release_wrote_unchanged(release: str) -> None:
    folder = ROOT / f"release-{release}"
    expected = EXPECTED[release]
    assert expected["release"] == release
    assert sorted(expected["stores"]) == RELEASES[release]
    assert sorted(path.name for path in folder.glob("*.db")) == RELEASES[release]
    assert not [path.name for path in folder.iterdir() if path.name.endswith(("-wal", "-shm"))]
    for name in RELEASES[release]:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert digest == expected["stores"][name]["sha256"], (
            f"{name} was changed: the fixtures of a release are never regenerated or edited "
            "(was it opened in place?)")


def test_opening_and_querying_an_old_ledger_leaves_its_stored_events_as_they_were(
        opened: Opened) -> None:
    assert len(opened.before) == opened.expected["events"]
    assert opened.after == opened.before


def test_an_old_ledger_gives_the_standings_0_1_0_gave(opened: Opened) -> None:
    assert_same_answers(opened, ("project", "standings"))


def test_an_old_ledger_gives_the_strikes_0_1_0_gave(opened: Opened) -> None:
    assert_same_answers(opened, ("project", "strikes"))


def test_an_old_ledger_gives_every_history_0_1_0_gave(opened: Opened) -> None:
    assert_same_answers(opened, ("history",))


def test_an_old_ledger_gives_every_dossier_0_1_0_gave(opened: Opened) -> None:
    assert_same_answers(opened, ("dossier",))


def test_an_old_ledger_gives_the_disputes_activity_flags_and_tasks_0_1_0_gave(
        opened: Opened) -> None:
    assert_same_answers(opened, ("project", "disputes"), ("project", "activity"),
                        ("flag", "list"), ("task", "list"))


def test_an_old_ledger_gives_the_rules_in_force_0_1_0_gave(opened: Opened) -> None:
    assert_same_answers(opened, ("group", "rules"))


def test_replaying_an_old_ledger_finds_every_view_ok_with_the_rows_0_1_0_counted(
        replayed: Replayed) -> None:
    (release, name), answer, before, after = replayed
    assert answer["exit_code"] == 0, answer
    views = {row["view"]: row for row in answer["json"]}
    assert all(row["check"] == "ok" for row in views.values()), answer["json"]
    then = {row["view"]: row["rows"]
            for row in EXPECTED[release]["stores"][name]["replay"]["json"]}
    assert {view: views[view]["rows"] if view in views else None for view in then} == then
    assert after == before


# For each store: the group, its owner, how a newcomer is admitted under the rules in force
# (g9.db's were amended to the README's mine.toml: any nickname, one category, `ads`), and
# a category to warn them for.
NEWCOMER = "wx_newcomer"
RECORDING = {
    "demo.db": ("g9", "wx_chen", ["--nickname", "g9#0901@新x", "--relation", "owner",
                                  "--invited-by", "wx_chen", "--verified-by", "wx_chen"],
                "flooding"),
    "g9.db": ("g9", "owner1", ["--nickname", "新邻居"], "ads"),
    "office.db": ("g9", "owner1", ["--nickname", "新邻居"], "ads"),
    "hq.db": ("hq", "president", ["--nickname", "财务部-赵六", "--verified-by", "president"],
              "off_topic"),
    "mf.db": ("mf", "yijie", ["--nickname", "四川-李安"], "ads"),
    "sales.db": ("sales", "boss", ["--nickname", "销售部-王五", "--verified-by", "boss"], "ads"),
}


@pytest.mark.parametrize("release, name", CASES, ids=CASE_IDS)
def test_an_old_ledger_still_records_an_admission_and_a_warning_seen_in_the_standings(
        release: str, name: str, tmp_path: Path) -> None:
    group, owner, admission, category = RECORDING[name]
    as_of = datetime.fromisoformat(EXPECTED[release]["as_of"])
    # Seconds after the release's moment: a fixture written a minute ago is asked about too.
    admit_at, warn_at, ask_at = ((as_of + timedelta(seconds=n)).isoformat() for n in (1, 2, 3))
    store = copy_of(release, name, tmp_path)
    before = stored_events(store)

    admitted = ledger(store, "member", "admit", group, NEWCOMER, *admission, "--at", admit_at,
                      actor=owner)
    assert admitted["exit_code"] == 0, admitted
    warned = ledger(store, "warn", group, NEWCOMER, "--category", category,
                    "--reason", "兼容性检查", "--at", warn_at, actor=owner)
    assert warned["exit_code"] == 0, warned

    standing = ledger(store, "project", "standings", "--member", NEWCOMER, "--as-of", ask_at,
                      "--format", "json")
    assert standing["exit_code"] == 0, standing
    assert [(row["group"], row["member"], row["status"], row["strikes"])
            for row in standing["json"]] == [(group, NEWCOMER, "warned", 1)]
    # What had happened by 0.1.0's moment is answered as before.
    then = next(query for query in EXPECTED[release]["stores"][name]["queries"]
                if query["args"][:2] == ["project", "standings"])
    assert ledger(store, *then["args"]) == recorded(then)
    # The old events are still there byte for byte; the new ones come after them.
    after = stored_events(store)
    assert set(before) <= set(after) and len(after) > len(before)
    assert ledger(store, "replay", "--format", "json")["exit_code"] == 0
