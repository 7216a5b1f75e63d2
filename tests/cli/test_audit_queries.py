"""The audit queries through the CLI: project strikes, disputes, activity and standings
--explain, the dossier, history --as-of/--known-at, and replay — exit codes and exact
output in table, json, jsonl and csv.

The story (a week in g9 under a small rulebook with rule texts): wx_li is warned for
flooding, a flag of an ad is confirmed (a second strike), she is temporarily removed and
readmitted; then a warning for a risky link that happened on 11-21 is recorded late.
Recorded-at is the real time of the run, so the moment between the readmission and the
late warning (`mid`) is taken from the clock, and ids are taken from the commands' output.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import Result

from cli.output import display_width
from ledger.application import Ledger
from ledger.store.url import parse_store
from projections.base import Db
from tests.cli.support import HEX_ID, last_line, ok, run

RULEBOOK = """
name = "audit"
title = "审计测试群规"

[strikes]
limit = 3
on_limit = "removal_due"
rule = "三次违反规定移出群聊"

[categories.flooding]
zh = "刷屏"
en = "flooding"
rule = "不得刷屏"

[categories.ads]
zh = "广告"
en = "advertising"
rule = "不得发布广告"

[categories.risky_link]
zh = "风险链接"
en = "risky link"
weight = 2
"""

T = {
    "create": "2026-11-20T09:00+08:00",
    "grant": "2026-11-20T09:05+08:00",
    "admit_wang": "2026-11-20T10:00+08:00",
    "admit_li": "2026-11-20T11:00+08:00",
    "late": "2026-11-21T12:00+08:00",
    "warn": "2026-11-22T22:00+08:00",
    "flag": "2026-11-23T08:00+08:00",
    "confirm": "2026-11-23T09:00+08:00",
    "remove": "2026-11-23T23:00+08:00",
    "readmit": "2026-11-24T18:00+08:00",
}
RECORDED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00")
DIGEST = re.compile(r"sha256:[0-9a-f]{16}")


def at(name: str) -> str:
    """A --at time as the ledger shows it: to the second."""
    return T[name].replace("+08:00", ":00+08:00")


@dataclass(frozen=True)
class Story:
    store: str
    flag: str
    w_late: str  # the risky-link warning, recorded last
    w_flood: str
    w_ads: str  # earned by the confirmed flag
    removal: str
    mid: str  # after the readmission was recorded, before the late warning was


def tell(store: str, rulebook: str) -> Story:
    def step(name: str, actor: str, *args: str) -> str:
        return ok(run(store, *args, "--at", T[name], actor=actor)).stdout

    step("create", "owner1", "group", "create", "g9", "--name", "加侨业委会9栋业主群",
         "--owner", "owner1", "--rulebook", rulebook)
    step("grant", "owner1", "group", "grant", "g9", "admin1", "--role", "admin")
    step("admit_wang", "admin1", "member", "admit", "g9", "wx_wang", "--nickname", "王x")
    step("admit_li", "admin1", "member", "admit", "g9", "wx_li", "--nickname", "李x明")
    w_flood = last_line(step("warn", "admin1", "warn", "g9", "wx_li", "--category",
                             "flooding", "--reason", "刷屏 40 条"))
    flag = last_line(step("flag", "wx_wang", "flag", "raise", "g9", "wx_li", "--category",
                          "ads", "--message", "m-9"))
    w_ads = last_line(step("confirm", "admin1", "flag", "confirm", flag[:8], "--note",
                           "发广告"))
    removal = last_line(step("remove", "admin1", "member", "remove", "g9", "wx_li",
                             "--temporary", "--reason", "与邻居争吵"))
    step("readmit", "admin1", "member", "readmit", "g9", "wx_li", "--note", "调解后重新邀请")
    time.sleep(0.01)
    mid = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    w_late = last_line(step("late", "admin1", "warn", "g9", "wx_li", "--category",
                            "risky_link", "--reason", "补记"))
    ids = (flag, w_late, w_flood, w_ads, removal)
    assert all(HEX_ID.fullmatch(i) for i in ids), ids
    return Story(store, flag, w_late, w_flood, w_ads, removal, mid)


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Story:
    folder = tmp_path_factory.mktemp("audit")
    rulebook = folder / "audit.toml"
    rulebook.write_text(RULEBOOK, encoding="utf-8")
    return tell(str(folder / "g.db"), str(rulebook))


@pytest.fixture
def story(_template: Story, tmp_path: Path) -> Story:
    """A private copy of the told store (a test may tamper with it)."""
    target = tmp_path / "g.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{_template.store}{suffix}").exists():
            shutil.copyfile(f"{_template.store}{suffix}", f"{target}{suffix}")
    return Story(str(target), _template.flag, _template.w_late, _template.w_flood,
                 _template.w_ads, _template.removal, _template.mid)


def as_json(result: Result) -> Any:
    return orjson.loads(ok(result).stdout)


def printed_json(rows: Any) -> str:
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"


def printed_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(orjson.dumps(row).decode() + "\n" for row in rows)


def printed_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[cell(row[c]) for c in columns] for row in rows])
    return buffer.getvalue()


def short(text: str) -> str:
    """Ids as the table shows them: 8 hex digits."""
    return re.sub(r"\b([0-9a-f]{8})[0-9a-f]{24}\b", r"\1", text)


def seconds(recorded: str) -> str:
    """A recorded-at time as the table shows it: to the second."""
    return re.sub(r"\.\d+", "", recorded)


# Strikes ----------------------------------------------------------------------------------

STRIKE_COLUMNS = ["case", "group", "member", "category", "label", "weight", "occurred_at",
                  "rule", "state", "expires_at", "issued_by", "reason", "rule_text"]


def strike_rows(s: Story) -> list[dict[str, Any]]:
    common = {"group": "g9", "member": "wx_li", "rule": "audit v1", "state": "live",
              "expires_at": None, "issued_by": "admin1"}

    def row(case: str, category: str, label: str, weight: int, when: str, reason: str,
            rule_text: str) -> dict[str, Any]:
        return {k: ({"case": case, "category": category, "label": label, "weight": weight,
                     "occurred_at": at(when), "reason": reason, "rule_text": rule_text}
                    | common)[k] for k in STRIKE_COLUMNS}

    return [row(s.w_late, "risky_link", "风险链接", 2, "late", "补记", "三次违反规定移出群聊"),
            row(s.w_flood, "flooding", "刷屏", 1, "warn", "刷屏 40 条", "不得刷屏"),
            row(s.w_ads, "ads", "广告", 1, "confirm", "发广告", "不得发布广告")]


class TestStrikes:
    def test_table(self, story: Story) -> None:
        result = ok(run(story.store, "project", "strikes"))

        l, f, a = story.w_late[:8], story.w_flood[:8], story.w_ads[:8]
        assert result.stdout == (
            "case      group  member  category    label     weight  occurred_at              "
            "  rule      state  expires_at  issued_by\n"
            "--------  -----  ------  ----------  --------  ------  -------------------------"
            "  --------  -----  ----------  ---------\n"
            f"{l}  g9     wx_li   risky_link  风险链接  2       2026-11-21T12:00:00+08:00"
            "  audit v1  live               admin1\n"
            f"{f}  g9     wx_li   flooding    刷屏      1       2026-11-22T22:00:00+08:00"
            "  audit v1  live               admin1\n"
            f"{a}  g9     wx_li   ads         广告      1       2026-11-23T09:00:00+08:00"
            "  audit v1  live               admin1\n")
        assert not HEX_ID.search(result.stdout)

    def test_json_is_exact_with_the_whole_ids_the_reason_and_the_rule_text(
        self, story: Story
    ) -> None:
        result = ok(run(story.store, "project", "strikes", "--format", "json"))

        assert result.stdout == printed_json(strike_rows(story))

    def test_jsonl(self, story: Story) -> None:
        result = ok(run(story.store, "project", "strikes", "--format", "jsonl"))

        assert result.stdout == printed_jsonl(strike_rows(story))

    def test_csv(self, story: Story) -> None:
        result = ok(run(story.store, "project", "strikes", "--format", "csv"))

        assert result.stdout == printed_csv(strike_rows(story), STRIKE_COLUMNS)

    @pytest.mark.parametrize("when, expected", [
        (["--known-at", "{mid}"], ["w_flood", "w_ads"]),
        (["--as-of", "2026-11-22T23:00+08:00"], ["w_late", "w_flood"]),
        (["--as-of", "2026-11-22T23:00+08:00", "--known-at", "{mid}"], ["w_flood"]),
        (["--as-of", "2026-11-21T11:59+08:00"], []),
    ], ids=["known-at", "as-of", "both", "before any"])
    def test_point_in_time(self, story: Story, when: list[str], expected: list[str]) -> None:
        args = [w.format(mid=story.mid) for w in when]

        rows = as_json(run(story.store, "project", "strikes", *args, "--format", "json"))

        assert [row["case"] for row in rows] == [getattr(story, name) for name in expected]

    def test_filters(self, story: Story) -> None:
        mine = ok(run(story.store, "project", "strikes", "--group", "g9", "--member", "wx_li",
                      "--format", "csv"))
        none = ok(run(story.store, "project", "strikes", "--member", "wx_wang"))

        assert mine.stdout == printed_csv(strike_rows(story), STRIKE_COLUMNS)
        assert none.stdout == "(no rows)\n"


# Disputes ---------------------------------------------------------------------------------

DISPUTE_COLUMNS = ["group", "member", "kind", "occurred_at", "actor", "case", "note"]


def dispute_rows(s: Story) -> list[dict[str, Any]]:
    return [
        {"group": "g9", "member": "wx_li", "kind": "temporary_removal",
         "occurred_at": at("remove"), "actor": "admin1", "case": s.removal, "note": "与邻居争吵"},
        {"group": "g9", "member": "wx_li", "kind": "readmission", "occurred_at": at("readmit"),
         "actor": "admin1", "case": None, "note": "调解后重新邀请"},
    ]


class TestDisputes:
    def test_table(self, story: Story) -> None:
        result = ok(run(story.store, "project", "disputes"))

        assert result.stdout == (
            "group  member  kind               occurred_at                actor   case      "
            "note\n"
            "-----  ------  -----------------  -------------------------  ------  --------  "
            "--------------\n"
            f"g9     wx_li   temporary_removal  2026-11-23T23:00:00+08:00  admin1  "
            f"{story.removal[:8]}  与邻居争吵\n"
            "g9     wx_li   readmission        2026-11-24T18:00:00+08:00  admin1            "
            "调解后重新邀请\n")

    def test_json(self, story: Story) -> None:
        result = ok(run(story.store, "project", "disputes", "--member", "wx_li", "--format",
                        "json"))

        assert result.stdout == printed_json(dispute_rows(story))

    def test_jsonl(self, story: Story) -> None:
        result = ok(run(story.store, "project", "disputes", "--format", "jsonl"))

        assert result.stdout == printed_jsonl(dispute_rows(story))

    def test_csv(self, story: Story) -> None:
        result = ok(run(story.store, "project", "disputes", "--group", "g9", "--format", "csv"))

        assert result.stdout == printed_csv(dispute_rows(story), DISPUTE_COLUMNS)

    def test_as_of_while_removed(self, story: Story) -> None:
        result = ok(run(story.store, "project", "disputes", "--as-of", "2026-11-24T00:00+08:00",
                        "--format", "csv"))

        assert result.stdout == printed_csv(dispute_rows(story)[:1], DISPUTE_COLUMNS)

    def test_no_rows(self, story: Story) -> None:
        assert ok(run(story.store, "project", "disputes", "--member", "wx_wang",
                      "--format", "json")).stdout == "[]\n"


# Activity ---------------------------------------------------------------------------------

ACTIVITY_COLUMNS = ["actor", "group", "admissions", "warnings", "removals", "confirmations",
                    "dismissals", "readmissions", "other", "total", "first_at", "last_at"]


def activity_rows(*, late_known: bool = True) -> list[dict[str, Any]]:
    def row(actor: str, counts: tuple[int, ...], first: str, last: str) -> dict[str, Any]:
        return dict(zip(ACTIVITY_COLUMNS, (actor, "g9", *counts, first, last)))

    warnings = 3 if late_known else 2
    return [
        row("admin1", (2, warnings, 1, 1, 0, 1, 0, 5 + warnings),
            "2026-11-20T02:00:00+00:00", "2026-11-24T10:00:00+00:00"),
        row("owner1", (0, 0, 0, 0, 0, 0, 2, 2),
            "2026-11-20T01:00:00+00:00", "2026-11-20T01:05:00+00:00"),
        row("wx_wang", (0, 0, 0, 0, 0, 0, 1, 1),
            "2026-11-23T00:00:00+00:00", "2026-11-23T00:00:00+00:00"),
    ]


class TestActivity:
    def test_table(self, story: Story) -> None:
        result = ok(run(story.store, "project", "activity"))

        assert result.stdout == (
            "actor    group  admissions  warnings  removals  confirmations  dismissals  "
            "readmissions  other  total  first_at                   last_at\n"
            "-------  -----  ----------  --------  --------  -------------  ----------  "
            "------------  -----  -----  -------------------------  -------------------------\n"
            "admin1   g9     2           3         1         1              0           "
            "1             0      8      2026-11-20T02:00:00+00:00  2026-11-24T10:00:00+00:00\n"
            "owner1   g9     0           0         0         0              0           "
            "0             2      2      2026-11-20T01:00:00+00:00  2026-11-20T01:05:00+00:00\n"
            "wx_wang  g9     0           0         0         0              0           "
            "0             1      1      2026-11-23T00:00:00+00:00  2026-11-23T00:00:00+00:00\n")

    def test_json(self, story: Story) -> None:
        result = ok(run(story.store, "project", "activity", "--format", "json"))

        assert result.stdout == printed_json(activity_rows())

    def test_jsonl_of_one_actor(self, story: Story) -> None:
        result = ok(run(story.store, "project", "activity", "--member", "admin1", "--format",
                        "jsonl"))

        assert result.stdout == printed_jsonl(activity_rows()[:1])

    def test_csv(self, story: Story) -> None:
        result = ok(run(story.store, "project", "activity", "--format", "csv"))

        assert result.stdout == printed_csv(activity_rows(), ACTIVITY_COLUMNS)

    def test_known_at_counts_what_had_been_recorded(self, story: Story) -> None:
        result = ok(run(story.store, "project", "activity", "--known-at", story.mid,
                        "--format", "csv"))

        assert result.stdout == printed_csv(activity_rows(late_known=False), ACTIVITY_COLUMNS)

    def test_as_of(self, story: Story) -> None:
        rows = as_json(run(story.store, "project", "activity", "--group", "g9",
                           "--as-of", "2026-11-21T12:00+08:00", "--format", "json"))

        assert [(r["actor"], r["admissions"], r["warnings"], r["total"]) for r in rows] == [
            ("admin1", 2, 1, 3), ("owner1", 0, 0, 2)]


# Standings --explain ----------------------------------------------------------------------


def explanation_lines(s: Story) -> list[tuple[str, str, str, str]]:
    return [
        (at("late"), "WarningIssued", "admin1",
         f"rules=audit v1; sanction_id={s.w_late}; category=risky_link; reason=补记; weight=2"),
        (at("warn"), "WarningIssued", "admin1",
         f"rules=audit v1; sanction_id={s.w_flood}; category=flooding; reason=刷屏 40 条; "
         "weight=1"),
        (at("confirm"), "WarningIssued", "admin1",
         f"rules=audit v1; sanction_id={s.w_ads}; category=ads; reason=发广告; weight=1"),
        (at("readmit"), "MemberReadmitted", "admin1", "note=调解后重新邀请"),
    ]


STANDINGS_HEAD = (
    "group  member   nickname  status       strikes  since                      nickname_ok  "
    "reminders  review_due\n"
    "-----  -------  --------  -----------  -------  -------------------------  -----------  "
    "---------  ----------\n")


class TestExplain:
    def test_table(self, story: Story) -> None:
        result = ok(run(story.store, "project", "standings", "--explain"))

        lines = "".join(f"  {when}  {event} by {actor}: {short(summary)}\n"
                        for when, event, actor, summary in explanation_lines(story))
        assert result.stdout == (
            STANDINGS_HEAD
            + "g9     wx_li    李x明     removal_due  4        2026-11-24T18:00:00+08:00  "
              "             0          no\n"
            + "g9     wx_wang  王x       active       0        2026-11-20T10:00:00+08:00  "
              "             0          no\n"
            + "\ng9/wx_li: removal_due, 4 strikes, since 2026-11-24T18:00:00+08:00, because:\n"
            + lines
            + "\ng9/wx_wang: active, 0 strikes, since 2026-11-20T10:00:00+08:00, because:\n"
            + "  2026-11-20T10:00:00+08:00  MemberAdmitted by admin1: rules=audit v1; "
              "nickname=王x\n")
        assert not HEX_ID.search(result.stdout)

    def test_json(self, story: Story) -> None:
        rows = as_json(run(story.store, "project", "standings", "--explain", "--member",
                           "wx_li", "--format", "json"))

        [row] = rows
        assert list(row) == ["group", "member", "nickname", "status", "strikes", "since",
                             "nickname_ok", "reminders", "review_due", "explanation"]
        assert (row["status"], row["strikes"], row["since"]) == ("removal_due", 4, at("readmit"))
        assert [(e["occurred_at"], e["event"], e["actor"], e["summary"])
                for e in row["explanation"]] == explanation_lines(story)
        assert all(RECORDED.fullmatch(e["recorded_at"]) for e in row["explanation"])

    def test_jsonl_matches_json(self, story: Story) -> None:
        as_rows = as_json(run(story.store, "project", "standings", "--explain", "--format",
                              "json"))

        result = ok(run(story.store, "project", "standings", "--explain", "--format", "jsonl"))

        assert result.stdout == printed_jsonl(as_rows)
        assert [len(row["explanation"]) for row in as_rows] == [4, 1]

    def test_csv_joins_the_explanation(self, story: Story) -> None:
        result = ok(run(story.store, "project", "standings", "--explain", "--member", "wx_li",
                        "--format", "csv"))

        [header, row] = list(csv.reader(io.StringIO(result.stdout)))
        assert header == ["group", "member", "nickname", "status", "strikes", "since",
                          "nickname_ok", "reminders", "review_due", "explanation"]
        assert row[:9] == ["g9", "wx_li", "李x明", "removal_due", "4", at("readmit"), "", "0",
                           "false"]
        assert row[9] == " | ".join(f"{when} {event} by {actor}: {summary}"
                                    for when, event, actor, summary in explanation_lines(story))

    def test_known_at_explains_what_was_known(self, story: Story) -> None:
        rows = as_json(run(story.store, "project", "standings", "--explain", "--member",
                           "wx_li", "--known-at", story.mid, "--format", "json"))

        [row] = rows
        assert (row["status"], row["strikes"], row["since"]) == ("warned", 2, at("readmit"))
        assert [(e["occurred_at"], e["event"]) for e in row["explanation"]] == [
            (at("warn"), "WarningIssued"), (at("confirm"), "WarningIssued"),
            (at("readmit"), "MemberReadmitted")]

    def test_as_of_while_removed(self, story: Story) -> None:
        result = ok(run(story.store, "project", "standings", "--explain", "--member", "wx_li",
                        "--as-of", "2026-11-24T00:00+08:00"))

        assert result.stdout.split("\n\n")[1] == (
            "g9/wx_li: temporarily_removed, 4 strikes, since 2026-11-23T23:00:00+08:00, "
            "because:\n"
            + "".join(f"  {when}  {event} by {actor}: {short(summary)}\n"
                      for when, event, actor, summary in explanation_lines(story)[:3])
            + f"  2026-11-23T23:00:00+08:00  MemberRemoved by admin1: "
              f"sanction_id={story.removal[:8]}; temporary=true; reason=与邻居争吵; "
              "cause=admin\n")


# The dossier ------------------------------------------------------------------------------


def dossier_events(s: Story) -> list[tuple[str, str, str, str, str | None]]:
    """(occurred_at, event, actor, details, rule_text) of wx_li's events, in order."""
    return [
        (at("admit_li"), "MemberAdmitted", "admin1", "rules=audit v1; nickname=李x明", None),
        (at("late"), "WarningIssued", "admin1",
         f"rules=audit v1; sanction_id={s.w_late}; category=risky_link; reason=补记; weight=2; "
         "strike_limit=3; on_sight=false", "三次违反规定移出群聊"),
        (at("warn"), "WarningIssued", "admin1",
         f"rules=audit v1; sanction_id={s.w_flood}; category=flooding; reason=刷屏 40 条; "
         "weight=1; strike_limit=3; on_sight=false", "不得刷屏"),
        (at("flag"), "MessageFlagged", "wx_wang",
         f"rules=audit v1; flag_id={s.flag}; category=ads; message=m-9", None),
        (at("confirm"), "FlagConfirmed", "admin1", f"flag_id={s.flag}; note=发广告", None),
        (at("confirm"), "WarningIssued", "admin1",
         f"rules=audit v1; sanction_id={s.w_ads}; category=ads; reason=发广告; "
         f"flag_id={s.flag}; weight=1; strike_limit=3; on_sight=false", "不得发布广告"),
        (at("remove"), "MemberRemoved", "admin1",
         f"sanction_id={s.removal}; temporary=true; reason=与邻居争吵; cause=admin", None),
        (at("readmit"), "MemberReadmitted", "admin1", "note=调解后重新邀请", None),
    ]



