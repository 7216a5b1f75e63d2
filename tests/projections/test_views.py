"""Every read model besides standings — strikes, disputes, activity, cases, tasks and the
dossier's member index — kept incrementally, rebuilt from position 0, and recomputed by
hand from the raw event list must all give the same rows, now and at past moments.

A history is told through the application API with a clock the test moves (recorded-at
follows it, so that --known-at means something), facts back-dated at random, and
refused commands skipped. The recomputations below read the notification log and the
events' own fields only: no timeline fold, no view code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.errors import LedgerError, NotFound
from ledger.store.ids import Case
from ledger.domain.events import (
    AppealDecided,
    AppealFiled,
    FlagConfirmed,
    FlagDismissed,
    LedgerEvent,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    MessageFlagged,
    NicknameReminded,
    SanctionRescinded,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)
from ledger.store.url import parse_store
from projections import activity, cases, catalog, disputes, dossier, strikes, tasks
from projections.base import Db, Rows, View, catch_up, position, rebuild, table_rows
from tests.conftest import Clock

CST = timezone(timedelta(hours=8))
START = datetime(2026, 10, 1, 9, 0, tzinfo=CST)
GROUPS = ["g9", "g1"]
MEMBERS = ["wx_li", "wx_wang", "wx_张"]

BOOK = """
name = "testbook"
title = "测试群规"

[strikes]
limit = 3
on_limit = "{on_limit}"
on_sight = "remove"
expire_after_days = {days}
rule = "三次违反规定移出群聊"

[nickname]
pattern = 'g\\d+#\\d+@.+'
description = "楼号#房号@昵称"
reminders_before_removal = 2
rule = "昵称须为 楼号#房号@昵称"

[tasks]
response_minutes = 30
category = "late_response"

[categories.flooding]
zh = "刷屏"
en = "flooding"
rule = "不得刷屏"

[categories.ads]
zh = "广告"
en = "advertising"
weight = {ads_weight}
rule = "不得发广告"

[categories.porn]
zh = "色情"
en = "pornography"
on_sight = true
rule = "色情内容一律移出"

[categories.defiance]
zh = "不服从管理"
en = "defiance"

[categories.late_response]
zh = "未按时回复"
en = "late response"
rule = "任务须在 30 分钟内回复"

