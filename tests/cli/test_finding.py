"""Finding people and groups: `member find` looks through every nickname a member has had
in every group, as admins know people by nickname; a query that names a group, member or
actor the ledger has never heard of says so instead of answering "(no rows)"; --group and
--member may be given again; ids are found however their accents were typed.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cli.main import cli
from tests.cli.support import T, Walk, event_count, ok, run, runner

LATER = "2026-11-25T09:00+08:00"


@pytest.fixture
def walked(walked_on_each_store: Walk) -> Walk:
    """The walk-through (wx_li admitted as 李x明, renamed g9#1001@李x明; wx_wang is
    g9#1003@王x), and a second group where Émile is admitted with the accent typed as a
    separate mark, as some phones send it; on SQLite and on PostgreSQL.
    """
    return with_g10(walked_on_each_store)


@pytest.fixture
def walked_sqlite(sqlite_walked: Walk) -> Walk:
    """The same on SQLite alone, for checks repeated over every query."""
    return with_g10(sqlite_walked)


def with_g10(walk: Walk) -> Walk:
    store = walk.store
    ok(run(store, "group", "create", "g10", "--name", "加侨业委会10栋业主群", "--owner", "owner1",
           "--at", T["create"], actor="owner1"))
    ok(run(store, "member", "admit", "g10", "wx_li", "--nickname", "g10#0302@李x明",
           "--at", T["admit_li"], actor="owner1"))
    ok(run(store, "member", "admit", "g10", "wx_emile", "--nickname", "E\u0301mile 李",
           "--at", T["admit_li"], actor="owner1"))
    return walk


FOUND_LI = (
    "group  member  nickname        since                      until\n"
    "-----  ------  --------------  -------------------------  -------------------------\n"
    "g10    wx_li   g10#0302@李x明  2026-11-20T11:00:00+08:00\n"
    "g9     wx_li   李x明           2026-11-20T11:00:00+08:00  2026-11-21T08:00:00+08:00\n"
    "g9     wx_li   g9#1001@李x明   2026-11-21T08:00:00+08:00\n"
)


class TestMemberFind:
    def test_current_and_past_nicknames_in_every_group_are_found(self, walked: Walk) -> None:
        result = run(walked.store, "member", "find", "李x")

        # 李x明 was wx_li's nickname in g9 until the rename; the others are theirs now.
        assert ok(result).stdout == FOUND_LI

    def test_json_gives_until_as_null_for_the_nickname_they_have_now(self, walked: Walk) -> None:
        result = run(walked.store, "member", "find", "x明", "--group", "g9", "--format", "json")

        assert orjson.loads(ok(result).stdout) == [
            {"group": "g9", "member": "wx_li", "nickname": "李x明",
             "since": "2026-11-20T11:00:00+08:00", "until": "2026-11-21T08:00:00+08:00"},
            {"group": "g9", "member": "wx_li", "nickname": "g9#1001@李x明",
             "since": "2026-11-21T08:00:00+08:00", "until": None},
        ]

    @pytest.mark.parametrize("typed", ["émile", "ÉMILE", "E\u0301MILE", "e\u0301mile 李"])
    def test_latin_letters_match_in_either_case_and_however_the_accent_was_typed(
            self, walked: Walk, typed: str) -> None:
        result = run(walked.store, "member", "find", typed, "--format", "csv")

        # Stored as typed at admission (E + U+0301), found whichever spelling is asked for.
        assert ok(result).stdout == ("group,member,nickname,since,until\n"
                                     "g10,wx_emile,E\u0301mile 李,2026-11-20T11:00:00+08:00,\n")

    def test_a_han_character_is_found_anywhere_in_the_nickname(self, walked: Walk) -> None:
        result = run(walked.store, "member", "find", "王", "--format", "jsonl")

        assert [orjson.loads(line)["member"] for line in ok(result).stdout.splitlines()] == [
            "wx_wang"]

    def test_percent_and_underscore_are_matched_as_written(self, walked: Walk) -> None:
        ok(run(walked.store, "member", "admit", "g10", "wx_pct", "--nickname", "100%_on",
               "--at", LATER, actor="owner1"))

        found = run(walked.store, "member", "find", "%_", "--format", "jsonl")
        none = run(walked.store, "member", "find", "0_o")

        assert [orjson.loads(line)["member"] for line in ok(found).stdout.splitlines()] == [
            "wx_pct"]
        assert ok(none).stdout == "(no rows)\n"

    def test_a_rename_is_found_right_after_it_is_recorded(self, walked: Walk) -> None:
        ok(run(walked.store, "member", "rename", "g9", "wx_wang", "g9#1003@王小二",
               "--at", LATER, actor="admin1"))

        result = run(walked.store, "member", "find", "王", "--format", "csv")

        assert ok(result).stdout == (
            "group,member,nickname,since,until\n"
            "g9,wx_wang,g9#1003@王x,2026-11-20T10:00:00+08:00,2026-11-25T09:00:00+08:00\n"
            "g9,wx_wang,g9#1003@王小二,2026-11-25T09:00:00+08:00,\n")

    def test_as_of_a_moment_before_the_rename_the_old_nickname_is_current(
            self, walked: Walk) -> None:
        result = run(walked.store, "member", "find", "李", "--group", "g9",
                     "--as-of", "2026-11-21T07:59+08:00", "--format", "csv")

        assert ok(result).stdout == ("group,member,nickname,since,until\n"
                                     "g9,wx_li,李x明,2026-11-20T11:00:00+08:00,\n")

    def test_groups_given_again_are_searched_together(self, walked: Walk) -> None:
        one = run(walked.store, "member", "find", "李", "--group", "g10", "--format", "csv")
        both = run(walked.store, "member", "find", "李", "--group", "g10", "--group", "g9",
                   "--format", "csv")

        assert [line.split(",")[:2] for line in ok(one).stdout.splitlines()[1:]] == [
            ["g10", "wx_emile"], ["g10", "wx_li"]]
        assert [line.split(",")[:2] for line in ok(both).stdout.splitlines()[1:]] == [
            ["g10", "wx_emile"], ["g10", "wx_li"], ["g9", "wx_li"], ["g9", "wx_li"]]

    def test_nothing_found_is_no_rows(self, walked: Walk) -> None:
        assert ok(run(walked.store, "member", "find", "赵")).stdout == "(no rows)\n"

    def test_an_unknown_group_is_named(self, walked: Walk) -> None:
        result = run(walked.store, "member", "find", "李", "--group", "g8")

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == ("Error: group g8 is not in this ledger: see 'ledger group "
                                 "list' for its groups\n")

    @pytest.mark.parametrize("text", ["", "  "])
    def test_empty_text_is_a_usage_error(self, walked: Walk, text: str) -> None:
        result = run(walked.store, "member", "find", text)

        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.endswith(
            "Error: Invalid value for TEXT: give some of the nickname to look for\n")


NO_G8 = "Error: group g8 is not in this ledger: see 'ledger group list' for its groups\n"
NO_WX_NOBODY = ("Error: member wx_nobody was never admitted to a group in this ledger: check "
                "the id, or look for the nickname with 'ledger member find'\n")

# Every query with --group and --member filters.
FILTERED = [("project", "standings"), ("project", "strikes"), ("project", "disputes"),
            ("flag", "list"), ("task", "list"), ("task", "overdue"), ("appeal", "list")]


class TestUnknownNames:
    @pytest.mark.parametrize("query", FILTERED, ids=" ".join)
    @pytest.mark.parametrize("args, error", [
        (["--group", "g8"], NO_G8),
        (["--member", "wx_nobody"], NO_WX_NOBODY),
        (["--group", "g9", "--group", "g8"], NO_G8),
        (["--member", "wx_li", "--member", "wx_nobody"], NO_WX_NOBODY),
        (["--group", "g9", "--as-of", "2026-11-20T09:30+08:00", "--member", "wx_nobody"],
         NO_WX_NOBODY),
    ], ids=["group", "member", "second group", "second member", "member, nothing then"])
    def test_a_query_naming_what_the_ledger_never_had_says_so(
            self, walked_sqlite: Walk, query: tuple[str, ...], args: list[str],
            error: str) -> None:
        result = run(walked_sqlite.store, *query, *args)

        assert (result.exit_code, result.stdout, result.stderr) == (1, "", error)

    @pytest.mark.parametrize("args, error", [(["--group", "g8"], NO_G8),
                                             (["--member", "wx_nobody"], NO_WX_NOBODY)])
    def test_on_each_store_too(self, walked: Walk, args: list[str], error: str) -> None:
        result = run(walked.store, "project", "strikes", *args)

        assert (result.exit_code, result.stdout, result.stderr) == (1, "", error)

    def test_an_actor_who_recorded_nothing_is_named_by_activity(self, walked: Walk) -> None:
        result = run(walked.store, "project", "activity", "--member", "admin2")

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == ("Error: admin2 has recorded nothing in this ledger: check the "
                                 "id (see 'ledger project activity')\n")

    def test_a_known_member_with_nothing_to_show_is_no_rows(self, walked: Walk) -> None:
        # wx_wang is in the ledger and was never warned: that is an answer, not a mistake.
        result = run(walked.store, "project", "strikes", "--member", "wx_wang")

        assert ok(result).stdout == "(no rows)\n"

    def test_a_member_of_another_group_is_no_rows_in_this_one(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings", "--group", "g9",
                     "--member", "wx_emile")

        assert ok(result).stdout == "(no rows)\n"

    def test_export_of_an_unknown_group_says_so_and_writes_nothing(self, walked: Walk) -> None:
        result = run(walked.store, "export", "--group", "g8")

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == ("Error: group g8 is not in this ledger: create it with "
                                 "'ledger group create' or check --store\n")

    def test_history_and_dossier_name_the_unknown_too(self, walked: Walk) -> None:
        history = run(walked.store, "history", "g8", "wx_li")
        dossier = run(walked.store, "dossier", "wx_nobody")

        assert (history.exit_code, history.stdout) == (1, "")
        assert history.stderr == ("Error: group g8 is not in this ledger: create it with "
                                  "'ledger group create' or check --store\n")
        assert (dossier.exit_code, dossier.stdout) == (1, "")
        assert dossier.stderr == ("Error: wx_nobody was never admitted to any group in this "
                                  "ledger: check the member id\n")


def members_of(output: str) -> list[tuple[str, str]]:
    return [(row["group"], row["member"]) for row in orjson.loads(output)]


class TestRepeatedFilters:
    def test_members_given_again_are_any_of_them(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings", "--member", "wx_wang",
                     "--member", "wx_li", "--format", "json")

        assert members_of(ok(result).stdout) == [("g10", "wx_li"), ("g9", "wx_li"),
                                                 ("g9", "wx_wang")]

    def test_group_and_member_together_narrow_by_both(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings", "--group", "g9", "--group", "g10",
                     "--member", "wx_li", "--member", "wx_emile", "--format", "json")

        assert members_of(ok(result).stdout) == [("g10", "wx_emile"), ("g10", "wx_li"),
                                                 ("g9", "wx_li")]

    def test_repeated_filters_work_at_a_past_moment(self, walked: Walk) -> None:
        result = run(walked.store, "project", "standings", "--member", "wx_wang",
                     "--member", "wx_li", "--as-of", "2026-11-20T10:30+08:00",
                     "--format", "json")

        assert members_of(ok(result).stdout) == [("g9", "wx_wang")]

    def test_strikes_of_two_members(self, walked: Walk) -> None:
        result = run(walked.store, "project", "strikes", "--member", "wx_wang",
                     "--member", "wx_li", "--format", "json")

        assert [(r["member"], r["category"]) for r in orjson.loads(ok(result).stdout)] == [
            ("wx_li", "risky_link"), ("wx_li", "flooding")]

    def test_activity_of_two_actors(self, walked: Walk) -> None:
        result = run(walked.store, "project", "activity", "--member", "owner1",
                     "--member", "wx_li", "--group", "g9", "--format", "json")

        assert [(r["actor"], r["group"]) for r in orjson.loads(ok(result).stdout)] == [
            ("owner1", "g9"), ("wx_li", "g9")]


class TestIdsTypedWithAnotherSpelling:
    def test_an_id_typed_with_a_separate_accent_finds_the_stored_one(self, walked: Walk) -> None:
        # Stored ids are NFC: wx_josé with é as one character.
        ok(run(walked.store, "member", "admit", "g9", "wx_jose\u0301", "--nickname", "g9#0707@何塞",
               "--at", LATER, actor="admin1"))

        composed = run(walked.store, "project", "standings", "--member", "wx_jos\u00e9",
                       "--format", "json")
        decomposed = run(walked.store, "project", "standings", "--member", "wx_jose\u0301",
                         "--format", "json")

        assert members_of(ok(composed).stdout) == [("g9", "wx_jos\u00e9")]
        assert ok(decomposed).stdout == composed.stdout


class TestTheDemoBesideAMissingLedger:
    def test_a_query_on_a_missing_ledger_points_at_the_demo(self, tmp_path: Path) -> None:
        demo = tmp_path / "ledger-demo.db"
        made = runner().invoke(cli, ["demo", "--out", str(demo), "--format", "json"],
                               prog_name="ledger")
        assert made.exit_code == 0, made.output

        result = run(str(tmp_path / "ledger.db"), "project", "standings")

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            f"Error: no ledger at {tmp_path / 'ledger.db'}: create a group first ('ledger "
            "group create') or point --store at a ledger, such as the demo's: "
            f"--store {demo}\n")
        assert not (tmp_path / "ledger.db").exists()

    def test_without_a_demo_the_error_says_only_what_is_missing(self, tmp_path: Path) -> None:
        (tmp_path / "ledger-demo-old.db").write_bytes(b"")  # not a name the demo writes

        result = run(str(tmp_path / "ledger.db"), "project", "standings")

        assert result.stderr == (
            f"Error: no ledger at {tmp_path / 'ledger.db'}: create a group first ('ledger "
            "group create') or point --store at a ledger\n")


class TestTasksUnderRulesWithoutThem:
    def test_task_assign_says_first_that_the_rules_have_no_tasks(self, walked: Walk) -> None:
        store = walked.store
        ok(run(store, "group", "create", "e1", "--name", "加侨业委会1栋业主群", "--owner", "owner1",
               "--rulebook", "builtin:estate", "--at", T["create"], actor="owner1"))
        before = event_count(store)

        # wx_wang holds no role there and is no member of e1: the rules are said first.
        result = run(store, "task", "assign", "e1", "wx_wang", "--summary", "报名单",
                     "--at", LATER, actor="wx_wang")

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            "Error: e1's rules (estate v1) have no tasks: no response deadline and no "
            "category for a missed one; a rulebook with a [tasks] section (builtin:company) "
            "keeps them\n")
        assert event_count(store) == before