class TestDossier:
    def test_json_is_the_whole_file(self, story: Story) -> None:
        file = as_json(run(story.store, "dossier", "wx_li", "--format", "json"))

        assert list(file) == ["member", "standings", "events"]
        assert file["member"] == "wx_li"
        [standing] = file["standings"]
        assert {k: standing[k] for k in ("group", "status", "strikes", "since")} == {
            "group": "g9", "status": "removal_due", "strikes": 4, "since": at("readmit")}
        assert [(e["occurred_at"], e["event"], e["actor"], e["summary"])
                for e in standing["explanation"]] == explanation_lines(story)
        assert [(e["occurred_at"], e["event"], e["actor"], e["details"], e["rule_text"])
                for e in file["events"]] == dossier_events(story)
        assert all(RECORDED.fullmatch(e["recorded_at"]) and e["group"] == "g9"
                   and e["member"] == "wx_li" for e in file["events"])
        # the late warning was recorded last of all
        recorded = [datetime.fromisoformat(e["recorded_at"]) for e in file["events"]]
        assert max(recorded) == recorded[1] > datetime.fromisoformat(story.mid)

    def test_table(self, story: Story) -> None:
        file = as_json(run(story.store, "dossier", "wx_li", "--format", "json"))
        recorded = [seconds(e["recorded_at"]) for e in file["events"]]

        result = ok(run(story.store, "dossier", "wx_li"))

        details = [short(d) for _, _, _, d, _ in dossier_events(story)]
        width = max(display_width(d) for d in details)
        events = "".join(
            f"{when}  {rec}  g9     {event:<16}  {actor:<7}  {d}\n"
            for (when, event, actor, _, _), rec, d in zip(dossier_events(story), recorded,
                                                          details))
        assert result.stdout == (
            "Dossier of wx_li\n\n"
            "group  member  nickname  status       strikes  since                      "
            "nickname_ok  reminders  review_due\n"
            "-----  ------  --------  -----------  -------  -------------------------  "
            "-----------  ---------  ----------\n"
            "g9     wx_li   李x明     removal_due  4        2026-11-24T18:00:00+08:00  "
            "             0          no\n"
            "\ng9 (加侨业委会9栋业主群): removal_due, because:\n"
            + "".join(f"  {when}  {event} by {actor}: {short(summary)}\n"
                      for when, event, actor, summary in explanation_lines(story))
            + "\noccurred_at                recorded_at                group  event           "
              "  actor    details\n"
            + "-------------------------  -------------------------  -----  ----------------"
              "  -------  " + "-" * width + "\n"
            + events
            + "\nRules cited:\n"
            + "  2026-11-21T12:00:00+08:00 g9 WarningIssued: 三次违反规定移出群聊\n"
            + "  2026-11-22T22:00:00+08:00 g9 WarningIssued: 不得刷屏\n"
            + "  2026-11-23T09:00:00+08:00 g9 WarningIssued: 不得发布广告\n")

    def test_jsonl_gives_the_events_whole(self, story: Story) -> None:
        file = as_json(run(story.store, "dossier", "wx_li", "--format", "json"))

        result = ok(run(story.store, "dossier", "wx_li", "--format", "jsonl"))

        assert result.stdout == printed_jsonl(file["events"])
        assert [orjson.loads(line)["rule_text"] for line in result.stdout.splitlines()] == [
            None, "三次违反规定移出群聊", "不得刷屏", None, None, "不得发布广告", None, None]

    def test_csv_gives_the_events_with_the_rule_text(self, story: Story) -> None:
        file = as_json(run(story.store, "dossier", "wx_li", "--format", "json"))

        result = ok(run(story.store, "dossier", "wx_li", "--format", "csv"))

        keys = ["occurred_at", "recorded_at", "group", "event", "actor", "details", "rule_text"]
        assert result.stdout == printed_csv(file["events"], keys)
        assert [row["rule_text"] for row in csv.DictReader(io.StringIO(result.stdout))] == [
            "", "三次违反规定移出群聊", "不得刷屏", "", "", "不得发布广告", "", ""]

    def test_known_at_lacks_the_late_warning(self, story: Story) -> None:
        file = as_json(run(story.store, "dossier", "wx_li", "--known-at", story.mid,
                           "--format", "json"))

        assert [e["details"] for e in file["events"]] == [
            d for i, (_, _, _, d, _) in enumerate(dossier_events(story)) if i != 1]
        assert [(s["status"], s["strikes"]) for s in file["standings"]] == [("warned", 2)]

    def test_as_of_and_known_at_together(self, story: Story) -> None:
        file = as_json(run(story.store, "dossier", "wx_li", "--as-of", "2026-11-22T23:00+08:00",
                           "--known-at", story.mid, "--format", "json"))

        assert [(e["occurred_at"], e["event"]) for e in file["events"]] == [
            (at("admit_li"), "MemberAdmitted"), (at("warn"), "WarningIssued")]
        assert [(s["status"], s["strikes"], s["since"]) for s in file["standings"]] == [
            ("warned", 1, at("warn"))]

    def test_an_unknown_member_is_an_error(self, story: Story) -> None:
        result = run(story.store, "dossier", "wx_nobody")

        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", "Error: wx_nobody was never admitted to any group in this ledger: check the "
                   "member id\n")


