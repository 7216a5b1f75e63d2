"""Queries through the CLI: standings and history in every format, exactly as printed."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from cli.output import display_width
from tests.cli.support import (
    HEX_ID,
    STANDING_KEYS,
    WALK_STANDINGS,
    WALK_STANDINGS_PRINTED,
    Walk,
    ok,
    run,
)


@pytest.fixture
def walked(walked_on_each_store: Walk) -> Walk:
    """Every test here runs on SQLite and on PostgreSQL."""
    return walked_on_each_store


class TestStandings:
    @pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
    def test_each_format_is_exact(self, walked: Walk, fmt: str) -> None:
        result = run(walked.store, "project", "standings", "--format", fmt)

        assert ok(result).stdout == WALK_STANDINGS_PRINTED[fmt]

    def test_the_table_is_the_default(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings")

        assert ok(result).stdout == WALK_STANDINGS_PRINTED["table"]

    def test_json_parses_to_the_walk_through_standings(self, walked: Walk) -> None:
        rows = orjson.loads(ok(run(walked.store, "project", "standings", "--format",
                                   "json")).stdout)

        assert rows == WALK_STANDINGS
        assert [list(row)[:6] for row in rows] == [STANDING_KEYS] * 2

    def test_filtered_to_one_member(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings", "--group", "g9", "--member", "wx_li",
                     "--format", "csv")

        assert ok(result).stdout == "".join(WALK_STANDINGS_PRINTED["csv"].splitlines(True)[:2])

    @pytest.mark.parametrize("as_of, rows", [
        ("2026-11-20T10:30+08:00", ["g9,wx_wang,g9#1003@王x,active,0,2026-11-20T10:00:00+08:00"]),
        ("2026-11-22T23:00+08:00", ["g9,wx_li,g9#1001@李x明,warned,2,2026-11-21T21:00:00+08:00",
                                    "g9,wx_wang,g9#1003@王x,active,0,2026-11-20T10:00:00+08:00"]),
        ("2026-11-24T00:00+08:00", [
            "g9,wx_li,g9#1001@李x明,temporarily_removed,2,2026-11-23T23:00:00+08:00",
            "g9,wx_wang,g9#1003@王x,active,0,2026-11-20T10:00:00+08:00"]),
    ], ids=["before wx_li joined", "after the second warning", "while removed"])
    def test_as_of_a_past_moment(self, walked: Walk, as_of: str, rows: list[str]) -> None:
        result = run(walked.store, "project", "standings", "--as-of", as_of, "--format", "csv")

        lines = ok(result).stdout.splitlines()
        assert lines[0].startswith("group,member,nickname,status,strikes,since")
        assert [",".join(line.split(",")[:6]) for line in lines[1:]] == rows

    @pytest.mark.parametrize("fmt, printed", [
        ("table", "(no rows)\n"),
        ("json", "[]\n"),
        ("jsonl", ""),
        ("csv", WALK_STANDINGS_PRINTED["csv"].splitlines(True)[0]),
    ])
    def test_no_rows_in_each_format(self, walked: Walk, fmt: str, printed: str) -> None:
        # g9 had been registered by 09:30, and nobody admitted to it yet.
        result = run(walked.store, "project", "standings", "--group", "g9",
                     "--as-of", "2026-11-20T09:30+08:00", "--format", fmt)

        assert ok(result).stdout == printed

    def test_an_unknown_format_is_a_usage_error(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings", "--format", "xml")

        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.endswith(
            "Error: Invalid value for '--format': 'xml' is not one of "
            "'table', 'json', 'jsonl', 'csv'.\n")


def expected_history(walk: Walk) -> list[dict]:
    """The facts each event of wx_li's history must carry (events may carry more, such as
    the rulebook they were judged by)."""
    li = {"group": "g9", "member": "wx_li"}
    return [
        {"occurred_at": "2026-11-20T11:00:00+08:00", "event": "MemberAdmitted",
         "actor": "admin1", **li, "nickname": "李x明", "invited_by": "wx_wang",
         "verified_by": "admin1"},
        {"occurred_at": "2026-11-21T08:00:00+08:00", "event": "MemberRenamed", "actor": "wx_li",
         **li, "old_nickname": "李x明", "new_nickname": "g9#1001@李x明"},
        {"occurred_at": "2026-11-21T20:15:00+08:00", "event": "MessageFlagged",
         "actor": "wx_wang", **li, "flag_id": walk.flag_id, "category": "risky_link",
         "message": "m-778", "excerpt": "砍一刀 http://…"},
        {"occurred_at": "2026-11-21T21:00:00+08:00", "event": "FlagConfirmed", "actor": "admin1",
         **li, "flag_id": walk.flag_id, "note": "拼多多砍价链接"},
        {"occurred_at": "2026-11-21T21:00:00+08:00", "event": "WarningIssued", "actor": "admin1",
         **li, "sanction_id": walk.confirm_warning_id, "category": "risky_link",
         "reason": "拼多多砍价链接", "flag_id": walk.flag_id, "weight": 1, "strike_limit": 3},
        {"occurred_at": "2026-11-22T22:00:00+08:00", "event": "WarningIssued", "actor": "admin1",
         **li, "sanction_id": walk.warning_id, "category": "flooding", "reason": "刷屏 40 条",
         "flag_id": None, "weight": 1, "strike_limit": 3},
        {"occurred_at": "2026-11-23T23:00:00+08:00", "event": "MemberRemoved", "actor": "admin1",
         **li, "sanction_id": walk.removal_id, "temporary": True,
         "reason": "与邻居争吵，劝阻无效"},
        {"occurred_at": "2026-11-24T18:00:00+08:00", "event": "MemberReadmitted",
         "actor": "admin1", **li, "note": "业委会调解后重新邀请"},
    ]


def as_csv(value: object) -> str:
    """A JSON value as the CSV shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def history_rows(store: str) -> list[dict]:
    return orjson.loads(ok(run(store, "history", "g9", "wx_li", "--format", "json")).stdout)


