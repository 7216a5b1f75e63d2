"""Errors through the CLI: a ledger error is exit 1 and one line `Error: …` on stderr, a
usage error is exit 2; either way nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import Result

import ledger.domain.aggregates
from cli.main import cli
from tests.cli.support import Walk, event_count, last_line, ok, run


@pytest.fixture
def walked(walked_on_each_store: Walk) -> Walk:
    """Every test here runs on SQLite and on PostgreSQL."""
    return walked_on_each_store


LATER = "2026-11-25T10:00+08:00"
ONLY_MODERATORS = "only the owner or an admin may"
# Issue #8: reviewers and secretaries raise flags too; secretaries remind (R4's 群秘书).
ONLY_FLAGGERS = "only the owner, an admin, a reviewer or a secretary may"


def refused(result: Result, message: str) -> None:
    """Exit 1, nothing on stdout, and exactly `Error: message` on stderr."""
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")


def usage_error(result: Result, command: str, message: str) -> None:
    """Exit 2, nothing on stdout, click's usage lines and `Error: message` on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert result.stderr == (f"Usage: ledger {command}\n"
                             f"Try 'ledger {command.split(' [')[0]} --help' for help.\n"
                             f"\nError: {message}\n")


# Each refused recording command: who tries, what, and what they are told. `{flag}` is the
# walk-through's flag id (confirmed already: the permission check comes first).
REFUSALS = [
    ("group grant", "admin1", ["group", "grant", "g9", "wx_wang", "--role", "admin"],
     "admin1 may not grant roles in g9: only the owner (owner1) may"),
    ("group revoke", "admin1", ["group", "revoke", "g9", "admin1", "--role", "admin"],
     "admin1 may not revoke roles in g9: only the owner (owner1) may"),
    ("member admit", "wx_wang", ["member", "admit", "g9", "wx_new", "--nickname", "新"],
     f"wx_wang may not admit members in g9: {ONLY_MODERATORS}"),
    ("member rename", "wx_wang", ["member", "rename", "g9", "wx_li", "李四"],
     f"wx_wang may not rename members in g9: {ONLY_MODERATORS}, or the member"),
    ("member remove", "wx_wang", ["member", "remove", "g9", "wx_li", "--reason", "吵"],
     f"wx_wang may not remove members in g9: {ONLY_MODERATORS}"),
    ("member readmit", "wx_wang", ["member", "readmit", "g9", "wx_li"],
     f"wx_wang may not readmit members in g9: {ONLY_MODERATORS}"),
    ("member leave", "wx_wang", ["member", "leave", "g9", "wx_li"],
     f"wx_wang may not record departures in g9: {ONLY_MODERATORS}, or the member who leaves"),
    ("flag raise", "wx_stranger", ["flag", "raise", "g9", "wx_li", "--category", "ads"],
     f"wx_stranger may not raise flags in g9: {ONLY_FLAGGERS}, or a current member"),
    ("flag confirm", "wx_wang", ["flag", "confirm", "{flag}"],
     f"wx_wang may not confirm flags in g9: {ONLY_MODERATORS}"),
    ("flag dismiss", "wx_wang", ["flag", "dismiss", "{flag}", "--reason", "不成立"],
     f"wx_wang may not dismiss flags in g9: {ONLY_MODERATORS}"),
    ("warn", "wx_wang", ["warn", "g9", "wx_li", "--category", "ads"],
     f"wx_wang may not warn members in g9: {ONLY_MODERATORS}"),
    ("member remind", "wx_wang", ["member", "remind", "g9", "wx_li"],
     "wx_wang may not remind members in g9: only the owner, an admin or a secretary may"),
    ("group review", "wx_wang", ["group", "review", "g9", "--keep", "wx_li", "--reason", "核查"],
     f"wx_wang may not review the membership in g9: {ONLY_MODERATORS}"),
    ("group amend", "admin1",
     ["group", "amend", "g9", "--rulebook", "builtin:estate", "--resolution", "决议"],
     "admin1 may not amend the rules in g9: only the owner (owner1) may"),
    ("task assign", "wx_wang",
     ["task", "assign", "g9", "wx_li", "--summary", "报名单", "--deadline-minutes", "30"],
     f"wx_wang may not assign tasks in g9: {ONLY_MODERATORS}, or a leader"),
]