# History ----------------------------------------------------------------------------------


def history(story: Story, *args: str) -> list[dict[str, Any]]:
    return as_json(run(story.store, "history", "g9", "wx_li", *args, "--format", "json"))


class TestHistory:
    def test_known_at_lacks_what_was_recorded_later(self, story: Story) -> None:
        rows = history(story, "--known-at", story.mid)

        assert [(r["occurred_at"], r["event"]) for r in rows] == [
            (when, event) for i, (when, event, _, _, _) in enumerate(dossier_events(story))
            if i != 1]
        assert story.w_late not in {r.get("sanction_id") for r in rows}
        assert all(datetime.fromisoformat(r["recorded_at"]) <= datetime.fromisoformat(story.mid)
                   for r in rows)

    def test_as_of_holds_the_late_fact_where_it_happened(self, story: Story) -> None:
        rows = history(story, "--as-of", "2026-11-22T23:00+08:00")

        assert [(r["occurred_at"], r["event"], r.get("sanction_id")) for r in rows] == [
            (at("admit_li"), "MemberAdmitted", None),
            (at("late"), "WarningIssued", story.w_late),
            (at("warn"), "WarningIssued", story.w_flood)]

    def test_both_together(self, story: Story) -> None:
        rows = history(story, "--as-of", "2026-11-22T23:00+08:00", "--known-at", story.mid)

        assert [(r["occurred_at"], r["event"]) for r in rows] == [
            (at("admit_li"), "MemberAdmitted"), (at("warn"), "WarningIssued")]

    def test_table_as_of(self, story: Story) -> None:
        rows = history(story, "--as-of", "2026-11-22T23:00+08:00")

        result = ok(run(story.store, "history", "g9", "wx_li", "--as-of",
                        "2026-11-22T23:00+08:00"))

        details = [short(d) for _, _, _, d, _ in dossier_events(story)[:3]]
        width = max(display_width(d) for d in details)
        assert result.stdout == (
            "occurred_at                recorded_at                event           actor   "
            "details\n"
            "-------------------------  -------------------------  --------------  ------  "
            + "-" * width + "\n"
            + "".join(f"{when}  {seconds(row['recorded_at'])}  {event:<14}  {actor:<6}  {d}\n"
                      for (when, event, actor, _, _), row, d
                      in zip(dossier_events(story), rows, details)))

    def test_csv_and_jsonl_of_the_same_moment(self, story: Story) -> None:
        rows = history(story, "--known-at", story.mid)

        jsonl = ok(run(story.store, "history", "g9", "wx_li", "--known-at", story.mid,
                       "--format", "jsonl"))
        as_csv = ok(run(story.store, "history", "g9", "wx_li", "--known-at", story.mid,
                        "--format", "csv"))

        assert jsonl.stdout == printed_jsonl(rows)
        parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
        assert [(r["occurred_at"], r["event"], r["actor"]) for r in parsed] == [
            (r["occurred_at"], r["event"], r["actor"]) for r in rows]


