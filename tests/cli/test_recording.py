"""Recording commands through the CLI: what each prints, and that a command which creates
something with an id prints that id alone on its last line.
"""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.cli.support import (
    HEX_ID,
    WALK_STANDINGS,
    WALK_STANDINGS_PRINTED,
    Walk,
    event_count,
    expected_walk_outputs,
    last_line,
    ok,
    run,
    walk_through,
)


@pytest.fixture
def walked(walked_on_each_store: Walk) -> Walk:
    """Every test here runs on SQLite and on PostgreSQL."""
    return walked_on_each_store

LATER = "2026-11-25T10:00+08:00"
LATER_STORED = "2026-11-25T10:00:00+08:00"  # as every reply echoes it


def history_json(store: str, member: str) -> list[dict]:
    return orjson.loads(ok(run(store, "history", "g9", member, "--format", "json")).stdout)


class TestWalkThrough:
    def test_each_step_prints_exactly_what_it_recorded(self, new_store: str) -> None:
        walk = walk_through(new_store)

        assert walk.outputs == expected_walk_outputs(walk)

    def test_the_story_is_stored_as_eleven_events(self, new_store: str) -> None:
        walk_through(new_store)

        # group, role, 2 admissions, rename, flag, confirmation + its warning, warning,
        # removal, re-admission
        assert event_count(new_store) == 11

    def test_a_flag_is_confirmed_by_the_first_eight_digits_of_its_id(self, walked: Walk) -> None:
        events = history_json(walked.store, "wx_li")

        confirmed = [e for e in events if e["event"] == "FlagConfirmed"]
        assert [(e["flag_id"], e["actor"], e["note"]) for e in confirmed] == [
            (walked.flag_id, "admin1", "拼多多砍价链接")]

    def test_the_whole_story_from_an_empty_directory(self, new_store: str) -> None:
        walk = walk_through(new_store)

        history = run(new_store, "history", "g9", "wx_li", "--format", "json")
        printed = {fmt: run(new_store, "project", "standings", "--format", fmt)
                   for fmt in ("json", "jsonl", "csv", "table")}

        assert [e["event"] for e in orjson.loads(ok(history).stdout)] == [
            "MemberAdmitted", "MemberRenamed", "MessageFlagged", "FlagConfirmed",
            "WarningIssued", "WarningIssued", "MemberRemoved", "MemberReadmitted"]
        assert {fmt: ok(r).stdout for fmt, r in printed.items()} == WALK_STANDINGS_PRINTED
        assert orjson.loads(printed["json"].stdout) == WALK_STANDINGS
        assert walk.outputs == expected_walk_outputs(walk)


# Commands that create something with an id: who runs it, what they print first, and
# the event and key under which the printed id is stored.
CREATES_AN_ID = [
    ("flag raise", "wx_li", ["flag", "raise", "g9", "wx_wang", "--category", "ads"],
     f"Flagged a message of wx_wang in g9 as ads (广告) at {LATER_STORED}.",
     ("MessageFlagged", "flag_id")),
    ("warn", "admin1", ["warn", "g9", "wx_wang", "--category", "off_hours"],
     f"Warned wx_wang in g9 for off_hours at {LATER_STORED}: 1 of 3 strikes, warned.",
     ("WarningIssued", "sanction_id")),
    ("member remove", "admin1",
     ["member", "remove", "g9", "wx_wang", "--reason", "三次违规"],
     f"Removed wx_wang from g9 at {LATER_STORED}: 三次违规", ("MemberRemoved", "sanction_id")),
    ("member remove --temporary", "admin1",
     ["member", "remove", "g9", "wx_wang", "--temporary", "--reason", "争吵"],
     f"Temporarily removed wx_wang from g9 at {LATER_STORED}: 争吵",
     ("MemberRemoved", "sanction_id")),
    ("member leave --violation", "admin1",
     ["member", "leave", "g9", "wx_wang", "--violation", "defiance"],
     f"wx_wang left g9 at {LATER_STORED}, warned for defiance.",
     ("WarningIssued", "sanction_id")),
    ("task assign", "admin1",
     ["task", "assign", "g9", "wx_wang", "--summary", "报客户名单", "--deadline-minutes", "30"],
     f"Assigned to wx_wang in g9 at {LATER_STORED}: 报客户名单 "
     "(acknowledge by 2026-11-25T10:30:00+08:00).",
     ("TaskAssigned", "task_id")),
    ("group review", "owner1", ["group", "review", "g9", "--keep", "wx_wang",
                                "--reason", "第四季度核查"],
     f"Reviewed g9 at {LATER_STORED}: kept 1, removed 0.", ("MembershipReviewed", "review_id")),
]