[categories.nickname]
zh = "昵称不规范"
en = "non-compliant nickname"
"""


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """Two versions of one rulebook: the first removes at the limit, the amended one
    makes removal due; they differ in how long a strike lives and what ads weigh.
    """
    folder = tmp_path_factory.mktemp("books")
    first, second = folder / "v1.toml", folder / "v2.toml"
    first.write_text(BOOK.format(on_limit="remove", days=3, ads_weight=2), encoding="utf-8")
    second.write_text(BOOK.format(on_limit="removal_due", days=5, ads_weight=3),
                      encoding="utf-8")
    return str(first), str(second)


# A history --------------------------------------------------------------------------------

COMMANDS = ["admit", "rename", "remind", "warn", "warn", "warn", "flag", "flag", "confirm",
            "confirm", "dismiss", "remove_temp", "remove", "readmit", "leave",
            "leave_violation", "assign", "assign", "ack", "ack", "missed", "amend",
            "review_keep", "review_remove", "appeal", "appeal", "decide", "decide", "rescind"]

# (command, member, group, minutes the clock moves, minutes back-dated, a pick, catch up?)
Step = tuple[str, str, str, int, int, int, bool]

step_strategy = st.tuples(
    st.sampled_from(COMMANDS),
    st.sampled_from(MEMBERS),
    st.sampled_from(GROUPS),
    st.integers(min_value=0, max_value=36 * 60),
    st.one_of(st.just(0), st.just(0), st.integers(min_value=0, max_value=5 * 24 * 60)),
    st.integers(min_value=0, max_value=10_000),
    st.booleans(),
)
PAIRS = [(m, g) for m in MEMBERS for g in GROUPS]
# Who is NOT admitted at the start (only by a step, if at all), then the steps.
histories = st.tuples(
    st.sets(st.sampled_from(PAIRS), max_size=2),
    st.lists(step_strategy, min_size=12, max_size=40),
)
History = tuple[set[tuple[str, str]], list[Step]]


@dataclass
class Told:
    ledger: Ledger
    clock: Clock
    flags: list[tuple[str, str, str]] = field(default_factory=list)
    tasks: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    amended: dict[str, int] = field(default_factory=dict)
    sanctions: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, g, m, by
    appeals: list[tuple[str, str, str]] = field(default_factory=list)
    reviewers: set[str] = field(default_factory=set)  # the groups rev1 reviews


def _run(told: Told, books: tuple[str, str], n: int, step: Step) -> None:
    command, member, group, _, back, pick, _ = step
    ledger, now = told.ledger, told.clock()
    at = max(now - timedelta(minutes=back), START + timedelta(hours=1))
    admin = "admin1" if pick % 2 else "admin2"
    who = {"group": group, "member": member, "at": at}
    compliant = f"{group}#{100 + n}@{member}" if pick % 3 else f"昵称{n}"
    if command == "admit":
        ledger.admit(actor=admin, **who, nickname=compliant)
    elif command == "rename":
        ledger.rename(actor=member if pick % 4 == 0 else admin, **who, nickname=compliant)
    elif command == "remind":
        ledger.remind(actor=admin, **who)
    elif command == "warn":
        category = ["flooding", "ads", "flooding", "ads", "defiance", "nickname", "porn"][pick % 7]
        told.sanctions.append((ledger.warn(actor=admin, **who, category=category,
                                           reason=None if pick % 5 == 0 else f"第 {n} 次"),
                               group, member, admin))
    elif command == "flag":
        raiser = admin if pick % 2 else next(m for m in MEMBERS if m != member)
        flag_id = ledger.raise_flag(actor=raiser, **who,
                                    category=["flooding", "ads", "porn"][pick % 3],
                                    message=f"m-{n}", excerpt=f"摘录 {n}" if pick % 4 else None)
        told.flags.append((flag_id, group, member))
    elif command in ("confirm", "dismiss") and told.flags:
        flag_id, group, member = told.flags[pick % len(told.flags)]
        target = {"group": group, "member": member, "flag_id": flag_id, "at": at}
        if command == "confirm":
            told.sanctions.append((ledger.confirm_flag(actor=admin, **target, note=f"核实 {n}"),
                                   group, member, admin))
        else:
            ledger.dismiss_flag(actor=admin, **target, reason="误报")
    elif command in ("remove_temp", "remove"):
        told.sanctions.append((ledger.remove(actor=admin, **who, reason="争吵",
                                             temporary=command == "remove_temp"),
                               group, member, admin))
    elif command == "readmit":
        ledger.readmit(actor=admin, **who, note="调解后重新邀请" if pick % 3 else None)
    elif command == "leave":
        ledger.leave(actor=member, **who, note="退群" if pick % 2 else None)
    elif command == "leave_violation":
        ledger.leave(actor=admin, **who, violation="defiance", note="故意退群")
    elif command == "assign":
        task_id = ledger.assign_task(actor=admin, **who, summary=f"任务 {n}",
                                     deadline_minutes=None if pick % 3 else 10)
        told.tasks.append((task_id, group, member, at))
    elif command in ("ack", "missed") and told.tasks:
        task_id, group, member, assigned_at = told.tasks[pick % len(told.tasks)]
        if command == "ack":
            moment = min(assigned_at + timedelta(minutes=pick % 60), now)
            ledger.acknowledge_task(actor=member if pick % 2 else admin, group=group,
                                    member=member, task_id=task_id, at=moment)
        else:
            moment = min(assigned_at + timedelta(minutes=31 + pick % 120), now)
            ledger.confirm_task_missed(actor=admin, group=group, member=member,
                                       task_id=task_id, at=moment)
    elif command == "amend":
        version = told.amended.get(group, 1)
        ledger.amend_rules(actor="owner1", group=group, rulebook=books[version % 2],
                           resolution=f"业主代表大会决议 {n}")
        told.amended[group] = version + 1
    elif command in ("appeal", "rescind") and told.sanctions:
        sanction_id, group, member, issuer = told.sanctions[pick % len(told.sanctions)]
        if command == "appeal":
            appeal_id = ledger.file_appeal(actor=member if pick % 2 else admin, group=group,
                                           member=member, sanction_id=sanction_id,
                                           grounds=f"申诉 {n}", at=max(at, now))
            told.appeals.append((appeal_id, group, member))
        else:
            ledger.rescind(actor=issuer if pick % 3 else "owner1", group=group, member=member,
                           sanction_id=sanction_id, reason=f"误判 {n}", at=max(at, now))
    elif command == "decide" and told.appeals:
        appeal_id, group, member = told.appeals[pick % len(told.appeals)]
        if group not in told.reviewers:
            ledger.grant_role(actor="owner1", group=group, member="rev1", role="reviewer")
            told.reviewers.add(group)
        outcome = ["upheld", "overturned", "reduced"][pick % 3]
        ledger.decide_appeal(actor="rev1", group=group, member=member, appeal_id=appeal_id,
                             outcome=outcome, rationale=f"裁决 {n}",  # type: ignore[arg-type]
                             weight=1 if outcome == "reduced" and pick % 2 else None,
                             at=max(at, now))
    elif command in ("review_keep", "review_remove"):
        ledger.review(actor=admin, group=group, keep=[member] if command == "review_keep" else [],
                      remove=[member] if command == "review_remove" else [],
                      reason="定期清理", at=at)


def tell(ledger: Ledger, clock: Clock, books: tuple[str, str], history: History,
         view: View) -> Told:
    """The history told into `ledger` (recorded-at must follow `clock`), `view` caught up
    at random points.
    """
    story = Told(ledger, clock)
    clock.moment = START
    for group in GROUPS:
        ledger.register_group(actor="owner1", group=group, name=f"{group} 业主群",
                              owner="owner1", rulebook=books[0])
        ledger.grant_role(actor="owner1", group=group, member="admin1", role="admin")
        ledger.grant_role(actor="owner1", group=group, member="admin2", role="admin")
    clock.advance(hours=2)
    left_out, steps = history
    for n, (member, group) in enumerate(p for p in PAIRS if p not in left_out):
        ledger.admit(actor="admin1", group=group, member=member,
                     nickname=f"{group}#{n}@{member}" if n % 3 else f"阿{n}",
                     at=START + timedelta(hours=1, minutes=n))
    for n, step in enumerate(steps):
        clock.advance(minutes=step[3], seconds=1)
        try:
            _run(story, books, n, step)
        except LedgerError:
            pass  # a refused command records nothing; the history goes on
        if step[6]:
            catch_up(ledger, view, batch_size=1 + step[5] % 4)
    return story


@contextlib.contextmanager
def told(tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str], history: History,
         view: View) -> Iterator[Told]:
    """The history told into a fresh SQLite ledger."""
    clock = Clock(START)
    path = tmp_path_factory.mktemp("views") / "ledger.db"
    ledger = Ledger(parse_store(str(path)), clock=clock)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LedgerEvent, "create_timestamp", staticmethod(lambda: clock()))
        try:
            yield tell(ledger, clock, books, history, view)
        finally:
            ledger.close()


# The raw facts ----------------------------------------------------------------------------


def raw_events(ledger: Ledger) -> list[LedgerEvent]:
    """Every event in the order it was recorded, straight from the notification log."""
    events: list[LedgerEvent] = []
    start = 1
    while True:
        batch = ledger.recorder.select_notifications(start=start, limit=100)
        if not batch:
            return events
        events += [ledger.mapper.to_domain_event(n) for n in batch]
        start = batch[-1].id + 1


Moment = tuple[datetime | None, datetime | None]  # (as_of, known_at)


def moments(data: st.DataObject, events: list[LedgerEvent], now: datetime) -> list[Moment]:
    """Now, and a few past moments on the edges that matter: when facts happened, when
    they were recorded, when strikes expire, a second either side of them.
    """
    edges = {e.occurred_at for e in events} | {e.timestamp for e in events}
    edges |= {e.expires_at for e in events if isinstance(e, WarningIssued) and e.expires_at}
    edges |= {t + timedelta(seconds=s) for t in list(edges) for s in (-1, 1)}
    edges |= {START - timedelta(days=1)}
    times = sorted(t for t in edges if t <= now)
    when = st.one_of(st.none(), st.sampled_from(times))
    return [(None, None), *data.draw(st.lists(st.tuples(when, when), min_size=2, max_size=4))]


def seen(event: LedgerEvent, now: datetime, as_of: datetime | None,
         known_at: datetime | None) -> bool:
    return event.occurred_at <= (as_of or now) and event.timestamp <= (known_at or now)


def shown(moment: datetime | None) -> str | None:
    """A time as the views print it: ISO 8601 to the second, in its own offset."""
    return None if moment is None else moment.isoformat(timespec="seconds")


def check_view(view: View, observe: Callable[[Ledger, list[Moment]], Any],
               recompute: Callable[[list[LedgerEvent], datetime, list[Moment]], Any],
               tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
               history: History, data: st.DataObject) -> Any:
    """Incremental rows == rows rebuilt from position 0 == the rows recomputed by hand,
    at now and at past moments; and the kept tables equal the rebuilt ones.
    """
    with told(tmp_path_factory, books, history, view) as story:
        ledger = story.ledger
        events = raw_events(ledger)
        now = story.clock()
        asked = moments(data, events, now)

        incremental = observe(ledger, asked)
        kept = table_rows(Db(ledger), view)
        rebuild(ledger, view, batch_size=data.draw(st.integers(min_value=1, max_value=4)))
        rebuilt = observe(ledger, asked)

        assert table_rows(Db(ledger), view) == kept
        assert incremental == rebuilt
        assert incremental == recompute(events, now, asked)
        return incremental


PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


# Strikes ----------------------------------------------------------------------------------


def strikes_by_hand(events: list[LedgerEvent], now: datetime,
                    asked: list[Moment]) -> list[list[dict[str, Any]]]:
    answers = []
    for as_of, known_at in asked:
        at = as_of or now
        warnings = sorted((e for e in events if isinstance(e, WarningIssued)
                           and seen(e, now, as_of, known_at)),
                          key=lambda e: (e.occurred_at, e.sanction_id))
        # What happened to each since, as known then: withdrawn by its issuer, or decided
        # on appeal (an upheld decision changes nothing).
        later = {(e.sanction_id, "rescinded" if isinstance(e, SanctionRescinded) else e.outcome):
                 e for e in events if isinstance(e, (SanctionRescinded, AppealDecided))
                 and seen(e, now, as_of, known_at)}
        rows = []
        for e in warnings:
            expired = e.expires_at is not None and e.expires_at <= at
            reduced = later.get((e.sanction_id, "reduced"))
            state = ("rescinded" if (e.sanction_id, "rescinded") in later else
                     "overturned" if (e.sanction_id, "overturned") in later else
                     "expired" if expired else "reduced" if reduced else "live")
            rows.append({"case": e.sanction_id, "group": e.group, "member": e.member,
                         "category": e.category, "label": e.category_label,
                         "weight": reduced.weight if reduced else e.weight,
                         "occurred_at": shown(e.occurred_at),
                         "rule": f"{e.rulebook} v{e.rulebook_version}",
                         "state": state,
                         "expires_at": shown(e.expires_at), "issued_by": e.actor,
                         "reason": e.reason, "rule_text": e.rule_text})
        answers.append(rows)
    return answers


class TestStrikes:
    @PROPERTY
    @given(history=histories, data=st.data())
    def test_incremental_rebuilt_and_by_hand_agree(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        def observe(ledger: Ledger, asked: list[Moment]) -> list[list[dict[str, Any]]]:
            return [strikes.query(ledger, as_of=a, known_at=k) for a, k in asked]

        check_view(strikes.VIEW, observe, strikes_by_hand, tmp_path_factory, books, history,
                   data)

    @PROPERTY
    @given(history=histories, data=st.data())
    def test_filters_and_state_pick_the_same_rows_as_by_hand(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        group, member = data.draw(st.sampled_from(GROUPS)), data.draw(st.sampled_from(MEMBERS))
        state = data.draw(st.sampled_from(["live", "expired"]))

        def observe(ledger: Ledger, asked: list[Moment]) -> list[Any]:
            return [(strikes.query(ledger, group=group, member=member, as_of=a, known_at=k),
                     strikes.query(ledger, state=state, as_of=a, known_at=k))
                    for a, k in asked]

        def by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment]) -> list[Any]:
            return [([r for r in rows if r["group"] == group and r["member"] == member],
                     [r for r in rows if r["state"] == state])
                    for rows in strikes_by_hand(events, now, asked)]

        check_view(strikes.VIEW, observe, by_hand, tmp_path_factory, books, history, data)


# Disputes ---------------------------------------------------------------------------------


def disputes_by_hand(events: list[LedgerEvent], now: datetime,
                     asked: list[Moment]) -> list[list[dict[str, Any]]]:
    answers = []
    for as_of, known_at in asked:
        entries = sorted((e for e in events if isinstance(e, (
                              MemberRemoved, MemberReadmitted, AppealFiled, AppealDecided,
                              SanctionRescinded))
                          and seen(e, now, as_of, known_at)),
                         key=lambda e: (e.member, e.occurred_at, e.originator_id.hex,
                                        e.originator_version))
        rows = []
        for e in entries:
            if isinstance(e, MemberRemoved):
                kind = ("temporary_removal" if e.temporary else
                        "removal" if e.cause == "admin" else f"removal_{e.cause}")
                case, note = e.sanction_id, e.reason
            elif isinstance(e, AppealFiled):
                kind, case, note = "appeal", e.sanction_id, e.grounds
            elif isinstance(e, AppealDecided):
                weight = f" (weight {e.weight})" if e.outcome == "reduced" else ""
                kind, case, note = f"appeal_{e.outcome}", e.sanction_id, e.rationale + weight
            elif isinstance(e, SanctionRescinded):
                kind, case, note = "rescission", e.sanction_id, e.reason
            else:
                kind, case, note = "readmission", None, e.note
            rows.append({"group": e.group, "member": e.member, "kind": kind,
                         "occurred_at": shown(e.occurred_at), "actor": e.actor, "case": case,
                         "note": note})
        answers.append(rows)
    return answers


class TestDisputes:
    @PROPERTY
    @given(history=histories, data=st.data())
    def test_incremental_rebuilt_and_by_hand_agree(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        member = data.draw(st.sampled_from(MEMBERS))

        def observe(ledger: Ledger, asked: list[Moment]) -> list[Any]:
            return [(disputes.query(ledger, as_of=a, known_at=k),
                     disputes.query(ledger, member=member, as_of=a, known_at=k))
                    for a, k in asked]

        def by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment]) -> list[Any]:
            return [(rows, [r for r in rows if r["member"] == member])
                    for rows in disputes_by_hand(events, now, asked)]

        check_view(disputes.VIEW, observe, by_hand, tmp_path_factory, books, history, data)


# Activity ---------------------------------------------------------------------------------

COUNTED = {MemberAdmitted: "admissions", WarningIssued: "warnings", MemberRemoved: "removals",
           FlagConfirmed: "confirmations", FlagDismissed: "dismissals",
           MemberReadmitted: "readmissions"}


def activity_by_hand(events: list[LedgerEvent], now: datetime,
                     asked: list[Moment]) -> list[list[dict[str, Any]]]:
    answers = []
    for as_of, known_at in asked:
        lines: dict[tuple[str, str], dict[str, Any]] = {}
        for e in events:
            if not seen(e, now, as_of, known_at):
                continue
            group: str = e.group  # type: ignore[attr-defined]
            line = lines.setdefault((e.actor, group), {
                "actor": e.actor, "group": group, "admissions": 0, "warnings": 0,
                "removals": 0, "confirmations": 0, "dismissals": 0, "readmissions": 0,
                "other": 0, "total": 0, "first_at": e.occurred_at, "last_at": e.occurred_at})
            line[COUNTED.get(type(e), "other")] += 1
            line["total"] += 1
            line["first_at"] = min(line["first_at"], e.occurred_at)
            line["last_at"] = max(line["last_at"], e.occurred_at)
        rows = []
        for key in sorted(lines):
            line = lines[key]
            for edge in ("first_at", "last_at"):
                line[edge] = line[edge].astimezone(timezone.utc).isoformat(timespec="seconds")
            rows.append(line)
        answers.append(rows)
    return answers


class TestActivity:
    @PROPERTY
    @given(history=histories, data=st.data())
    def test_incremental_rebuilt_and_by_hand_agree(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        actor = data.draw(st.sampled_from(["admin1", "admin2", "owner1", *MEMBERS]))
        group = data.draw(st.sampled_from(GROUPS))

        def observe(ledger: Ledger, asked: list[Moment]) -> list[Any]:
            return [(activity.query(ledger, as_of=a, known_at=k),
                     activity.query(ledger, group=group, actor=actor, as_of=a, known_at=k))
                    for a, k in asked]

        def by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment]) -> list[Any]:
            return [(rows, [r for r in rows if r["actor"] == actor and r["group"] == group])
                    for rows in activity_by_hand(events, now, asked)]

        answers = check_view(activity.VIEW, observe, by_hand, tmp_path_factory, books,
                             history, data)
        # The registrations and grants are counted too, under `other`.
        owner = [r for r in answers[0][0] if r["actor"] == "owner1"]
        assert [r["group"] for r in owner] == ["g1", "g9"]
        assert all(r["other"] >= 3 and r["admissions"] == 0 for r in owner)


# Cases: flags, and the index of every flag, sanction and task -------------------------------


def flags_by_hand(events: list[LedgerEvent], now: datetime,
                  asked: list[Moment]) -> list[list[dict[str, Any]]]:
    answers = []
    for as_of, known_at in asked:
        decided = {e.flag_id: "confirmed" if isinstance(e, FlagConfirmed) else "dismissed"
                   for e in events if isinstance(e, (FlagConfirmed, FlagDismissed))
                   and seen(e, now, as_of, known_at)}
        raised = sorted((e for e in events if isinstance(e, MessageFlagged)
                         and seen(e, now, as_of, known_at)),
                        key=lambda e: (e.occurred_at, e.flag_id))
        answers.append([{"flag": e.flag_id, "group": e.group, "member": e.member,
                         "category": e.category, "raised_by": e.actor,
                         "raised_at": shown(e.occurred_at),
                         "state": decided.get(e.flag_id, "open"), "message": e.message,
                         "excerpt": e.excerpt} for e in raised])
    return answers


def index_by_hand(events: list[LedgerEvent]) -> dict[str, Case]:
    index = {}
    for e in events:
        if isinstance(e, MessageFlagged):
            index[e.flag_id] = Case(e.flag_id, "flag", e.group, e.member)
        elif isinstance(e, WarningIssued):
            index[e.sanction_id] = Case(e.sanction_id, "warning", e.group, e.member)
        elif isinstance(e, MemberRemoved):
            kind = "temporary removal" if e.temporary else "removal"
            index[e.sanction_id] = Case(e.sanction_id, kind, e.group, e.member)
        elif isinstance(e, TaskAssigned):
            index[e.task_id] = Case(e.task_id, "task", e.group, e.member)
    return index


CASE_KINDS = ("flag", "warning", "removal", "temporary removal", "task")


class TestCases:
    @PROPERTY
    @given(history=histories, data=st.data())
    def test_flags_incremental_rebuilt_and_by_hand_agree(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        state = data.draw(st.sampled_from(["open", "confirmed", "dismissed"]))

        def observe(ledger: Ledger, asked: list[Moment]) -> list[Any]:
            return [(cases.flags(ledger, as_of=a, known_at=k),
                     cases.flags(ledger, state=state, as_of=a, known_at=k))
                    for a, k in asked]

        def by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment]) -> list[Any]:
            return [(rows, [r for r in rows if r["state"] == state])
                    for rows in flags_by_hand(events, now, asked)]

        check_view(cases.VIEW, observe, by_hand, tmp_path_factory, books, history, data)

    @PROPERTY
    @given(history=histories, data=st.data())
    def test_every_case_id_resolves_to_its_kind_group_and_member(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        def observe(ledger: Ledger, asked: list[Moment]) -> dict[str, Case]:
            catch_up(ledger, cases.VIEW)  # for check_view's comparison of the view's rows
            # The ledger's own id index answers, kept by every write: no view is read.
            ids = [c.case_id for c in index_by_hand(raw_events(ledger)).values()]
            return {case_id: ledger.find_case(case_id[:12], kinds=CASE_KINDS, what="case")
                    for case_id in ids}

        def by_hand(events: list[LedgerEvent], now: datetime,
                    asked: list[Moment]) -> dict[str, Case]:
            return index_by_hand(events)

        check_view(cases.VIEW, observe, by_hand, tmp_path_factory, books, history, data)


# Tasks ------------------------------------------------------------------------------------


def tasks_by_hand(events: list[LedgerEvent], now: datetime,
                  asked: list[Moment]) -> list[list[dict[str, Any]]]:
    answers = []
    for as_of, known_at in asked:
        at = as_of or now
        acked = {e.task_id: e.occurred_at for e in events
                 if isinstance(e, TaskAcknowledged) and seen(e, now, as_of, known_at)}
        missed = {e.task_id for e in events
                  if isinstance(e, TaskMissed) and seen(e, now, as_of, known_at)}
        assigned = sorted((e for e in events if isinstance(e, TaskAssigned)
                           and seen(e, now, as_of, known_at)),
                          key=lambda e: (e.deadline_at, e.task_id))
        rows = []
        for e in assigned:
            ack = acked.get(e.task_id)
            if e.task_id in missed:
                state = "missed"
            elif ack is not None and ack <= e.deadline_at:
                state = "acknowledged"
            elif e.deadline_at < at:
                state = "overdue"
            else:
                state = "open"
            rows.append({"task": e.task_id, "group": e.group, "member": e.member,
                         "summary": e.summary, "assigned_by": e.actor,
                         "assigned_at": shown(e.occurred_at), "deadline_at": shown(e.deadline_at),
                         "acknowledged_at": shown(ack), "state": state})
        answers.append(rows)
    return answers


class TestTasks:
    @PROPERTY
    @given(history=histories, data=st.data())
    def test_incremental_rebuilt_and_by_hand_agree(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        member = data.draw(st.sampled_from(MEMBERS))

        def observe(ledger: Ledger, asked: list[Moment]) -> list[Any]:
            return [(tasks.tasks(ledger, as_of=a, known_at=k),
                     tasks.tasks(ledger, as_of=a, known_at=k, member=member, overdue_only=True))
                    for a, k in asked]

        def by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment]) -> list[Any]:
            return [(rows, [r for r in rows if r["member"] == member and r["state"] == "overdue"])
                    for rows in tasks_by_hand(events, now, asked)]

        check_view(tasks.VIEW, observe, by_hand, tmp_path_factory, books, history, data)


# The dossier and its member index ---------------------------------------------------------


def _fold(events: list[MembershipEvent], moment: datetime) -> dict[str, Any]:
    """One membership at `moment`, written without the domain's fold: presence from the
    admissions, removals and departures; live strikes are those not expired by `moment`.
    """
    presence, nickname, nickname_ok, reminders, before_removal = "in", "", None, 0, None
    limit, warnings = 3, []
    # A withdrawn or overturned sanction no longer counts; a reduced one weighs less; a
    # removal in force that is withdrawn, overturned or reduced leaves the member due to
    # be readmitted (a reduced removal counts as a warning from then on).
    weight: dict[str, int] = {}
    removal, due = None, False
    for e in sorted(events, key=lambda e: (e.occurred_at, e.originator_version)):
        if isinstance(e, (SanctionRescinded, AppealDecided)):
            outcome = "rescinded" if isinstance(e, SanctionRescinded) else e.outcome
            if outcome == "upheld":
                continue
            if e.sanction_id in weight:
                weight[e.sanction_id] = e.weight if outcome == "reduced" else 0
            elif e.sanction_id == removal and presence != "in":
                due = True
            if outcome == "reduced" and e.sanction_kind != "warning":
                warnings.append(e)
                weight[e.sanction_id] = e.weight
            continue
        if isinstance(e, MemberAdmitted):
            presence, nickname, nickname_ok, reminders = "in", e.nickname, e.nickname_ok, 0
        elif isinstance(e, MemberRenamed):
            nickname, nickname_ok = e.new_nickname, e.nickname_ok
            reminders = reminders if nickname_ok is False else 0
        elif isinstance(e, NicknameReminded):
            nickname_ok, reminders = False, reminders + 1
            before_removal = e.reminders_before_removal
        elif isinstance(e, WarningIssued):
            warnings.append(e)
            weight[e.sanction_id] = e.weight
            limit = e.strike_limit
        elif isinstance(e, MemberRemoved):
            presence = "temporarily_removed" if e.temporary else "removed"
            removal, due = e.sanction_id, False
        elif isinstance(e, MemberReadmitted):
            presence, due = "in", False
        elif isinstance(e, MemberLeft):
            presence = "left"
    live = sum(weight[w.sanction_id] for w in warnings
               if getattr(w, "expires_at", None) is None or w.expires_at > moment)
    if presence != "in":
        status = "readmission_due" if due else presence
    elif live >= limit or (nickname_ok is False and before_removal is not None
                           and reminders >= before_removal):
        status = "removal_due"
    else:
        status = "warned" if live else "active"
    return {"group": events[0].group, "member": events[0].member, "nickname": nickname,
            "status": status, "strikes": live, "nickname_ok": nickname_ok,
            "reminders": reminders}


def dossier_by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment],
                    member: str) -> list[Any]:
    ever = [e for e in events if isinstance(e, MemberAdmitted) and e.member == member]
    answers: list[Any] = []
    for as_of, known_at in asked:
        if not ever:
            answers.append("NotFound")
            continue
        mine = [e for e in events if isinstance(e, MembershipEvent) and e.member == member
                and seen(e, now, as_of, known_at)]
        by_group: dict[str, list[MembershipEvent]] = {}
        for e in mine:
            by_group.setdefault(e.group, []).append(e)
        standings = [_fold(by_group[group], as_of or now) for group in sorted(by_group)]
        if not standings:
            answers.append("NotFound")  # nothing about the member had happened then
            continue
        lines = [(shown(e.occurred_at), shown(e.timestamp), e.group, type(e).__name__, e.actor,
                  getattr(e, "rule_text", None) or None)
                 for e in sorted(mine, key=lambda e: (e.occurred_at, e.group,
                                                      e.originator_version))]
        answers.append((standings, lines))
    return answers


def dossier_seen(ledger: Ledger, member: str, asked: list[Moment]) -> list[Any]:
    answers: list[Any] = []
    for as_of, known_at in asked:
        try:
            file = dossier.dossier(ledger, member, as_of=as_of, known_at=known_at)
        except NotFound:
            answers.append("NotFound")
            continue
        assert file["member"] == member
        standings = [{k: s[k] for k in ("group", "member", "nickname", "status", "strikes",
                                        "nickname_ok", "reminders")} for s in file["standings"]]
        lines = [(e["occurred_at"], e["recorded_at"], e["group"], e["event"], e["actor"],
                  e["rule_text"]) for e in file["events"]]
        answers.append((standings, lines))
    return answers


class TestDossier:
    @PROPERTY
    @given(history=histories, data=st.data())
    def test_incremental_rebuilt_and_by_hand_agree(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        def observe(ledger: Ledger, asked: list[Moment]) -> list[Any]:
            return [dossier_seen(ledger, member, asked) for member in MEMBERS]

        def by_hand(events: list[LedgerEvent], now: datetime, asked: list[Moment]) -> list[Any]:
            return [dossier_by_hand(events, now, asked, member) for member in MEMBERS]

        check_view(dossier.VIEW, observe, by_hand, tmp_path_factory, books, history, data)

    @PROPERTY
    @given(history=histories, data=st.data())
    def test_the_member_index_holds_each_group_a_member_was_ever_admitted_to(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History, data: st.DataObject,
    ) -> None:
        def observe(ledger: Ledger, asked: list[Moment]) -> list[dict[str, Any]]:
            catch_up(ledger, dossier.VIEW)
            return table_rows(Db(ledger), dossier.VIEW)["view_member_groups"]

        def by_hand(events: list[LedgerEvent], now: datetime,
                    asked: list[Moment]) -> list[dict[str, Any]]:
            first: dict[tuple[str, str], datetime] = {}
            for e in events:  # the first admission recorded opens the membership
                if isinstance(e, MemberAdmitted):
                    first.setdefault((e.member, e.group), e.occurred_at)
            return [{"member": m, "grp": g,
                     "first_utc": t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
                    for (m, g), t in sorted(first.items())]

        check_view(dossier.VIEW, observe, by_hand, tmp_path_factory, books, history, data)


# Replay -----------------------------------------------------------------------------------


class TestReplay:
    @settings(max_examples=10, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(history=histories)
    def test_every_view_replays_ok_with_the_digest_of_the_kept_rows(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str],
        history: History,
    ) -> None:
        with told(tmp_path_factory, books, history, catalog.VIEWS["standings"]) as story:
            ledger = story.ledger
            for view in catalog.VIEWS.values():
                catch_up(ledger, view, batch_size=3)

            results = [catalog.replay(ledger, view) for view in catalog.VIEWS.values()]
            again = [catalog.replay(ledger, view) for view in catalog.VIEWS.values()]

            assert [r.view for r in results] == list(catalog.VIEWS)
            assert all(r.ok and r.differences == 0 for r in results), results
            assert results == again
            for result, view in zip(results, catalog.VIEWS.values()):
                kept = table_rows(Db(ledger), view)
                assert result.rows == sum(len(rows) for rows in kept.values())
                assert result.digest == catalog.digest(kept)

    TAMPER = {
        "standings": ("view_standings", "nickname", "grp || member"),
        "strikes": ("view_strikes", "label", "case_id"),
        "disputes": ("view_disputes", "kind", "entry_id"),
        "activity": ("view_activity", "kind", "entry_id"),
        "cases": ("view_cases", "actor", "case_id"),
        "tasks": ("view_tasks", "summary", "task_id"),
        "member_groups": ("view_member_groups", "first_utc", "member || grp"),
        "groups": ("view_groups", "name", "grp"),
        "appeals": ("view_appeals", "grounds", "appeal_id"),
        "nicknames": ("view_nicknames", "nickname", "grp || member || version"),
    }

    def test_every_view_is_tampered_with_in_the_check(self) -> None:
        assert set(self.TAMPER) == set(catalog.VIEWS)

    @pytest.mark.parametrize("how", ["update", "delete"])
    @pytest.mark.parametrize("name", list(TAMPER))
    def test_a_tampered_kept_row_is_reported(
        self, tmp_path_factory: pytest.TempPathFactory, books: tuple[str, str], name: str,
        how: str,
    ) -> None:
        view = catalog.VIEWS[name]
        with told(tmp_path_factory, books, FIXED, view) as story:
            self.check_tampering(story.ledger, name, how)

    def test_replay_and_tampering_on_each_store(
        self, ledger: Ledger, recording_clock: Clock, books: tuple[str, str]
    ) -> None:
        tell(ledger, recording_clock, books, FIXED, catalog.VIEWS["standings"])

        results = [catalog.replay(ledger, view) for view in catalog.VIEWS.values()]

        assert all(r.ok for r in results), results
        assert [r.rows for r in results] == [6, 2, 5, 24, 6, 2, 6, 2, 2, 6]
        for result, view in zip(results, catalog.VIEWS.values()):
            assert result.digest == catalog.digest(table_rows(Db(ledger), view))
        self.check_tampering(ledger, "strikes", "update")

    def check_tampering(self, ledger: Ledger, name: str, how: str) -> None:
        view = catalog.VIEWS[name]
        before = catalog.replay(ledger, view)
        table, column, key = self.TAMPER[name]
        db = Db(ledger)
        with db.transaction() as cursor:
            cursor.execute(f"SELECT MIN({key}) AS k FROM {db.table(table)}")
            first = cursor.fetchone()
            assert first is not None and first["k"] is not None
            if how == "update":
                changed = cursor.execute(f"UPDATE {db.table(table)} SET {column} = ? "
                                         f"WHERE {key} = ?", ("tampered", first["k"]))
            else:
                changed = cursor.execute(f"DELETE FROM {db.table(table)} WHERE {key} = ?",
                                         (first["k"],))
            assert changed == 1

        after = catalog.replay(ledger, view)
        others = [catalog.replay(ledger, v) for v in catalog.VIEWS.values() if v is not view]

        assert before.ok and before.rows >= 2
        assert not after.ok and after.differences >= 1
        assert after.rows == before.rows and after.digest == before.digest
        assert all(r.ok for r in others)


# The position is kept in the same transaction as the rows ----------------------------------


class Broken(Exception):
    pass


class TestOneTransaction:
    @pytest.mark.parametrize("view", [strikes.VIEW, disputes.VIEW, activity.VIEW, cases.VIEW,
                                      tasks.VIEW, dossier.VIEW], ids=lambda v: v.name)
    def test_a_batch_that_fails_leaves_neither_rows_nor_position(
        self, ledger: Ledger, recording_clock: Clock, books: tuple[str, str], view: View,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        tell(ledger, recording_clock, books, (set(), FIXED[1][:3]), view)
        catch_up(ledger, view)
        kept = table_rows(Db(ledger), view)
        start = position(Db(ledger), view)
        tell_more(ledger, recording_clock)
        write = Rows.write

        def write_then_fail(self: Rows, cursor: Any) -> None:
            write(self, cursor)
            raise Broken("the batch fails after its rows were written")

        monkeypatch.setattr(Rows, "write", write_then_fail)
        with pytest.raises(Broken):
            catch_up(ledger, view, batch_size=100)

        assert position(Db(ledger), view) == start
        assert table_rows(Db(ledger), view) == kept
        monkeypatch.undo()
        assert catch_up(ledger, view) == ledger.recorder.max_notification_id() - start
        after = table_rows(Db(ledger), view)
        assert after != kept
        rebuild(ledger, view, batch_size=2)
        assert table_rows(Db(ledger), view) == after


def tell_more(ledger: Ledger, clock: Clock) -> None:
    """Something new for every view: a warning, a flag, a removal, a task, a newcomer."""
    clock.advance(hours=1)
    at = clock()
    ledger.warn(actor="admin1", group="g9", member="wx_wang", category="flooding", at=at)
    ledger.raise_flag(actor="admin1", group="g9", member="wx_wang", category="ads", at=at)
    ledger.assign_task(actor="admin1", group="g9", member="wx_wang", summary="回复", at=at)
    ledger.remove(actor="admin1", group="g9", member="wx_wang", reason="争吵", temporary=True,
                  at=at)
    ledger.admit(actor="admin1", group="g9", member="wx_new", nickname="g9#1@wx_new", at=at)


FIXED: History = (set(), [
    ("warn", "wx_li", "g9", 10, 0, 0, False),
    ("flag", "wx_li", "g9", 10, 0, 0, False),
    ("confirm", "wx_li", "g9", 10, 0, 0, False),
    ("assign", "wx_wang", "g9", 10, 0, 1, False),
    ("assign", "wx_li", "g9", 10, 0, 1, False),
    ("remove_temp", "wx_li", "g9", 10, 0, 1, False),
    ("readmit", "wx_li", "g9", 10, 0, 1, False),
    ("appeal", "wx_li", "g9", 10, 0, 1, False),
    ("appeal", "wx_li", "g9", 10, 0, 0, False),
    ("decide", "wx_li", "g9", 10, 0, 1, False),
])