class TestHistory:
    def test_json_holds_every_fact_in_the_order_it_happened(self, walked: Walk) -> None:
        rows = history_rows(walked.store)

        expected = expected_history(walked)
        assert [{key: row.get(key, "<missing>") for key in facts}
                for row, facts in zip(rows, expected)] == expected
        assert len(rows) == len(expected)
        assert [list(row)[:4] for row in rows] == [
            ["occurred_at", "recorded_at", "event", "actor"]] * 8

    def test_recorded_at_is_when_the_test_recorded_it(self, new_store: str) -> None:
        before = datetime.now(timezone.utc)
        ok(run(new_store, "group", "create", "g9", "--name", "群", "--owner", "o",
               "--at", "2026-11-20T09:00+08:00", actor="o"))
        ok(run(new_store, "member", "admit", "g9", "wx_a", "--nickname", "阿",
               "--at", "2026-11-20T10:00+08:00", actor="o"))
        after = datetime.now(timezone.utc)

        rows = orjson.loads(ok(run(new_store, "history", "g9", "wx_a", "--format",
                                   "json")).stdout)

        recorded = datetime.fromisoformat(rows[0]["recorded_at"])
        assert before - timedelta(seconds=1) <= recorded <= after + timedelta(seconds=1)
        assert rows[0]["occurred_at"] == "2026-11-20T10:00:00+08:00"

    def test_jsonl_has_the_same_rows_as_json(self, walked: Walk) -> None:
        as_json = orjson.loads(ok(run(walked.store, "history", "g9", "wx_li", "--format",
                                      "json")).stdout)

        result = ok(run(walked.store, "history", "g9", "wx_li", "--format", "jsonl"))

        lines = result.stdout.split("\n")
        assert lines[-1] == "" and len(lines) == 9
        assert [orjson.loads(line) for line in lines[:-1]] == as_json

    def test_csv_has_one_column_per_key_and_the_json_values(self, walked: Walk) -> None:
        rows = history_rows(walked.store)

        result = ok(run(walked.store, "history", "g9", "wx_li", "--format", "csv"))

        table = list(csv.reader(io.StringIO(result.stdout)))
        header, body = table[0], table[1:]
        assert header[:6] == ["occurred_at", "recorded_at", "event", "actor", "group", "member"]
        assert sorted(header) == sorted({key for row in rows for key in row})
        assert body == [[as_csv(row.get(key)) for key in header] for row in rows]

    def test_the_table_shows_eight_digits_of_each_id(self, walked: Walk) -> None:
        result = ok(run(walked.store, "history", "g9", "wx_li"))

        lines = result.stdout.split("\n")
        assert lines[-1] == "" and len(lines) == 11
        assert lines[0] == ("occurred_at                recorded_at                event"
                            "             actor    details")
        details = [line[81:] for line in lines[2:-1]]
        assert lines[1] == ("-------------------------  -------------------------  "
                            "----------------  -------  "
                            + "-" * max(display_width(d) for d in details))
        assert not HEX_ID.search(result.stdout)
        f, cw, w, r = (walked.flag_id[:8], walked.confirm_warning_id[:8],
                       walked.warning_id[:8], walked.removal_id[:8])
        expected = [
            ("2026-11-20T11:00:00+08:00", "MemberAdmitted", "admin1",
             ["nickname=李x明", "invited_by=wx_wang", "verified_by=admin1"]),
            ("2026-11-21T08:00:00+08:00", "MemberRenamed", "wx_li",
             ["old_nickname=李x明", "new_nickname=g9#1001@李x明"]),
            ("2026-11-21T20:15:00+08:00", "MessageFlagged", "wx_wang",
             [f"flag_id={f}", "category=risky_link", "message=m-778", "excerpt=砍一刀 http://…"]),
            ("2026-11-21T21:00:00+08:00", "FlagConfirmed", "admin1",
             [f"flag_id={f}", "note=拼多多砍价链接"]),
            ("2026-11-21T21:00:00+08:00", "WarningIssued", "admin1",
             [f"sanction_id={cw}", "category=risky_link", "reason=拼多多砍价链接", f"flag_id={f}",
              "weight=1", "strike_limit=3"]),
            ("2026-11-22T22:00:00+08:00", "WarningIssued", "admin1",
             [f"sanction_id={w}", "category=flooding", "reason=刷屏 40 条", "weight=1"]),
            ("2026-11-23T23:00:00+08:00", "MemberRemoved", "admin1",
             [f"sanction_id={r}", "reason=与邻居争吵，劝阻无效"]),
            ("2026-11-24T18:00:00+08:00", "MemberReadmitted", "admin1",
             ["note=业委会调解后重新邀请"]),
        ]
        recorded = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
        for line, (occurred, event, actor, facts) in zip(lines[2:-1], expected):
            assert re.fullmatch(rf"{re.escape(occurred)}  {recorded}  {event:<16}  {actor:<7}  "
                                r"\S.*", line), line
            assert set(facts) <= set(line[81:].split("; ")), line

    def test_a_fact_recorded_late_is_shown_where_it_happened(self, walked: Walk) -> None:
        ok(run(walked.store, "flag", "raise", "g9", "wx_li", "--category", "off_topic",
               "--at", "2026-11-22T08:00+08:00", actor="admin1"))

        rows = orjson.loads(ok(run(walked.store, "history", "g9", "wx_li", "--format",
                                   "json")).stdout)

        assert [(r["event"], r["occurred_at"]) for r in rows][4:7] == [
            ("WarningIssued", "2026-11-21T21:00:00+08:00"),
            ("MessageFlagged", "2026-11-22T08:00:00+08:00"),
            ("WarningIssued", "2026-11-22T22:00:00+08:00"),
        ]