class TestIdOnTheLastLine:
    """Every command that creates something with an id prints it alone on its last line,
    so that a script can take it with `tail -1`.
    """

    @pytest.mark.parametrize("command, actor, args, first_line, stored_as", CREATES_AN_ID,
                             ids=[case[0] for case in CREATES_AN_ID])
    def test_the_id_printed_is_the_id_stored(self, walked: Walk, command: str, actor: str,
                                             args: list[str], first_line: str,
                                             stored_as: tuple[str, str]) -> None:
        result = ok(run(walked.store, *args, "--at", LATER, actor=actor))

        printed = last_line(result.stdout)
        assert HEX_ID.fullmatch(printed), result.stdout
        assert result.stdout == f"{first_line}\n{printed}\n"
        event, key = stored_as
        stored = [e[key] for e in history_json(walked.store, "wx_wang") if e["event"] == event]
        assert stored == [printed]

    def test_flag_confirm_prints_the_id_of_the_warning_it_earned(self, walked: Walk) -> None:
        raised = ok(run(walked.store, "flag", "raise", "g9", "wx_wang", "--category", "rumor",
                        "--at", "2026-11-25T09:00+08:00", actor="wx_li"))
        flag_id = last_line(raised.stdout)

        result = ok(run(walked.store, "flag", "confirm", flag_id[:8], "--at", LATER,
                        actor="admin1"))

        warning_id = last_line(result.stdout)
        assert HEX_ID.fullmatch(warning_id)
        assert warning_id != flag_id
        assert result.stdout == (f"Confirmed flag {flag_id[:8]} at {LATER_STORED}: wx_wang in "
                                 f"g9 is warned (1 of 3 strikes, warned).\n{warning_id}\n")
        warnings = [e for e in history_json(walked.store, "wx_wang")
                    if e["event"] == "WarningIssued"]
        assert [(w["sanction_id"], w["flag_id"], w["category"]) for w in warnings] == [
            (warning_id, flag_id, "rumor")]

    def test_the_walk_through_ids_are_all_distinct_hex(self, walked: Walk) -> None:
        ids = [walked.flag_id, walked.confirm_warning_id, walked.warning_id, walked.removal_id]

        assert all(HEX_ID.fullmatch(i) for i in ids), ids
        assert len(set(ids)) == 4


class TestFlagReferences:
    def test_the_whole_id_is_accepted(self, walked: Walk) -> None:
        raised = ok(run(walked.store, "flag", "raise", "g9", "wx_wang", "--category", "ads",
                        "--at", "2026-11-25T09:00+08:00", actor="admin1"))
        flag_id = last_line(raised.stdout)

        result = run(walked.store, "flag", "dismiss", flag_id, "--reason", "属实",
                     "--at", LATER, actor="admin1")

        assert ok(result).stdout == (f"Dismissed flag {flag_id[:8]} against wx_wang in g9 at "
                                     f"{LATER_STORED}.\n")

    def test_a_prefix_in_capitals_is_accepted(self, walked: Walk) -> None:
        raised = ok(run(walked.store, "flag", "raise", "g9", "wx_wang", "--category", "ads",
                        "--at", "2026-11-25T09:00+08:00", actor="admin1"))
        flag_id = last_line(raised.stdout)

        result = run(walked.store, "flag", "dismiss", flag_id[:6].upper(), "--reason", "属实",
                     "--at", LATER, actor="admin1")

        assert ok(result).stdout == (f"Dismissed flag {flag_id[:8]} against wx_wang in g9 at "
                                     f"{LATER_STORED}.\n")

    def test_flag_list_shows_the_decided_flag_in_full(self, walked: Walk) -> None:
        result = ok(run(walked.store, "flag", "list", "--format", "json"))

        assert orjson.loads(result.stdout) == [{
            "flag": walked.flag_id, "group": "g9", "member": "wx_li", "category": "risky_link",
            "raised_by": "wx_wang", "raised_at": "2026-11-21T20:15:00+08:00",
            "state": "confirmed", "message": "m-778", "excerpt": "砍一刀 http://…"}]