# Time in the future -----------------------------------------------------------------------

QUERIES = [["project", "standings"], ["project", "strikes"], ["project", "disputes"],
           ["project", "activity"], ["dossier", "wx_li"], ["history", "g9", "wx_li"]]


class TestFuture:
    @pytest.mark.parametrize("option", ["--as-of", "--known-at"])
    @pytest.mark.parametrize("command", QUERIES, ids=" ".join)
    def test_a_time_in_the_future_is_refused_as_a_future_at_is(self, story: Story,
                                                                command: list[str],
                                                                option: str) -> None:
        # Issue #12 item 7: well-formed but refused is exit 1, for --as-of as for --at.
        result = run(story.store, *command, option, "2099-01-01T00:00+08:00")

        assert result.exit_code == 1, (result.stdout, result.stderr)
        assert result.stdout == ""
        assert re.fullmatch(rf"Error: {option} 2099-01-01T00:00:00\+08:00 is in the future "
                            r"\(now .*\): give a time that has already happened\n",
                            result.stderr), result.stderr

    def test_a_time_that_is_not_a_time_is_a_usage_error(self, story: Story) -> None:
        result = run(story.store, "project", "strikes", "--as-of", "yesterday")

        assert result.exit_code == 2
        assert "Invalid value for '--as-of': 'yesterday' is not a time" in result.stderr


