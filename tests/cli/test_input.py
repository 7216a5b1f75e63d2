"""How people type (issue #12): times read in the group's zone, Chinese names for the
words a command takes, the global options after the command as well as before it, and
the one rule for exit codes. Every output below is exact.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import orjson
import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.cli.support import walk
from tests.cli.test_rulebook_scenarios import Cli, at, error

HEX_ID = re.compile(r"[0-9a-f]{32}")


def invoke(store: str, *args: str, env: dict[str, str | None] | None = None) -> Result:
    runner = CliRunner(env={"LEDGER_STORE": None, "LEDGER_ACTOR": None, "LEDGER_TZ": None,
                            **(env or {})})
    return runner.invoke(cli, ["--store", store, *args], prog_name="ledger")


def ok(result: Result) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), (
        result.exit_code, result.stdout, result.stderr, result.exception)
    return result.stdout


def without_ids(text: str) -> str:
    return HEX_ID.sub("<id>", text)


# R4, whose rulebook posts only 00:00–07:30 (and Thursdays 21:00–22:30), Beijing time.

@pytest.fixture
def mf(tmp_path: Path) -> Cli:
    g = Cli(str(tmp_path / "mf.db"))
    g.ok("yijie", "group", "create", "mf", "--name", "国家级裁判员美发群", "--owner", "yijie",
         "--rulebook", "builtin:referees", "--at", at(16, "08:00"))
    g.ok("yijie", "member", "admit", "mf", "wx_tang", "--nickname", "重庆-唐艳",
         "--at", at(16, "08:05"))
    return g


class TestTimesInTheGroupsZone:
    def test_an_r4_post_at_six_in_beijing_is_inside_the_window_on_a_utc_machine(
            self, mf: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        """R4 二.5 「发信息的时间是每天午夜的0:00开始到7:30」: 06:00 typed without an
        offset is Beijing time, wherever the ledger runs."""
        monkeypatch.setenv("TZ", "UTC")

        refused = mf.refused("yijie", "warn", "mf", "wx_tang", "--category", "off_hours",
                             "--at", "2026-11-20T06:00")

        assert refused == error("a message at Fri 06:00 (Asia/Shanghai) is inside the allowed "
                                "window daily 00:00–07:30: it is not off_hours (give --at the "
                                "time the message was posted)")

    def test_a_post_at_eight_is_off_hours_and_the_reply_echoes_the_stored_time(
            self, mf: Cli) -> None:
        out = mf.ok("yijie", "flag", "raise", "mf", "wx_tang", "--category", "off_hours",
                    "--message-at", "2026-11-20T08:10", "--at", "2026-11-20T08:30")

        assert without_ids(out) == ("Flagged a message of wx_tang in mf as off_hours (非发言时段) "
                                    "at 2026-11-20T08:30:00+08:00.\n<id>\n")
        flagged = mf.history("mf", "wx_tang")[-1]
        assert (flagged["occurred_at"], flagged["message_at"]) == (
            "2026-11-20T08:30:00+08:00", "2026-11-20T08:10:00+08:00")

    def test_a_query_about_one_group_reads_as_of_in_its_zone(self, mf: Cli) -> None:
        mf.ok("yijie", "warn", "mf", "wx_tang", "--category", "ads", "--at", at(20, "09:00"))

        before = mf.json("project", "standings", "--group", "mf", "--as-of", "2026-11-20T08:59")
        after = mf.json("project", "standings", "--group", "mf", "--as-of", "2026-11-20T09:00")

        assert (before[0]["status"], after[0]["status"]) == ("active", "warned")

    def test_a_query_across_groups_reads_as_of_in_ledger_tz_else_utc(self, mf: Cli) -> None:
        mf.ok("yijie", "warn", "mf", "wx_tang", "--category", "ads", "--at", at(20, "09:00"))
        query = ["project", "standings", "--format", "json", "--as-of", "2026-11-20T05:00"]

        in_utc = orjson.loads(ok(invoke(mf.store, *query)))  # 13:00 in Beijing
        in_beijing = orjson.loads(ok(invoke(mf.store, *query,
                                            env={"LEDGER_TZ": "Asia/Shanghai"})))

        assert (in_utc[0]["status"], in_beijing[0]["status"]) == ("warned", "active")

    def test_an_unknown_ledger_tz_is_a_usage_error(self, mf: Cli) -> None:
        result = invoke(mf.store, "project", "strikes", "--as-of", "2026-11-20T05:00",
                        env={"LEDGER_TZ": "Mars/Olympus"})

        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.endswith("Error: LEDGER_TZ 'Mars/Olympus' is not a time zone: give "
                                      "an IANA name such as Asia/Shanghai or Europe/Berlin\n")


# A rulebook that names no zone: its groups read offset-less times in LEDGER_TZ.
ZONELESS = """\
name = "zoneless"
title = "Ein Verein"

