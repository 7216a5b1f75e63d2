"""The Chinese interface: chosen per run by --lang (before or after the subcommand), then
LEDGER_LANG, then the POSIX locale; every message, error, help text and table header in
Simplified Chinese; click's own texts too; machine formats byte for byte the same.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cli.language import CLICK_MODULES, choose_language, pull_language
from cli.main import cli
from ledger.domain import i18n
from tests.cli.support import Walk, event_count

CLEAN = {"LEDGER_STORE": None, "LEDGER_ACTOR": None, "LEDGER_LANG": None, "LANGUAGE": None,
         "LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


def ledger(*args: str, **env: str | None) -> Result:
    return CliRunner(env={**CLEAN, **env}).invoke(cli, list(args), prog_name="ledger")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


DEMO_ZH = (
    "群  成员      群昵称         状态         警告  起始时间                   "
    "昵称合规  提醒  待审核\n"
    "--  --------  -------------  -----------  ----  -------------------------  "
    "--------  ----  ------\n"
    "g9  wx_li     g9#1001@李x明  active       0     2026-10-08T11:00:00+08:00  是        0     否\n"
    "g9  wx_sun    g9#2204@孙x    left         0     2026-10-20T09:00:00+08:00  是        0     否\n"
    "g9  wx_wang   g9#1003@王x    active       0     2026-10-08T10:00:00+08:00  是        0     否\n"
    "g9  wx_zhang  g9#1502@张x    removal_due  3     2026-10-15T20:00:00+08:00  是        0     否\n"
    "g9  wx_zhao   老赵           active       0     2026-10-08T13:00:00+08:00  否        2     否\n"
    "g9  wx_zhou   g9#0801@周x    active       0     2026-10-19T18:00:00+08:00  是        0     否\n"
)


class TestTheDemoInChinese:
    def test_the_standings_have_chinese_titles_and_yes_no_cells(self, in_tmp: Path) -> None:
        result = ledger("--lang", "zh", "demo")

        assert result.exit_code == 0, result.stderr
        assert result.stdout == DEMO_ZH
        assert result.stderr == ("已把演示台账写入 ledger-demo.db。成员状况：\n"
                                 "试试：ledger --store ledger-demo.db history g9 wx_zhang\n")

    def test_in_english_it_is_what_it_always_was(self, in_tmp: Path) -> None:
        result = ledger("demo")

        assert result.stdout.startswith("group  member    nickname       status       strikes")
        assert result.stderr.startswith("Wrote the demo ledger to ledger-demo.db. Its standings:")


class TestChoosingTheLanguage:
    def test_lang_before_the_subcommand(self, in_tmp: Path) -> None:
        assert ledger("--lang", "zh", "demo").stdout == DEMO_ZH

    def test_lang_after_the_subcommand(self, in_tmp: Path) -> None:
        assert ledger("demo", "--lang", "zh").stdout == DEMO_ZH

    def test_lang_with_an_equals_sign_after_the_options_of_the_subcommand(
            self, in_tmp: Path) -> None:
        assert ledger("demo", "--format", "table", "--lang=zh").stdout == DEMO_ZH

    def test_ledger_lang(self, in_tmp: Path) -> None:
        assert ledger("demo", LEDGER_LANG="zh").stdout == DEMO_ZH

    def test_the_posix_locale(self, in_tmp: Path) -> None:
        assert ledger("demo", LANG="zh_CN.UTF-8").stdout == DEMO_ZH

    def test_lc_all_outranks_lang(self, in_tmp: Path) -> None:
        result = ledger("demo", LANG="zh_CN.UTF-8", LC_ALL="en_US.UTF-8")

        assert result.stdout.startswith("group  member")

    def test_ledger_lang_outranks_the_locale_and_lang_outranks_both(self, in_tmp: Path) -> None:
        assert ledger("demo", LANG="zh_CN.UTF-8", LEDGER_LANG="en").stdout.startswith("group")
        assert ledger("demo", "--lang", "zh", LEDGER_LANG="en").stdout == DEMO_ZH

    def test_a_run_in_chinese_leaves_the_next_run_in_english(self, in_tmp: Path) -> None:
        ledger("--lang", "zh", "demo")

        after = ledger("demo")

        assert after.stdout.startswith("group  member")
        assert i18n.language() == "en"

    def test_an_unknown_language_is_a_usage_error_naming_the_choices(self, in_tmp: Path) -> None:
        result = ledger("--lang", "fr", "demo")

        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.endswith(
            "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'zh'.\n")
        assert list(in_tmp.iterdir()) == []

    def test_an_unknown_ledger_lang_is_a_usage_error_too(self, in_tmp: Path) -> None:
        result = ledger("demo", LEDGER_LANG="de")

        assert result.exit_code == 2
        assert "'de' is not one of 'en', 'zh'" in result.stderr
        assert list(in_tmp.iterdir()) == []

    def test_what_follows_a_double_dash_is_left_alone(self) -> None:
        assert pull_language(["warn", "--lang", "zh", "--", "--lang", "x"]) == (
            "zh", ["warn", "--", "--lang", "x"])

    def test_locale_names_are_read_as_gettext_reads_them(self) -> None:
        assert [i18n.language_of(tag) for tag in (
            "zh_CN.UTF-8", "zh_TW", "zh-Hans", "zh", "en_US.UTF-8", "C", "POSIX", "fr_FR",
            "fr:zh_CN", "")] == ["zh", "zh", "zh", "zh", "en", "en", "en", None, "zh", None]

    def test_the_first_locale_variable_that_is_set_decides(self) -> None:
        assert choose_language(["demo"], {"LANGUAGE": "zh_CN:en", "LANG": "en_US"})[0] == "zh"
        assert choose_language(["demo"], {"LC_ALL": "fr_FR.UTF-8", "LANG": "zh_CN"})[0] == "en"
        assert choose_language(["demo"], {})[0] == "en"


class TestErrorsInChinese:
    def test_a_text_s_limit_is_the_same_in_every_language(self, walked: Walk) -> None:
        """A nickname is at most 100 characters whatever language the admin reads: the
        label names the limit in English and is only shown translated."""
        before = event_count(walked.store)

        result = ledger("--store", walked.store, "--actor", "admin1", "--lang", "zh",
                        "member", "rename", "g9", "wx_li", "李" * 101)

        assert result.exit_code == 1
        assert result.stderr == "错误：群昵称长 101 个字符：最多保存 100 个；请缩短\n"
        assert event_count(walked.store) == before

    def test_a_ledger_error(self, walked: Walk) -> None:
        result = ledger("--store", walked.store, "--actor", "wx_wang", "--lang", "zh",
                        "warn", "g9", "wx_li", "--category", "flooding")

        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr == "错误：wx_wang 不能在 g9 警告成员：只有群主或管理员可以\n"

    def test_a_ledger_error_with_fields(self, walked: Walk) -> None:
        before = event_count(walked.store)

        result = ledger("--store", walked.store, "--actor", "admin1", "warn", "g9", "wx_li",
                        "--category", "nosuch", "--lang", "zh")

        assert result.exit_code == 1
        assert result.stderr == (
            "错误：群规 default 中没有类别 'nosuch'：请使用以下之一：ads 广告, rumor 谣言, "
            "risky_link 风险链接, flooding 刷屏, porn 色情, gambling 赌博, drugs 毒品, "
            "virus_link 病毒链接, politics 政治, religion 宗教, personal_attack 人身攻击, "
            "confidential_leak 泄密, privacy 隐私, off_topic 闲聊, off_hours 非发言时段, "
            "late_response 未按时回复, defiance 不服从管理, nickname 昵称不规范\n")
        assert event_count(walked.store) == before

    def test_a_usage_error_from_click(self) -> None:
        result = ledger("--lang", "zh", "member", "admit")

        assert result.exit_code == 2
        assert result.stderr == ("用法: ledger member admit [OPTIONS] GROUP MEMBER\n"
                                 "请运行 'ledger member admit --help' 查看帮助。\n"
                                 "\n"
                                 "错误：缺少参数 'GROUP'.\n")

    def test_a_missing_option(self) -> None:
        result = ledger("warn", "g9", "wx_li", "--lang", "zh")

        assert result.exit_code == 2
        assert result.stderr.endswith("错误：缺少选项 '--category'.\n")

    def test_a_missing_actor(self, walked: Walk) -> None:
        result = ledger("--store", walked.store, "--lang", "zh", "warn", "g9", "wx_li",
                        "--category", "flooding")

        assert result.exit_code == 2
        assert result.stderr.endswith(
            "错误：要警告成员，必须给出 --actor（或 LEDGER_ACTOR）：说明由谁记录\n")

    def test_an_unknown_command_and_option(self) -> None:
        assert ledger("--lang", "zh", "nosuch").stderr.endswith(
            "错误：没有名为 'nosuch' 的命令。\n")
        assert ledger("demo", "--nosuch", "--lang", "zh").stderr.endswith(
            "错误：没有名为 '--nosuch' 的选项。 您是不是要找 '--out'？\n")

    def test_an_invalid_value(self) -> None:
        result = ledger("--lang", "zh", "demo", "--format", "xml")

        assert result.exit_code == 2
        assert result.stderr.endswith(
            "错误：'--format' 的值无效：'xml' 不是 'table', 'json', 'jsonl', 'csv' 之一。\n")


WARN_HELP_ZH = """\
用法: ledger warn [OPTIONS] GROUP MEMBER

  警告成员：按群规记一次警告（群主或管理员）。

  最后一行打印警告编号。

  示例：
    ledger --actor admin1 warn g9 wx_li --category flooding --reason "刷屏 40 条"