class TestPermissionRefusals:
    @pytest.mark.parametrize("command, actor, args, message", REFUSALS,
                             ids=[r[0] for r in REFUSALS])
    def test_a_refused_command_says_who_may_and_writes_nothing(
            self, walked: Walk, command: str, actor: str, args: list[str], message: str) -> None:
        before = event_count(walked.store)
        args = [a.replace("{flag}", walked.flag_id[:8]) for a in args]

        result = run(walked.store, *args, "--at", LATER, actor=actor)

        refused(result, message)
        assert event_count(walked.store) == before

    def test_a_revoked_admin_is_refused(self, walked: Walk) -> None:
        ok(run(walked.store, "group", "revoke", "g9", "admin1", "--role", "admin",
               "--at", LATER, actor="owner1"))
        before = event_count(walked.store)

        result = run(walked.store, "member", "admit", "g9", "wx_new", "--nickname", "新",
                     actor="admin1")

        refused(result, f"admin1 may not admit members in g9: {ONLY_MODERATORS}")
        assert event_count(walked.store) == before

    def test_a_member_flagging_before_they_joined_is_refused_as_not_yet_a_member(
            self, walked: Walk) -> None:
        before = event_count(walked.store)

        # wx_wang was admitted at 10:00; wx_li at 11:00
        result = run(walked.store, "flag", "raise", "g9", "wx_li", "--category", "ads",
                     "--at", "2026-11-20T09:30+08:00", actor="wx_wang")

        refused(result, f"wx_wang may not raise flags in g9: {ONLY_FLAGGERS}, "
                        "or a current member")
        assert event_count(walked.store) == before