# Replay -----------------------------------------------------------------------------------

VIEW_ROWS = [("standings", 2), ("strikes", 3), ("disputes", 2), ("activity", 11),
             ("cases", 5), ("tasks", 0), ("member_groups", 2), ("groups", 1),
             ("appeals", 0), ("nicknames", 2)]


def replay_table(stdout: str) -> list[tuple[str, int, str, str]]:
    lines = stdout.split("\n")
    assert lines[0] == "view           rows  digest                   check"
    assert lines[1] == "-------------  ----  -----------------------  " + "-" * max(
        5, *(len(line[46:]) for line in lines[2:-1]))
    assert lines[-1] == ""
    parsed = []
    for line in lines[2:-1]:
        match = re.fullmatch(r"(\S+) +(\d+) +(sha256:[0-9a-f]{16})  (.+)", line)
        assert match, line
        assert len(line[:line.index(match[2])]) == 15 and line[21:44] == match[3]
        parsed.append((match[1], int(match[2]), match[3], match[4]))
    return parsed


class TestReplay:
    def test_every_view_is_ok(self, story: Story) -> None:
        result = ok(run(story.store, "replay"))

        table = replay_table(result.stdout)
        assert [(view, rows, check) for view, rows, _, check in table] == [
            (view, rows, "ok") for view, rows in VIEW_ROWS]

    def test_the_digests_are_stable_and_json_says_the_same(self, story: Story) -> None:
        first = replay_table(ok(run(story.store, "replay")).stdout)
        rows = as_json(run(story.store, "replay", "--format", "json"))

        assert rows == [{"view": v, "rows": n, "digest": d, "check": c} for v, n, d, c in first]
        assert all(DIGEST.fullmatch(row["digest"]) for row in rows)
        assert len({row["digest"] for row in rows}) == len(rows)

    def test_csv_and_jsonl(self, story: Story) -> None:
        rows = as_json(run(story.store, "replay", "--format", "json"))

        jsonl = ok(run(story.store, "replay", "--format", "jsonl"))
        as_csv = ok(run(story.store, "replay", "--format", "csv"))

        assert jsonl.stdout == printed_jsonl(rows)
        assert as_csv.stdout == printed_csv(rows, ["view", "rows", "digest", "check"])

    def test_one_projection(self, story: Story) -> None:
        every = as_json(run(story.store, "replay", "--format", "json"))

        result = ok(run(story.store, "replay", "--projection", "strikes", "--projection",
                        "disputes", "--format", "json"))

        assert orjson.loads(result.stdout) == every[1:3]

    def test_an_unknown_projection_is_a_usage_error(self, story: Story) -> None:
        result = run(story.store, "replay", "--projection", "nonesuch")

        assert result.exit_code == 2
        assert "Invalid value for '--projection'" in result.stderr

    def test_a_tampered_kept_row_fails_the_replay(self, story: Story) -> None:
        before = as_json(run(story.store, "replay", "--format", "json"))
        ledger = Ledger(parse_store(story.store))
        try:
            db = Db(ledger)
            with db.transaction() as cursor:
                changed = cursor.execute(f"UPDATE {db.table('view_strikes')} SET weight = 9 "
                                         "WHERE case_id = ?", (story.w_flood,))
            assert changed == 1
        finally:
            ledger.close()

        result = run(story.store, "replay")

        assert result.exit_code == 1, (result.stdout, result.stderr)
        assert result.stderr == ("Error: rebuilt views differ from the kept ones: strikes: run "
                                 "'ledger replay' again, and report it if it persists\n")
        table = replay_table(result.stdout)
        assert [(view, rows, digest) for view, rows, digest, _ in table] == [
            (r["view"], r["rows"], r["digest"]) for r in before]
        assert [check for *_, check in table] == [
            "1 row differs" if view == "strikes" else "ok" for view, _ in VIEW_ROWS]

    def test_a_deleted_kept_row_fails_the_replay_of_that_view_only(self, story: Story) -> None:
        ledger = Ledger(parse_store(story.store))
        try:
            ok(run(story.store, "replay"))  # every view kept up to date
            db = Db(ledger)
            with db.transaction() as cursor:
                cursor.execute(f"DELETE FROM {db.table('view_disputes')} WHERE case_id = ?",
                               (story.removal,))
        finally:
            ledger.close()

        result = run(story.store, "replay", "--projection", "disputes", "--format", "csv")

        assert result.exit_code == 1
        assert re.fullmatch(r"view,rows,digest,check\ndisputes,2,sha256:[0-9a-f]{16},"
                            r"1 row differs\n", result.stdout), result.stdout
        assert result.stderr.startswith("Error: rebuilt views differ from the kept ones: "
                                        "disputes: ")