class TestOtherRecordingCommands:
    def test_group_revoke(self, walked: Walk) -> None:
        result = run(walked.store, "group", "revoke", "g9", "admin1", "--role", "admin",
                     "--at", LATER, actor="owner1")

        assert ok(result).stdout == f"Revoked admin in g9 from admin1 at {LATER_STORED}.\n"
        refused = run(walked.store, "warn", "g9", "wx_li", "--category", "ads", actor="admin1")
        assert refused.exit_code == 1
        assert refused.stderr == ("Error: admin1 may not warn members in g9: only the owner "
                                  "or an admin may\n")

    def test_member_leave_by_the_member(self, walked: Walk) -> None:
        result = run(walked.store, "member", "leave", "g9", "wx_wang", "--note", "搬家了",
                     "--at", LATER, actor="wx_wang")

        assert ok(result).stdout == f"wx_wang left g9 at {LATER_STORED}.\n"
        standings = ok(run(walked.store, "project", "standings", "--member", "wx_wang",
                           "--format", "json")).stdout
        assert [(row["status"], row["strikes"], row["since"])
                for row in orjson.loads(standings)] == [
            ("left", 0, "2026-11-25T10:00:00+08:00")]

    def test_a_third_strike_makes_removal_due(self, walked: Walk) -> None:
        result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads",
                     "--at", LATER, actor="admin1")

        assert ok(result).stdout.split("\n")[0] == (
            f"Warned wx_li in g9 for ads at {LATER_STORED}: 3 of 3 strikes, removal_due.")

    def test_the_owner_may_record_without_an_admin_role(self, new_store: str) -> None:
        ok(run(new_store, "group", "create", "g1", "--name", "一号楼", "--owner", "o1",
               "--at", "2026-11-20T09:00+08:00", actor="o1"))

        result = run(new_store, "member", "admit", "g1", "wx_a", "--nickname", "阿",
                     "--at", "2026-11-20T10:00+08:00", actor="o1")

        assert ok(result).stdout == "Admitted wx_a to g1 as 阿 at 2026-11-20T10:00:00+08:00.\n"


class TestEnvironment:
    def test_ledger_store_and_ledger_actor_stand_in_for_the_options(self, walked: Walk) -> None:
        runner = CliRunner(env={"LEDGER_STORE": walked.store, "LEDGER_ACTOR": "admin1"})

        result = runner.invoke(cli, ["member", "admit", "g9", "wx_zhao", "--nickname", "赵",
                                     "--at", LATER])

        assert ok(result).stdout == f"Admitted wx_zhao to g9 as 赵 at {LATER_STORED}.\n"
        assert event_count(walked.store) == 12

    def test_the_options_win_over_the_environment(self, walked: Walk, tmp_path) -> None:
        other = str(tmp_path / "other.db")
        runner = CliRunner(env={"LEDGER_STORE": other, "LEDGER_ACTOR": "wx_wang"})

        result = runner.invoke(cli, ["--store", walked.store, "--actor", "admin1", "member",
                                     "admit", "g9", "wx_zhao", "--nickname", "赵",
                                     "--at", LATER])

        assert ok(result).stdout == f"Admitted wx_zhao to g9 as 赵 at {LATER_STORED}.\n"
        assert not (tmp_path / "other.db").exists()