class TestRuleRefusals:
    """Refused because of the facts already recorded, or the values given."""

    def test_confirming_a_flag_twice(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "flag", "confirm", walked.flag_id[:8], "--at", LATER,
                     actor="admin1")

        refused(result, f"flag {walked.flag_id} was already confirmed: a flag is decided "
                        "once, it cannot be confirmed again")
        assert event_count(walked.store) == before

    def test_dismissing_a_confirmed_flag(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "flag", "dismiss", walked.flag_id, "--reason", "x",
                     "--at", LATER, actor="admin1")

        refused(result, f"flag {walked.flag_id} was already confirmed: a flag is decided "
                        "once, it cannot be dismissed again")
        assert event_count(walked.store) == before

    @pytest.mark.parametrize("args", [
        ["warn", "g9", "wx_li", "--category", "spam"],
        ["flag", "raise", "g9", "wx_li", "--category", "spam"],
    ], ids=["warn", "flag raise"])
    def test_an_unknown_category_lists_the_known_ones(self, walked: Walk,
                                                      args: list[str]) -> None:
        before = event_count(walked.store)

        result = run(walked.store, *args, "--at", LATER, actor="admin1")

        refused(result, "unknown category 'spam' in the default rulebook: use one of ads 广告, "
                        "rumor 谣言, risky_link 风险链接, flooding 刷屏, porn 色情, gambling 赌博, "
                        "drugs 毒品, virus_link 病毒链接, politics 政治, religion 宗教, "
                        "personal_attack 人身攻击, confidential_leak 泄密, privacy 隐私, "
                        "off_topic 闲聊, off_hours 非发言时段, late_response 未按时回复, "
                        "defiance 不服从管理, nickname 昵称不规范")
        assert event_count(walked.store) == before

    def test_a_time_in_the_future(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads",
                     "--at", "2199-01-01T00:00+08:00", actor="admin1")

        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.startswith("Error: --at 2199-01-01T00:00:00+08:00 is in "
                                        "the future (now ")
        assert result.stderr.endswith("): give a time that has already happened\n")
        assert result.stderr.count("\n") == 1
        assert event_count(walked.store) == before

    @pytest.mark.parametrize("args", [
        ["member", "admit", "g8", "wx_a", "--nickname", "阿"],
        ["warn", "g8", "wx_li", "--category", "ads"],
        ["group", "grant", "g8", "wx_a", "--role", "admin"],
    ], ids=["member admit", "warn", "group grant"])
    def test_an_unknown_group(self, walked: Walk, args: list[str]) -> None:
        before = event_count(walked.store)

        result = run(walked.store, *args, actor="admin1")

        refused(result, "group g8 is not in this ledger: create it with 'ledger group create' "
                        "or check --store")
        assert event_count(walked.store) == before

    def test_an_unknown_group_in_a_query(self, walked: Walk) -> None:
        result = run(walked.store, "history", "g8", "wx_li")

        refused(result, "group g8 is not in this ledger: create it with 'ledger group create' "
                        "or check --store")

    def test_a_member_never_admitted(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "warn", "g9", "wx_nobody", "--category", "ads",
                     actor="admin1")

        refused(result, "wx_nobody was never admitted to g9: admit them first")
        assert event_count(walked.store) == before

    def test_admitting_a_member_twice(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "member", "admit", "g9", "wx_wang", "--nickname", "王",
                     "--at", LATER, actor="admin1")

        refused(result, "wx_wang is already in g9 at 2026-11-25T10:00:00+08:00: nothing to admit")
        assert event_count(walked.store) == before

    def test_warning_a_member_while_temporarily_removed(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads",
                     "--at", "2026-11-23T23:30+08:00", actor="admin1")

        refused(result, "wx_li is not in g9 at 2026-11-23T23:30:00+08:00: they were temporarily "
                        "removed: readmit them first")
        assert event_count(walked.store) == before

    def test_a_late_fact_that_contradicts_a_later_one(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "member", "leave", "g9", "wx_li",
                     "--at", "2026-11-21T12:00+08:00", actor="admin1")

        refused(result, "a fact dated 2026-11-21T12:00:00+08:00 contradicts the MessageFlagged "
                        "already recorded at 2026-11-21T20:15:00+08:00 (wx_li is not in g9 at "
                        "2026-11-21T20:15:00+08:00): give a later --at, or check the date")
        assert event_count(walked.store) == before

    def test_a_fact_before_the_group_was_registered(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "member", "admit", "g9", "wx_old", "--nickname", "老",
                     "--at", "2026-11-19T08:00+08:00", actor="admin1")

        refused(result, "g9 was registered at 2026-11-20T09:00:00+08:00: no fact of it can "
                        "happen at 2026-11-19T08:00:00+08:00")
        assert event_count(walked.store) == before

    def test_registering_a_group_twice_keeps_the_file_and_its_events(
            self, sqlite_walked: Walk) -> None:
        before = event_count(sqlite_walked.store)

        result = run(sqlite_walked.store, "group", "create", "g9", "--name", "又一个",
                     "--owner", "o", actor="o")

        refused(result, "group g9 is already registered: choose another id")
        assert Path(sqlite_walked.store).exists()
        assert event_count(sqlite_walked.store) == before