# Nicknames people really use: Chinese, emoji, a combining accent (e + U+0301 is NOT the
# precomposed é and must not become it), full-width letters, Korean and kana, and CSV's
# own delimiters.
UNICODE_NICKNAMES = {
    "wx_a": "张伟🙂",
    "wx_b": "e\u0301mile Zoe\u0308",
    "wx_c": "🎉 Ａｂｃ",
    "wx_d": 'a,"b"\nc',
    "wx_e": "한국어 かな",
}


@pytest.fixture
def unicode_store(new_store: str) -> str:
    ok(run(new_store, "group", "create", "u1", "--name", "表情群 🎉", "--owner", "o",
           "--at", "2026-11-20T09:00+08:00", actor="o"))
    for member, nickname in UNICODE_NICKNAMES.items():
        result = ok(run(new_store, "member", "admit", "u1", member, "--nickname", nickname,
                        "--at", "2026-11-20T10:00+08:00", actor="o"))
        assert result.stdout == f"Admitted {member} to u1 as {nickname} at 2026-11-20T10:00:00+08:00.\n"
    return new_store


class TestUnicode:
    def test_nicknames_survive_exactly_in_json(self, unicode_store: str) -> None:
        result = ok(run(unicode_store, "project", "standings", "--format", "json"))

        rows = orjson.loads(result.stdout)
        assert {row["member"]: row["nickname"] for row in rows} == UNICODE_NICKNAMES
        # written as characters, not \u escapes, and not normalised
        assert "张伟🙂" in result.stdout and "e\u0301mile Zoe\u0308" in result.stdout
        assert "\u00e9" not in result.stdout and "\\u" not in result.stdout

    def test_nicknames_survive_exactly_in_jsonl(self, unicode_store: str) -> None:
        result = ok(run(unicode_store, "project", "standings", "--format", "jsonl"))

        rows = [orjson.loads(line) for line in result.stdout.splitlines()]
        assert {row["member"]: row["nickname"] for row in rows} == UNICODE_NICKNAMES

    def test_nicknames_survive_exactly_in_csv(self, unicode_store: str) -> None:
        result = ok(run(unicode_store, "project", "standings", "--format", "csv"))

        assert result.stdout == (
            "group,member,nickname,status,strikes,since,nickname_ok,reminders,review_due\n"
            "u1,wx_a,张伟🙂,active,0,2026-11-20T10:00:00+08:00,,0,false\n"
            "u1,wx_b,e\u0301mile Zoe\u0308,active,0,2026-11-20T10:00:00+08:00,,0,false\n"
            "u1,wx_c,🎉 Ａｂｃ,active,0,2026-11-20T10:00:00+08:00,,0,false\n"
            'u1,wx_d,"a,""b""\nc",active,0,2026-11-20T10:00:00+08:00,,0,false\n'
            "u1,wx_e,한국어 かな,active,0,2026-11-20T10:00:00+08:00,,0,false\n"
        )
        parsed = list(csv.DictReader(io.StringIO(result.stdout)))
        assert {row["member"]: row["nickname"] for row in parsed} == UNICODE_NICKNAMES

    def test_the_table_counts_wide_and_combining_characters(self, unicode_store: str) -> None:
        result = ok(run(unicode_store, "project", "standings"))

        # 张伟🙂 is 6 columns wide, e+U+0301mile Zoe+U+0308 is 9 (the accents take no
        # column), 🎉 Ａｂｃ is 9, 한국어 かな is 11; a newline in a cell is shown as \n.
        lines = result.stdout.split("\n")
        assert [line[:line.index("  active")] for line in lines[2:-1]] == [
            "u1     wx_a    张伟🙂     ",
            "u1     wx_b    e\u0301mile Zoe\u0308  ",
            "u1     wx_c    🎉 Ａｂｃ  ",
            'u1     wx_d    a,"b"\\nc   ',
            "u1     wx_e    한국어 かな",
        ]
        assert lines[0].startswith("group  member  nickname     status  ")
        assert lines[1].startswith("-----  ------  -----------  ------  ")
        assert {display_width(line[:line.index("active")]) for line in lines[2:-1]} == {
            display_width(lines[0][:lines[0].index("status")])}

    def test_history_keeps_the_nickname_exactly(self, unicode_store: str) -> None:
        result = ok(run(unicode_store, "history", "u1", "wx_b", "--format", "json"))

        assert orjson.loads(result.stdout)[0]["nickname"] == "e\u0301mile Zoe\u0308"

    def test_a_zero_width_joiner_emoji_nickname_is_accepted(self, unicode_store: str) -> None:
        nickname = "程序员 👩\u200d💻"

        result = run(unicode_store, "member", "admit", "u1", "wx_z", "--nickname", nickname,
                     "--at", "2026-11-20T10:00+08:00", actor="o")

        assert ok(result).stdout == f"Admitted wx_z to u1 as {nickname} at 2026-11-20T10:00:00+08:00.\n"
        rows = orjson.loads(ok(run(unicode_store, "project", "standings", "--member", "wx_z",
                                   "--format", "json")).stdout)
        assert [row["nickname"] for row in rows] == [nickname]