# A strike that expired (long before the tests run: the output does not depend on the day)


@pytest.fixture
def expired(tmp_path: Path) -> tuple[str, str]:
    rulebook = tmp_path / "expiring.toml"
    rulebook.write_text(RULEBOOK.replace('on_limit = "removal_due"',
                                         'on_limit = "removal_due"\nexpire_after_days = 1'),
                        encoding="utf-8")
    store = str(tmp_path / "g.db")
    ok(run(store, "group", "create", "g9", "--name", "群", "--owner", "owner1", "--rulebook",
           str(rulebook), "--at", "2026-11-20T09:00+08:00", actor="owner1"))
    ok(run(store, "member", "admit", "g9", "wx_li", "--nickname", "李x明", "--at",
           "2026-11-20T10:00+08:00", actor="owner1"))
    warning = last_line(ok(run(store, "warn", "g9", "wx_li", "--category", "flooding",
                               "--at", "2026-11-20T12:00+08:00", actor="owner1")).stdout)
    return store, warning


class TestExpiredStrike:
    def test_strikes_show_it_expired(self, expired: tuple[str, str]) -> None:
        store, warning = expired

        now = as_json(run(store, "project", "strikes", "--format", "json"))
        then = as_json(run(store, "project", "strikes", "--as-of", "2026-11-21T11:59+08:00",
                           "--format", "json"))
        live = ok(run(store, "project", "strikes", "--state", "live"))

        assert [(r["case"], r["state"], r["weight"], r["expires_at"]) for r in now] == [
            (warning, "expired", 1, "2026-11-21T12:00:00+08:00")]
        assert [(r["case"], r["state"], r["weight"]) for r in then] == [(warning, "live", 1)]
        assert live.stdout == "(no rows)\n"

    def test_the_explanation_says_a_strike_expired(self, expired: tuple[str, str]) -> None:
        store, _ = expired

        result = ok(run(store, "project", "standings", "--explain"))
        before = ok(run(store, "project", "standings", "--explain", "--as-of",
                        "2026-11-21T11:00+08:00"))

        assert result.stdout == (
            "group  member  nickname  status  strikes  since                      nickname_ok  "
            "reminders  review_due\n"
            "-----  ------  --------  ------  -------  -------------------------  -----------  "
            "---------  ----------\n"
            "g9     wx_li   李x明     active  0        2026-11-21T12:00:00+08:00               "
            "0          no\n"
            "\ng9/wx_li: active, 0 strikes, since 2026-11-21T12:00:00+08:00, because:\n"
            "  2026-11-21T12:00:00+08:00  (a strike expired)\n")
        assert before.stdout.split("\n\n")[1].startswith(
            "g9/wx_li: warned, 1 strike, since 2026-11-20T12:00:00+08:00, because:\n"
            "  2026-11-20T12:00:00+08:00  WarningIssued by owner1: rules=audit v1; ")