class TestFlagPrefixes:
    @pytest.fixture
    def two_flags(self, walked: Walk, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """Two open flags whose ids share their first four digits."""
        ids = iter(["abcd1111" + "0" * 24, "abcd2222" + "0" * 24])
        monkeypatch.setattr(ledger.domain.aggregates, "new_case_id", lambda: next(ids))
        raised = [last_line(ok(run(walked.store, "flag", "raise", "g9", member, "--category",
                                   "ads", "--at", LATER, actor="admin1")).stdout)
                  for member in ("wx_li", "wx_wang")]
        monkeypatch.undo()
        return raised

    def test_an_ambiguous_prefix_names_the_candidates(self, walked: Walk,
                                                      two_flags: list[str]) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "flag", "confirm", "abcd", actor="admin1")

        refused(result, f"flag id abcd is ambiguous ({two_flags[0]}, {two_flags[1]}): "
                        "give more digits")
        assert event_count(walked.store) == before

    def test_one_more_digit_resolves_it(self, walked: Walk, two_flags: list[str]) -> None:
        result = run(walked.store, "flag", "confirm", "abcd2", "--at", LATER, actor="admin1")

        assert ok(result).stdout.split("\n")[0] == (
            "Confirmed flag abcd2222 at 2026-11-25T10:00:00+08:00: wx_wang in g9 is warned "
            "(1 of 3 strikes, warned).")

    def test_an_unknown_prefix(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "flag", "confirm", "0000", actor="admin1")

        refused(result, "no flag has an id starting with 0000: check the id")
        assert event_count(walked.store) == before

    def test_a_warning_id_is_not_a_flag_id(self, walked: Walk) -> None:
        result = run(walked.store, "flag", "confirm", walked.warning_id[:8], actor="admin1")

        refused(result, f"no flag has an id starting with {walked.warning_id[:8]}: check the id")

    @pytest.mark.parametrize("prefix", ["abc", "zzzz", "  "])
    def test_too_short_or_not_hex(self, walked: Walk, prefix: str) -> None:
        result = run(walked.store, "flag", "confirm", prefix, actor="admin1")

        refused(result, f"flag id {prefix!r} is not an id: give at least 4 hex digits of the "
                        "id a command printed")


class TestStores:
    @pytest.mark.parametrize("args", [
        ["project", "standings"],
        ["history", "g9", "wx_li"],
        ["flag", "list"],
    ], ids=["project standings", "history", "flag list"])
    def test_a_query_on_a_missing_file_creates_nothing(self, new_store: str,
                                                       args: list[str]) -> None:
        result = run(new_store, *args)

        refused(result, f"no ledger at {new_store}: create a group first ('ledger group "
                        "create') or point --store at a ledger")
        assert list(Path(new_store).parent.iterdir()) == []

    def test_a_recording_command_on_a_missing_file_creates_nothing(self,
                                                                   new_store: str) -> None:
        result = run(new_store, "member", "admit", "g9", "wx_a", "--nickname", "阿",
                     actor="admin1")

        refused(result, f"no ledger at {new_store}: create a group first ('ledger group "
                        "create') or point --store at a ledger")
        assert list(Path(new_store).parent.iterdir()) == []

    def test_an_unsupported_scheme(self, tmp_path: Path) -> None:
        result = run("mysql://root@localhost/ledger", "project", "standings")

        refused(result, "store URL scheme 'mysql' is not supported: use a file path, "
                        "sqlite:///PATH or postgresql://USER@HOST/DBNAME")

    def test_a_directory_that_does_not_exist(self, tmp_path: Path) -> None:
        store = str(tmp_path / "nowhere" / "g.db")

        result = run(store, "group", "create", "g9", "--name", "群", "--owner", "o", actor="o")

        refused(result, f"directory {str(tmp_path / 'nowhere')!r} of store {store!r} does not "
                        "exist: create it first or choose another --store")
        assert not (tmp_path / "nowhere").exists()

    def test_a_directory_as_the_store(self, tmp_path: Path) -> None:
        result = run(str(tmp_path), "project", "standings")

        refused(result, f"store {str(tmp_path)!r} is a directory: give a file path such as "
                        f"{tmp_path / 'ledger.db'}")

    def test_a_sqlite_url_reaches_the_same_file(self, sqlite_walked: Walk) -> None:
        as_path = ok(run(sqlite_walked.store, "project", "standings", "--format", "csv")).stdout

        result = run(f"sqlite:///{sqlite_walked.store}", "project", "standings", "--format",
                     "csv")

        assert ok(result).stdout == as_path
        assert "g9,wx_li,g9#1001@李x明,warned,2,2026-11-24T18:00:00+08:00" in as_path

    def test_a_file_that_is_not_a_ledger(self, tmp_path: Path) -> None:
        store = tmp_path / "notes.db"
        store.write_text("not a database\n")

        result = run(str(store), "project", "standings")

        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
        assert store.read_text() == "not a database\n"