选项:
  --category KEY                  群规中的类别，用键或中文名称给出（见 'ledger
                                  group rules GROUP'）  [必填]
  --reason TEXT                   按群里的说法，他们做了什么
  --message REF                   所处分的消息（一条消息只受一次处分）
  --at TIME                       发生时间（ISO 8601，例如
                                  2026-11-25T09:30+08:00；不带时区偏移时，按群所
                                  在的时区）；默认为现在
  --store URL                     存储库，与写在命令之前时相同（ledger.db、一个
                                  路径、sqlite:///PATH 或 postgresql://…）；写在
                                  这里时，优先于写在命令之前的以及 LEDGER_STORE
  --actor ID                      由谁记录，与写在命令之前时相同；写在这里时，优
                                  先于写在命令之前的以及 LEDGER_ACTOR
  --format [table|json|jsonl|csv]
                                  与写在命令之前时相同；此命令不列出记录，输出只
                                  有一种形式，因此只接受 table（默认）
  --lang [en|zh]                  消息和帮助的语言（en 或 zh），与写在命令之前时
                                  相同
  -h, --help                      显示此帮助信息并退出。
"""


class TestHelpInChinese:
    def test_a_command_s_help(self) -> None:
        result = ledger("warn", "--help", "--lang", "zh")

        assert result.exit_code == 0
        assert result.stdout == WARN_HELP_ZH

    def test_the_root_listing(self) -> None:
        result = ledger("--lang", "zh", "--help")

        assert result.exit_code == 0
        assert "  warn      警告成员：按群规记一次警告（群主或管理员）。\n" in result.stdout
        assert "  --lang [en|zh]                  消息和帮助的语言：en 或 zh；" in result.stdout
        assert "  -h, --help                      显示此帮助信息并退出。\n" in result.stdout
        assert "\n命令:\n" in result.stdout

    def test_a_long_line_wraps_within_the_terminal_by_display_width(self) -> None:
        from cli.output import display_width

        result = CliRunner(env={**CLEAN, "LEDGER_LANG": "zh"}).invoke(
            cli, ["project", "standings", "--help"], prog_name="ledger", terminal_width=60)

        assert max(display_width(line) for line in result.stdout.splitlines()
                   if "ledger project" not in line) <= 60

    def test_english_help_is_unchanged(self) -> None:
        result = ledger("warn", "--help")

        assert result.stdout.startswith("Usage: ledger warn [OPTIONS] GROUP MEMBER\n\n"
                                        "  Warn a member: one strike under the group's rules")
        assert "  -h, --help                      Show this message and exit.\n" in result.stdout

    def test_english_help_after_a_chinese_run_in_the_same_process(self) -> None:
        ledger("warn", "--help", "--lang", "zh")

        result = ledger("warn", "--help")

        assert "  -h, --help                      Show this message and exit.\n" in result.stdout
        assert "显示" not in result.stdout


class TestTablesInChinese:
    def test_a_table_header(self, walked: Walk) -> None:
        result = ledger("--store", walked.store, "--lang", "zh", "group", "show", "g9")

        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert lines[-4:-2] == ["角色   成员    起始时间",
                                "-----  ------  -------------------------"]

    def test_an_empty_table(self, walked: Walk) -> None:
        result = ledger("--store", walked.store, "--lang", "zh", "flag", "list", "--group",
                        "g9", "--state", "dismissed")

        assert result.stdout == "（无记录）\n"


@pytest.mark.parametrize("args", [
    ("project", "standings", "--format", "json"),
    ("project", "standings", "--format", "csv"),
    ("project", "strikes", "--format", "jsonl"),
    ("history", "g9", "wx_li", "--format", "json"),
    ("group", "show", "g9", "--format", "json"),
    ("flag", "list", "--format", "csv"),
], ids=" ".join)
def test_machine_formats_are_byte_identical_in_both_languages(walked: Walk,
                                                               args: tuple[str, ...]) -> None:
    english = ledger("--store", walked.store, *args)
    chinese = ledger("--store", walked.store, *args, "--lang", "zh")

    assert english.exit_code == chinese.exit_code == 0
    assert english.stdout_bytes == chinese.stdout_bytes
    assert english.stdout_bytes.strip()


class TestClickSpeaksThroughTheCatalog:
    def test_every_click_module_s_gettext_is_ours(self) -> None:
        for module in CLICK_MODULES:
            assert module._ is i18n._, module.__name__  # type: ignore[attr-defined]
            if hasattr(module, "ngettext"):
                assert module.ngettext is i18n.ngettext, module.__name__

    def test_click_s_texts_follow_the_run_not_the_environment(self) -> None:
        with i18n.speaking("zh"):
            assert click.core._("Show this message and exit.") == "显示此帮助信息并退出。"
        assert click.core._("Show this message and exit.") == "Show this message and exit."


def command_paths() -> list[list[str]]:
    from tests.i18n_catalog import commands

    return [where.split()[1:] for where, _command in commands()]


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "ledger")
def test_every_command_s_help_renders_in_chinese(path: list[str]) -> None:
    result = ledger("--lang", "zh", *path, "--help")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("用法: ledger")
    assert "\n选项:\n" in result.stdout
    assert "Show this message and exit." not in result.stdout