[categories.ads]
zh = "广告"
en = "advertising"

[categories.cafe]
zh = "咖啡馆 caf\u00e9"
en = "café talk"
"""


@pytest.fixture
def berlin(tmp_path: Path) -> tuple[str, dict[str, str | None]]:
    book = tmp_path / "zoneless.toml"
    book.write_text(ZONELESS, encoding="utf-8")
    store, env = str(tmp_path / "b.db"), {"LEDGER_TZ": "Europe/Berlin"}
    ok(invoke(store, "--actor", "o", "group", "create", "b1", "--name", "Verein", "--owner", "o",
              "--rulebook", str(book), "--at", "2026-01-10T09:00+01:00", env=env))
    ok(invoke(store, "--actor", "o", "member", "admit", "b1", "m1", "--nickname", "M",
              "--at", "2026-01-10T10:00+01:00", env=env))
    return store, env


class TestDaylightSavingTime:
    def test_a_wall_clock_time_the_zone_skips_is_refused(self, berlin) -> None:
        store, env = berlin

        result = invoke(store, "--actor", "o", "warn", "b1", "m1", "--category", "ads",
                        "--at", "2026-03-29T02:30", env=env)

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == ("Error: --at 2026-03-29T02:30 does not exist in Europe/Berlin: "
                                 "the clocks skip that hour there; give the time with its "
                                 "offset, e.g. 2026-03-29T03:30:00+02:00\n")

    def test_a_wall_clock_time_shown_twice_is_the_first_the_summer_offset(self, berlin) -> None:
        store, env = berlin

        out = ok(invoke(store, "--actor", "o", "warn", "b1", "m1", "--category", "ads",
                        "--at", "2026-10-25T02:30", env=env))

        assert without_ids(out) == ("Warned m1 in b1 for ads at 2026-10-25T02:30:00+02:00: "
                                    "1 of 3 strikes, warned.\n<id>\n")

    def test_without_ledger_tz_a_zoneless_rulebook_reads_utc(self, berlin) -> None:
        store, _ = berlin

        out = ok(invoke(store, "--actor", "o", "warn", "b1", "m1", "--category", "ads",
                        "--at", "2026-10-25T02:30"))

        assert out.startswith("Warned m1 in b1 for ads at 2026-10-25T02:30:00+00:00: ")


# Chinese names for the words a command takes ------------------------------------------------


@pytest.fixture
def g9(tmp_path: Path) -> Cli:
    g = Cli(str(tmp_path / "g9.db"))
    g.ok("owner1", "group", "create", "g9", "--name", "加侨业委会9栋业主群", "--owner", "owner1",
         "--rulebook", "builtin:estate", "--at", at(20, "09:00"))
    return g


class TestChineseNames:
    def test_a_role_by_its_chinese_name_is_granted_as_its_key(self, g9: Cli) -> None:
        out = g9.ok("owner1", "group", "grant", "g9", "admin1", "--role", "管理员",
                    "--at", at(20, "09:05"))

        assert out == "Granted admin in g9 to admin1 at 2026-11-20T09:05:00+08:00.\n"

    def test_an_unknown_role_lists_every_key_with_its_chinese_name(self, g9: Cli) -> None:
        result = g9("owner1", "group", "grant", "g9", "admin1", "--role", "boss")

        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.endswith(
            "Error: Invalid value for '--role': 'boss' is not one of owner 群主, admin 管理员, "
            "secretary 秘书, reviewer 审核员, leader 领导\n")

    def test_a_relation_and_a_category_by_their_chinese_names_are_stored_as_keys(
            self, g9: Cli) -> None:
        """R2 第二条(二) 「业主」; 第三条(三) 「不得以任何形式随意刷屏」."""
        g9.ok("owner1", "group", "grant", "g9", "admin1", "--role", "管理员",
              "--at", at(20, "09:05"))
        g9.ok("admin1", "member", "admit", "g9", "wx_li", "--nickname", "g9#1001@李x明",
              "--relation", "业主", "--invited-by", "admin1", "--verified-by", "admin1",
              "--at", at(20, "10:00"))

        out = g9.ok("admin1", "warn", "g9", "wx_li", "--category", "刷屏",
                    "--at", at(21, "10:00"))

        assert without_ids(out) == ("Warned wx_li in g9 for flooding at "
                                    "2026-11-21T10:00:00+08:00: 1 of 3 strikes, warned.\n<id>\n")
        admitted, warned = g9.history("g9", "wx_li")
        assert (admitted["relation"], warned["category"]) == ("owner", "flooding")

    def test_a_tenant_by_its_chinese_name_is_refused_naming_both(self, g9: Cli) -> None:
        """R2 第二条(二) 「房屋租赁人员除外」."""
        g9.ok("owner1", "group", "grant", "g9", "admin1", "--role", "admin",
              "--at", at(20, "09:05"))

        refused = g9.refused("admin1", "member", "admit", "g9", "wx_liu", "--nickname", "1102",
                             "--relation", "租户", "--invited-by", "admin1", "--verified-by",
                             "admin1", "--at", at(20, "10:00"))

        assert refused == error("g9's rules (estate v1) exclude tenant members: only owner 业主 "
                                "or family 家属 members are admitted")

    def test_an_unknown_category_lists_every_key_with_its_label(self, g9: Cli) -> None:
        g9.ok("owner1", "member", "admit", "g9", "wx_li", "--nickname", "1102", "--relation",
              "owner", "--invited-by", "owner1", "--verified-by", "owner1",
              "--at", at(20, "10:00"))

        refused = g9.refused("owner1", "warn", "g9", "wx_li", "--category", "广告")

        assert refused == error(
            "unknown category '广告' in the estate rulebook: use one of nickname 昵称不规范, "
            "illegal 违反法律规定, politics 政治, religion 宗教, porn 色情（黄）, gambling 赌博（赌）, "
            "drugs 毒品（毒）, health_pitch 养生健身, rumor 谣言, off_topic 与建群宗旨不相关的话题, "
            "risky_link 风险链接, flooding 刷屏, personal_attack 人身攻击、人格侮辱, "
            "privacy 大规模加群内业主微信")

    def test_a_label_typed_in_another_normal_form_is_the_same_category(self, berlin) -> None:
        store, env = berlin
        decomposed = "咖啡馆 cafe\u0301"  # é as e and a combining acute accent

        out = ok(invoke(store, "--actor", "o", "warn", "b1", "m1", "--category", decomposed,
                        "--at", "2026-01-11T10:00+01:00", env=env))

        assert out.startswith("Warned m1 in b1 for cafe at 2026-01-11T10:00:00+01:00: ")

    def test_an_appeal_outcome_by_its_chinese_name(self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "rev1", "--role", "审核员", "--at", at(20, "09:05"))
        g9.ok("owner1", "member", "admit", "g9", "wx_li", "--nickname", "1102", "--relation",
              "家属", "--invited-by", "owner1", "--verified-by", "owner1",
              "--at", at(20, "10:00"))
        sanction = g9.last_id("owner1", "warn", "g9", "wx_li", "--category", "谣言",
                              "--at", at(21, "10:00"))
        appeal = g9.last_id("wx_li", "appeal", "file", sanction, "--grounds", "不是谣言",
                            "--at", at(21, "11:00"))

        out = g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "撤销", "--rationale",
                    "属实", "--at", at(21, "12:00"))

        assert out == (f"Decided appeal {appeal[:8]} against {sanction[:8]} at "
                       "2026-11-21T12:00:00+08:00: overturned. wx_li in g9: 0 of 3 strikes, "
                       "active.\n")


# The global options after the command ---------------------------------------------------------


class TestGlobalOptionsAfterTheCommand:
    def test_actor_and_store_after_the_command(self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "admin1", "--role", "admin",
              "--at", at(20, "09:05"))
        g9.ok("admin1", "member", "admit", "g9", "wx_li", "--nickname", "1102", "--relation",
              "owner", "--invited-by", "admin1", "--verified-by", "admin1",
              "--at", at(20, "10:00"))

        result = CliRunner(env={"LEDGER_STORE": None, "LEDGER_ACTOR": None}).invoke(
            cli, ["warn", "g9", "wx_li", "--category", "刷屏", "--at", at(21, "10:00"),
                  "--actor", "admin1", "--store", g9.store], prog_name="ledger")

        assert without_ids(ok(result)) == ("Warned wx_li in g9 for flooding at "
                                           "2026-11-21T10:00:00+08:00: 1 of 3 strikes, "
                                           "warned.\n<id>\n")

    def test_the_value_after_the_command_wins_over_the_one_before_and_the_environment(
            self, g9: Cli) -> None:
        env = {"LEDGER_STORE": "elsewhere.db", "LEDGER_ACTOR": "nobody"}
        result = CliRunner(env=env).invoke(
            cli, ["--actor", "wx_nobody", "group", "grant", "g9", "admin1", "--role", "admin",
                  "--at", at(20, "09:05"), "--actor", "owner1", "--store", g9.store],
            prog_name="ledger")

        # Only the owner may grant, and only g9.store holds g9: both values after it won.
        assert ok(result) == "Granted admin in g9 to admin1 at 2026-11-20T09:05:00+08:00.\n"

    def test_format_before_the_command_reaches_a_query(self, g9: Cli) -> None:
        before = ok(invoke(g9.store, "--format", "json", "group", "list"))
        after = ok(invoke(g9.store, "--format", "csv", "group", "list", "--format", "json"))

        assert before == after and orjson.loads(before)[0]["group"] == "g9"

    def test_a_command_that_prints_no_rows_refuses_a_machine_format(self, g9: Cli) -> None:
        before = g9.event_count()

        result = invoke(g9.store, "--actor", "owner1", "group", "grant", "g9", "admin1",
                        "--role", "admin", "--format", "json")

        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.endswith("Error: grant prints no rows, its output has one form: "
                                      "--format json is for the commands that list rows\n")
        assert g9.event_count() == before

    def test_every_command_lists_the_global_options_in_its_help(self) -> None:
        missing = []
        for path, command in walk(cli):
            if not path:
                continue
            shown = CliRunner().invoke(cli, [*path, "--help"], prog_name="ledger").stdout
            missing += [f"{' '.join(path)} {flag}" for flag in ("--store", "--actor", "--format")
                        if not re.search(rf"^\s+{flag}\b", shown, re.MULTILINE)]

        assert missing == []
        assert isinstance(cli, click.Group) and len(list(walk(cli))) > 40


# One rule for exit codes ---------------------------------------------------------------------

FUTURE = "2099-01-01T00:00+08:00"
EXIT_CODES = [
    # could not be parsed: 2
    (2, ["--actor", "owner1", "warn", "g9", "wx_li", "--category", "ads", "--nonesuch"]),
    (2, ["--actor", "owner1", "warn", "g9", "wx_li", "--category", "ads", "--at", "2026-11-31"]),
    (2, ["project", "standings", "--as-of", "yesterday"]),
    (2, ["--actor", "owner1", "flag", "raise", "g9", "wx_li", "--category", "ads",
         "--message-at", "noon"]),
    (2, ["--actor", "owner1", "task", "assign", "g9", "wx_li", "--summary", "x",
         "--deadline-minutes", "thirty"]),
    (2, ["--actor", "owner1", "group", "grant", "g9", "x1", "--role", "boss"]),
    (2, ["project", "standings", "--format", "xml"]),
    (2, ["warn", "g9", "wx_li", "--category", "ads"]),  # no --actor
    # well-formed, refused: 1
    (1, ["--actor", "owner1", "warn", "g9", "wx_li", "--category", "ads", "--at", FUTURE]),
    (1, ["project", "standings", "--as-of", FUTURE]),
    (1, ["project", "strikes", "--known-at", FUTURE]),
    (1, ["history", "g9", "wx_li", "--as-of", "2099-01-01T00:00"]),
    (1, ["--actor", "owner1", "flag", "raise", "g9", "wx_li", "--category", "ads",
         "--message-at", FUTURE]),
    (1, ["--actor", "owner1", "warn", "g9", "wx_li", "--category", "ads",
         "--at", "1900-01-01T00:00+08:00"]),
    (1, ["project", "standings", "--as-of", "1900-01-01T00:00"]),
    (1, ["--actor", "owner1", "task", "assign", "g9", "wx_li", "--summary", "x",
         "--deadline-minutes", "527041"]),
    (1, ["--actor", "owner1", "warn", "g9", "wx_li", "--category", "广告"]),
    (1, ["--actor", "wx_li", "warn", "g9", "owner1", "--category", "ads"]),
]


@pytest.mark.parametrize("expected, args", EXIT_CODES, ids=[" ".join(a) for _, a in EXIT_CODES])
def test_two_for_what_could_not_be_parsed_one_for_what_the_ledger_refuses(
        g9: Cli, expected: int, args: list[str]) -> None:
    g9.ok("owner1", "member", "admit", "g9", "wx_li", "--nickname", "1102", "--relation",
          "owner", "--invited-by", "owner1", "--verified-by", "owner1", "--at", at(20, "10:00"))
    before = g9.event_count()

    result = invoke(g9.store, *args)

    assert (result.exit_code, result.stdout) == (expected, ""), result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    if expected == 1:
        assert result.stderr.count("\n") == 1, result.stderr  # one line, no usage
    assert g9.event_count() == before