class TestAFailedGroupCreateLeavesNoFile:
    @pytest.mark.parametrize("args, message", [
        (["g9", "--name", "  ", "--owner", "o"], "group name is empty: say it in words"),
        (["g 9", "--name", "群", "--owner", "o"],
         "group id 'g 9' contains spaces or control characters: ids are single words such "
         "as wx_li or g9"),
        (["g9", "--name", "群", "--owner", " "], "owner is empty: give a non-empty owner"),
        (["g9", "--name", "群", "--owner", "o", "--rulebook", "builtin:nope"],
         "no built-in rulebook 'nope': use one of builtin:default, builtin:company, "
         "builtin:estate, builtin:corporate, builtin:referees"),
    ], ids=["blank name", "id with a space", "blank owner", "unknown rulebook"])
    def test_invalid_input(self, new_store: str, args: list[str], message: str) -> None:
        result = run(new_store, "group", "create", *args, actor="o")

        refused(result, message)
        assert list(Path(new_store).parent.iterdir()) == []

    def test_a_time_in_the_future(self, new_store: str) -> None:
        result = run(new_store, "group", "create", "g9", "--name", "群", "--owner", "o",
                     "--at", "2199-01-01T00:00+08:00", actor="o")

        assert result.exit_code == 1
        assert result.stderr.startswith("Error: --at 2199-01-01T00:00:00+08:00 is in "
                                        "the future")
        assert list(Path(new_store).parent.iterdir()) == []

    def test_without_an_actor(self, new_store: str) -> None:
        result = run(new_store, "group", "create", "g9", "--name", "群", "--owner", "o")

        usage_error(result, "group create [OPTIONS] GROUP",
                    "--actor (or LEDGER_ACTOR) is required to register a group: "
                    "say who records this")
        assert list(Path(new_store).parent.iterdir()) == []


# Every recording command, and what it says it needs an actor for.
RECORDING = [
    (["group", "create", "g9", "--name", "群", "--owner", "o"],
     "group create [OPTIONS] GROUP", "register a group"),
    (["group", "grant", "g9", "wx_li", "--role", "admin"],
     "group grant [OPTIONS] GROUP MEMBER", "grant a role"),
    (["group", "revoke", "g9", "admin1", "--role", "admin"],
     "group revoke [OPTIONS] GROUP MEMBER", "revoke a role"),
    (["member", "admit", "g9", "wx_a", "--nickname", "阿"],
     "member admit [OPTIONS] GROUP MEMBER", "admit a member"),
    (["member", "rename", "g9", "wx_li", "李四"],
     "member rename [OPTIONS] GROUP MEMBER NICKNAME", "rename a member"),
    (["member", "remove", "g9", "wx_li", "--reason", "吵"],
     "member remove [OPTIONS] GROUP MEMBER", "remove a member"),
    (["member", "readmit", "g9", "wx_li"],
     "member readmit [OPTIONS] GROUP MEMBER", "readmit a member"),
    (["member", "leave", "g9", "wx_li"],
     "member leave [OPTIONS] GROUP MEMBER", "record a departure"),
    (["flag", "raise", "g9", "wx_li", "--category", "ads"],
     "flag raise [OPTIONS] GROUP MEMBER", "raise a flag"),
    (["flag", "confirm", "{flag}"], "flag confirm [OPTIONS] FLAG", "confirm a flag"),
    (["flag", "dismiss", "{flag}", "--reason", "x"],
     "flag dismiss [OPTIONS] FLAG", "dismiss a flag"),
    (["warn", "g9", "wx_li", "--category", "ads"],
     "warn [OPTIONS] GROUP MEMBER", "warn a member"),
]


def recording_commands(command: click.Command = cli,
                       path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command that takes --at, i.e. records a fact."""
    found = []
    if any(param.name == "at" for param in command.params):
        found.append((path, command))
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += recording_commands(command.commands[name], (*path, name))
    return found


def filler(command: click.Command) -> list[str]:
    """Plausible values for a command's required arguments and options."""
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        value = (param.type.choices[0] if isinstance(param.type, click.Choice)
                 else "1" if isinstance(param.type, click.types.IntParamType) else "x")
        args += [value] if isinstance(param, click.Argument) else [param.opts[0], value]
    return args


class TestUsageErrors:
    def test_every_recording_command_is_found(self) -> None:
        found = {" ".join(path) for path, _ in recording_commands()}

        assert {usage.split(" [")[0] for _, usage, _ in RECORDING} <= found

    @pytest.mark.parametrize("path, command", recording_commands(),
                             ids=[" ".join(path) for path, _ in recording_commands()])
    def test_no_recording_command_runs_without_an_actor(self, walked: Walk,
                                                        path: tuple[str, ...],
                                                        command: click.Command) -> None:
        before = event_count(walked.store)

        result = run(walked.store, *path, *filler(command))

        assert result.exit_code == 2, (result.stdout, result.stderr)
        assert result.stdout == ""
        assert "\nError: --actor (or LEDGER_ACTOR) is required to " in result.stderr
        assert event_count(walked.store) == before

    @pytest.mark.parametrize("args, usage, doing", RECORDING, ids=[u.split(" [")[0]
                                                                   for _, u, _ in RECORDING])
    def test_a_recording_command_without_an_actor(self, walked: Walk, args: list[str],
                                                  usage: str, doing: str) -> None:
        before = event_count(walked.store)
        args = [a.replace("{flag}", walked.flag_id[:8]) for a in args]

        result = run(walked.store, *args)

        usage_error(result, usage, f"--actor (or LEDGER_ACTOR) is required to {doing}: "
                                   "say who records this")
        assert event_count(walked.store) == before

    def test_a_blank_actor_is_no_actor(self, walked: Walk) -> None:
        result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads", actor="   ")

        usage_error(result, "warn [OPTIONS] GROUP MEMBER",
                    "--actor (or LEDGER_ACTOR) is required to warn a member: "
                    "say who records this")

    @pytest.mark.parametrize("at", ["yesterday", "2026-13-01", "25/11/2026 10:00"])
    def test_a_malformed_time(self, walked: Walk, at: str) -> None:
        before = event_count(walked.store)

        result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads", "--at", at,
                     actor="admin1")

        usage_error(result, "warn [OPTIONS] GROUP MEMBER",
                    f"Invalid value for '--at': {at!r} is not a time: write it as ISO 8601, "
                    "e.g. 2026-11-25T09:30 or 2026-11-25T09:30+08:00")
        assert event_count(walked.store) == before

    @pytest.mark.parametrize("args, usage, message", [
        (["warn", "g9", "wx_li"], "warn [OPTIONS] GROUP MEMBER",
         "Missing option '--category'."),
        (["member", "admit", "g9", "wx_a"], "member admit [OPTIONS] GROUP MEMBER",
         "Missing option '--nickname'."),
        (["member", "remove", "g9", "wx_li"], "member remove [OPTIONS] GROUP MEMBER",
         "Missing option '--reason'."),
        (["group", "grant", "g9", "wx_li"], "group grant [OPTIONS] GROUP MEMBER",
         "Missing option '--role'. Choose from:\n\towner,\n\tadmin,\n\tsecretary,\n\treviewer,\n\tleader"),
        (["group", "create", "g9", "--owner", "o"], "group create [OPTIONS] GROUP",
         "Missing option '--name'."),
    ], ids=["warn", "member admit", "member remove", "group grant", "group create"])
    def test_a_missing_required_option(self, walked: Walk, args: list[str], usage: str,
                                       message: str) -> None:
        before = event_count(walked.store)

        result = run(walked.store, *args, actor="admin1")

        usage_error(result, usage, message)
        assert event_count(walked.store) == before

    def test_a_missing_argument(self, walked: Walk) -> None:
        result = run(walked.store, "history", "g9")

        usage_error(result, "history [OPTIONS] GROUP MEMBER", "Missing argument 'MEMBER'.")

    def test_an_unknown_role(self, walked: Walk) -> None:
        result = run(walked.store, "group", "grant", "g9", "wx_li", "--role", "king",
                     actor="owner1")

        usage_error(result, "group grant [OPTIONS] GROUP MEMBER",
                    "Invalid value for '--role': 'king' is not one of "
                    "owner 群主, admin 管理员, secretary 秘书, reviewer 审核员, leader 领导")
