"""The four seed rulebooks end to end, through the CLI: one scenario class per rulebook
(R1 `builtin:company`, R2 `builtin:estate`, R3 `builtin:corporate`, R4
`builtin:referees`). Each test's docstring quotes, between 「」, the clause of
/work/shared/seed/group-rules.zh.txt it enforces, exactly as the source writes it.

Every command gives `--at` in China Standard Time, so what it prints is exact; a refusal
is exit 1, nothing on stdout and one `Error: …` line on stderr, and writes nothing.
Standings are read with `project standings --format json` and compared row for row.
`project standings` answers for the real "now": every `--at` here lies in the past, and
the R3 review dates are chosen so that "more than 90 days ago" stays true.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.application import Ledger
from ledger.store.url import parse_store

CST = timezone(timedelta(hours=8))
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
NOW_SHAPE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"  # a reply's "now"


class Cli:
    """`ledger --store STORE --actor ACTOR …` in this process, with no LEDGER_* variables."""

    def __init__(self, store: str) -> None:
        self.store = store
        self.runner = CliRunner(env={"LEDGER_STORE": None, "LEDGER_ACTOR": None})

    def __call__(self, actor: str | None, *args: str) -> Result:
        head = ["--store", self.store] + (["--actor", actor] if actor else [])
        return self.runner.invoke(cli, [*head, *args], prog_name="ledger")

    def ok(self, actor: str | None, *args: str) -> str:
        """Run a command that must succeed silently on stderr; its stdout."""
        result = self(actor, *args)
        assert (result.exit_code, result.stderr) == (0, ""), (
            result.exit_code, result.stdout, result.stderr, result.exception)
        return result.stdout

    def refused(self, actor: str | None, *args: str) -> str:
        """Run a command that must be refused and record nothing; its one error line."""
        before = self.event_count()
        result = self(actor, *args)
        assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
        assert result.stdout == ""
        assert self.event_count() == before, "a refused command wrote to the ledger"
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), \
            result.stderr
        return result.stderr

    def last_id(self, actor: str | None, *args: str) -> str:
        """Run a command that prints an id on its last line; that id."""
        out = self.ok(actor, *args)
        found = out.rstrip("\n").split("\n")[-1]
        assert HEX_ID.match(found), out
        return found

    def standings(self, group: str, member: str | None = None) -> list[dict[str, Any]]:
        args = ["project", "standings", "--group", group, "--format", "json"]
        if member:
            args += ["--member", member]
        return orjson.loads(self.ok(None, *args))

    def history(self, group: str, member: str) -> list[dict[str, Any]]:
        return orjson.loads(self.ok(None, "history", group, member, "--format", "json"))

    def json(self, *args: str) -> Any:
        return orjson.loads(self.ok(None, *args, "--format", "json"))

    def event_count(self) -> int:
        if not Path(self.store).exists():
            return 0
        ledger = Ledger(parse_store(self.store))
        try:
            return ledger.recorder.max_notification_id() or 0
        finally:
            ledger.close()


def at(day: int, clock: str, month: int = 11) -> str:
    """A moment of 2026 in China Standard Time, e.g. at(3, "10:30")."""
    return f"2026-{month:02d}-{day:02d}T{clock}+08:00"


def iso(day: int, clock: str, month: int = 11) -> str:
    """The same moment as the ledger prints it (to the second)."""
    return f"2026-{month:02d}-{day:02d}T{clock}:00+08:00"


def error(message: str) -> str:
    return f"Error: {message}\n"


def row(group: str, member: str, nickname: str, status: str, strikes: int, since: str,
        nickname_ok: bool | None = True, reminders: int = 0,
        review_due: bool = False) -> dict[str, Any]:
    return {"group": group, "member": member, "nickname": nickname, "status": status,
            "strikes": strikes, "since": since, "nickname_ok": nickname_ok,
            "reminders": reminders, "review_due": review_due}


@pytest.fixture
def ledger_cli(tmp_path: Path) -> Cli:
    return Cli(str(tmp_path / "ledger.db"))


# R1 — 酒神公司 ------------------------------------------------------------------------------


class TestR1Company:
    """篇一: the department groups of 酒神公司 under `builtin:company`."""

    @pytest.fixture
    def run(self, ledger_cli: Cli) -> Cli:
        run = ledger_cli
        run.ok("boss", "group", "create", "sales", "--name", "销售部工作群", "--owner", "boss",
               "--rulebook", "builtin:company", "--at", at(2, "09:00"))
        run.ok("boss", "group", "grant", "sales", "admin1", "--role", "admin",
               "--at", at(2, "09:05"))
        run.ok("admin1", "member", "admit", "sales", "li", "--nickname", "销售部-李四",
               "--verified-by", "admin1", "--at", at(2, "10:00"))
        return run

    def test_a_nickname_not_department_name_is_admitted_flagged_and_cleared_by_a_rename(
            self, run: Cli) -> None:
        """「3.2、群成员一律实名制。」
        「3.3、命名规则:部门+姓名;例如:“销售部-张三”。」
        """
        out = run.ok("admin1", "member", "admit", "sales", "zhang", "--nickname", "张三",
                     "--verified-by", "admin1", "--at", at(2, "11:00"))
        assert out == (f"Admitted zhang to sales as 张三 at {iso(2, '11:00')}. The nickname does "
                       "not follow the group's pattern: remind them to fix it.\n")
        assert run.standings("sales") == [
            row("sales", "li", "销售部-李四", "active", 0, iso(2, "10:00")),
            row("sales", "zhang", "张三", "active", 0, iso(2, "11:00"), nickname_ok=False),
        ]

        out = run.ok("zhang", "member", "rename", "sales", "zhang", "销售部-张三",
                     "--at", at(2, "11:30"))

        assert out == f"Renamed zhang in sales at {iso(2, '11:30')}: 张三 → 销售部-张三.\n"
        assert run.standings("sales", "zhang") == [
            row("sales", "zhang", "销售部-张三", "active", 0, iso(2, "11:00"))]
        renamed = run.history("sales", "zhang")[-1]
        assert (renamed["event"], renamed["old_nickname"], renamed["new_nickname"],
                renamed["nickname_ok"], renamed["nickname_rule"]) == (
            "MemberRenamed", "张三", "销售部-张三", True, "部门-姓名, e.g. 销售部-张三")

    def test_real_names_mean_an_admission_needs_a_verifier(self, run: Cli) -> None:
        """「3.2、群成员一律实名制。」"""
        assert run.refused("admin1", "member", "admit", "sales", "zhao", "--nickname",
                           "销售部-赵六", "--at", at(2, "11:00")) == error(
            "sales's rules (company v1) require identity verification: give --verified-by")
        assert run.standings("sales") == [
            row("sales", "li", "销售部-李四", "active", 0, iso(2, "10:00"))]

    def test_a_task_acknowledged_within_30_minutes_costs_nothing(self, run: Cli) -> None:
        """「3.5、领导人在群里下达的当天需要完成或者解决的问题,相关责任人必须在网络畅通的情况下马上予以回复确认」
        「如超过30分钟依然没有回应或解决的,则按照公司相关条例进行处罚。」
        """
        out = run.ok("boss", "task", "assign", "sales", "li", "--summary", "今天下班前报客户名单",
                     "--at", at(3, "09:00"))
        task = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Assigned to li in sales at {iso(3, '09:00')}: 今天下班前报客户名单 "
                       f"(acknowledge by {iso(3, '09:30')}).\n{task}\n")

        assert run.ok("li", "task", "ack", task[:8], "--at", at(3, "09:29")) == (
            f"Acknowledged task {task[:8]} of li in sales at {iso(3, '09:29')} in time.\n")

        assert run.json("task", "overdue", "--group", "sales", "--as-of", at(3, "12:00")) == []
        assert run.refused("boss", "task", "confirm-missed", task[:8],
                           "--at", at(3, "12:00")) == error(
            f"task {task} was acknowledged in time ({iso(3, '09:29')}, deadline "
            f"{iso(3, '09:30')}): nothing was missed")
        assert run.standings("sales") == [
            row("sales", "li", "销售部-李四", "active", 0, iso(2, "10:00"))]

    def test_a_task_left_unanswered_is_overdue_and_a_late_response_strike_after_30_minutes(
            self, run: Cli) -> None:
        """「相关责任人必须在网络畅通的情况下马上予以回复确认」
        「如超过30分钟依然没有回应或解决的,则按照公司相关条例进行处罚。」
        """
        answered = run.last_id("boss", "task", "assign", "sales", "li", "--summary", "核对报价",
                               "--at", at(3, "09:00"))
        run.ok("li", "task", "ack", answered, "--at", at(3, "09:10"))
        task = run.last_id("boss", "task", "assign", "sales", "li", "--summary", "回复客户投诉",
                           "--at", at(3, "10:00"))

        # Exactly 30 minutes is not "超过30分钟": nothing is overdue yet.
        assert run.json("task", "overdue", "--group", "sales", "--as-of", at(3, "10:30")) == []
        overdue = {"task": task, "group": "sales", "member": "li", "summary": "回复客户投诉",
                   "assigned_by": "boss", "assigned_at": iso(3, "10:00"),
                   "deadline_at": iso(3, "10:30"), "acknowledged_at": None, "state": "overdue"}
        assert run.json("task", "overdue", "--group", "sales",
                        "--as-of", at(3, "10:31")) == [overdue]

        for early in ("10:29", "10:30"):
            assert run.refused("boss", "task", "confirm-missed", task[:8],
                               "--at", at(3, early)) == error(
                f"task {task}'s deadline {iso(3, '10:30')} had not passed at "
                f"{iso(3, early)}: wait for it")

        out = run.ok("boss", "task", "confirm-missed", task[:8], "--at", at(3, "10:45"))
        warning = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Confirmed task {task[:8]} missed at {iso(3, '10:45')}: li in sales is "
                       f"warned (1 of 3 strikes, warned).\n{warning}\n")
        assert run.standings("sales") == [
            row("sales", "li", "销售部-李四", "warned", 1, iso(3, "10:45"))]
        assert run.json("task", "overdue", "--group", "sales", "--as-of", at(3, "11:00")) == []
        assert [t["state"] for t in run.json("task", "list", "--group", "sales",
                                             "--as-of", at(3, "11:00"))] == [
            "acknowledged", "missed"]
        strike = run.history("sales", "li")[-1]
        assert (strike["event"], strike["sanction_id"], strike["category"], strike["task_id"],
                strike["weight"], strike["rulebook"], strike["rulebook_version"]) == (
            "WarningIssued", warning, "late_response", task, 1, "company", 1)
        assert strike["rule_text"].startswith("3.5、领导人在群里下达的当天需要完成或者解决的问题")

    def test_quitting_the_group_on_purpose_is_a_warning_and_a_departure(self, run: Cli) -> None:
        """「3.7、如果群内成员不停从群管理、执意退群,则以警告处分,退群带来的后果个人承担。」"""
        run.ok("admin1", "member", "admit", "sales", "wang", "--nickname", "销售部-王五",
               "--verified-by", "admin1", "--at", at(2, "10:30"))
        # Only the owner or an admin records a departure as a violation.
        assert run.refused("wang", "member", "leave", "sales", "wang", "--violation",
                           "defiance", "--at", at(4, "10:00")) == error(
            "wang may not record a departure as a violation in sales: only the owner or an "
            "admin may")

        out = run.ok("admin1", "member", "leave", "sales", "wang", "--violation", "defiance",
                     "--note", "执意退群", "--at", at(4, "10:00"))

        warning = out.rstrip("\n").split("\n")[-1]
        assert out == f"wang left sales at {iso(4, '10:00')}, warned for defiance.\n{warning}\n"
        assert run.standings("sales", "wang") == [
            row("sales", "wang", "销售部-王五", "left", 1, iso(4, "10:00"))]
        strike, left = run.history("sales", "wang")[-2:]
        assert (strike["event"], strike["sanction_id"], strike["category"],
                strike["category_label"], strike["reason"], strike["rule_text"]) == (
            "WarningIssued", warning, "defiance", "不服从管理、执意退群", "执意退群",
            "3.7、如果群内成员不停从群管理、执意退群,则以警告处分,退群带来的后果个人承担。")
        assert (left["event"], left["occurred_at"], left["note"]) == (
            "MemberLeft", iso(4, "10:00"), "执意退群")

    def test_a_member_who_leaves_without_defying_anyone_is_not_warned(self, run: Cli) -> None:
        """「3.7、如果群内成员不停从群管理、执意退群,则以警告处分」 — only then."""
        assert run.ok("li", "member", "leave", "sales", "li", "--at", at(4, "10:00")) == (
            f"li left sales at {iso(4, '10:00')}.\n")
        assert run.standings("sales") == [
            row("sales", "li", "销售部-李四", "left", 0, iso(4, "10:00"))]

    def test_a_confidential_leak_is_flagged_by_a_member_and_confirmed_by_an_admin(
            self, run: Cli) -> None:
        """「3.4、严格保守公司机密,对业务通报、群内信息、工作内容等敏感信息严禁转发给非相关人员,一经发现则按照相关条例进行处罚。」"""
        run.ok("admin1", "member", "admit", "sales", "zhang", "--nickname", "销售部-张三",
               "--verified-by", "admin1", "--at", at(2, "10:30"))
        out = run.ok("li", "flag", "raise", "sales", "zhang", "--category", "confidential_leak",
                     "--message", "m-301", "--excerpt", "业务通报截图转发给客户",
                     "--at", at(5, "10:00"))
        flag = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Flagged m-301 of zhang in sales as confidential_leak (泄密) at "
                       f"{iso(5, '10:00')}.\n{flag}\n")

        out = run.ok("admin1", "flag", "confirm", flag[:8], "--note", "已核实",
                     "--at", at(5, "11:00"))

        warning = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Confirmed flag {flag[:8]} at {iso(5, '11:00')}: zhang in sales is "
                       f"warned (1 of 3 strikes, warned).\n{warning}\n")
        assert run.standings("sales", "zhang") == [
            row("sales", "zhang", "销售部-张三", "warned", 1, iso(5, "11:00"))]
        strike = run.history("sales", "zhang")[-1]
        assert (strike["category"], strike["flag_id"], strike["rule_text"]) == (
            "confidential_leak", flag,
            "3.4、严格保守公司机密,对业务通报、群内信息、工作内容等敏感信息严禁转发给非相关人员,"
            "一经发现则按照相关条例进行处罚。")


# R2 — 加侨悦山城 -----------------------------------------------------------------------------

# Each key with the rulebook's own label, as a refusal lists them (either may be typed).
R2_CATEGORIES = ("nickname 昵称不规范, illegal 违反法律规定, politics 政治, religion 宗教, "
                 "porn 色情（黄）, gambling 赌博（赌）, drugs 毒品（毒）, health_pitch 养生健身, "
                 "rumor 谣言, off_topic 与建群宗旨不相关的话题, risky_link 风险链接, flooding 刷屏, "
                 "personal_attack 人身攻击、人格侮辱, privacy 大规模加群内业主微信")


class TestR2Estate:
    """篇二: the owners' groups of 加侨悦山城 under `builtin:estate`."""

    WANG = row("g9", "wang", "g9#1003@王x", "active", 0, iso(2, "10:00"))

    @pytest.fixture
    def run(self, ledger_cli: Cli) -> Cli:
        run = ledger_cli
        run.ok("owner1", "group", "create", "g9", "--name", "加侨业委会9栋业主群",
               "--owner", "owner1", "--rulebook", "builtin:estate", "--at", at(2, "09:00"))
        run.ok("owner1", "group", "grant", "g9", "admin1", "--role", "admin",
               "--at", at(2, "09:05"))
        run.ok("admin1", "member", "admit", "g9", "wang", "--nickname", "g9#1003@王x",
               "--relation", "owner", "--invited-by", "admin1", "--verified-by", "admin1",
               "--at", at(2, "10:00"))
        return run

    def admit_zhao(self, run: Cli) -> None:
        run.ok("admin1", "member", "admit", "g9", "zhao", "--nickname", "g9#1201@赵姐",
               "--relation", "owner", "--invited-by", "wang", "--verified-by", "admin1",
               "--at", at(2, "11:00"))

    def test_a_tenant_is_refused_and_nothing_is_written(self, run: Cli) -> None:
        """「业主的配偶、父母、子女、兄弟姐妹等只要住在加侨悦山城小区小区的都视为业主(房屋租赁人员除外)。」"""
        assert run.refused("admin1", "member", "admit", "g9", "zu", "--nickname",
                           "g9#1005@小周", "--relation", "tenant", "--invited-by", "wang",
                           "--verified-by", "admin1", "--at", at(2, "10:30")) == error(
            "g9's rules (estate v1) exclude tenant members: only owner 业主 or family 家属 "
            "members are "
            "admitted")
        assert run.standings("g9") == [self.WANG]

        # A resident relative of an owner is an owner in the rulebook's sense.
        assert run.ok("admin1", "member", "admit", "g9", "wang_mum", "--nickname",
                      "g9#1003@王阿姨", "--relation", "family", "--invited-by", "wang",
                      "--verified-by", "admin1", "--at", at(2, "10:30")) == (
            f"Admitted wang_mum to g9 as g9#1003@王阿姨 at {iso(2, '10:30')}.\n")

    def test_an_admission_without_verification_is_refused(self, run: Cli) -> None:
        """「成员入群需证实业主身份,方可入群,接受业主邀请入群,群管理者审核。」"""
        assert run.refused("admin1", "member", "admit", "g9", "li", "--nickname",
                           "g9#1001@李x明", "--relation", "family", "--invited-by", "wang",
                           "--at", at(2, "10:30")) == error(
            "g9's rules (estate v1) require identity verification: give --verified-by")
        assert run.standings("g9") == [self.WANG]

    def test_only_the_owner_or_an_admin_may_verify_an_owner(self, run: Cli) -> None:
        """「成员入群需证实业主身份,方可入群,接受业主邀请入群,群管理者审核。」"""
        for verifier in ("wang", "ghost"):  # an ordinary owner, and nobody at all
            assert run.refused("admin1", "member", "admit", "g9", "li", "--nickname",
                               "g9#1001@李x明", "--relation", "family", "--invited-by", "wang",
                               "--verified-by", verifier, "--at", at(2, "10:30")) == error(
                f"{verifier} may not verify members of g9: identity is verified by the owner "
                "or an admin")
        assert run.standings("g9") == [self.WANG]

        run.ok("admin1", "member", "admit", "g9", "li", "--nickname", "g9#1001@李x明",
               "--relation", "family", "--invited-by", "wang", "--verified-by", "owner1",
               "--at", at(2, "10:30"))
        assert [r["member"] for r in run.standings("g9")] == ["li", "wang"]

    def test_an_admission_must_say_how_the_member_belongs(self, run: Cli) -> None:
        """「(房屋租赁人员除外)」「成员入群需证实业主身份,方可入群」 — leaving the relation out
        must not let a tenant through.
        """
        assert run.refused("admin1", "member", "admit", "g9", "zu", "--nickname", "g9#1005@小周",
                           "--invited-by", "wang", "--verified-by", "admin1",
                           "--at", at(2, "10:30")) == error(
            "g9's rules (estate v1) admit members by relation: give --relation (owner 业主 or "
            "family 家属)")
        assert run.standings("g9") == [self.WANG]

    def test_a_nickname_without_room_ignored_after_three_reminders_is_removal_due(
            self, run: Cli) -> None:
        """「成员的昵称建议采用“楼号#房号@昵称/名字”的形式」「至少备注房间号,方便群内交流邻里辨析。」
        「对未备注者及时督促完成明晰备注,对多次提醒不配合的微信进行清理;」
        """
        assert run.ok("admin1", "member", "admit", "g9", "li", "--nickname", "李x明",
                      "--relation", "family", "--invited-by", "wang", "--verified-by",
                      "admin1", "--at", at(2, "11:00")) == (
            f"Admitted li to g9 as 李x明 at {iso(2, '11:00')}. The nickname does not follow "
            "the group's pattern: remind them to fix it.\n")
        for n, status in ((1, "active"), (2, "active"), (3, "removal_due")):
            assert run.ok("admin1", "member", "remind", "g9", "li",
                          "--at", at(2 + n, "10:00")) == (
                f"Reminded li in g9 at {iso(2 + n, '10:00')} to fix the nickname '李x明' "
                f"(reminder {n} of 3; {status}).\n")
            if n == 2:
                assert run.standings("g9", "li") == [row(
                    "g9", "li", "李x明", "active", 0, iso(2, "11:00"), nickname_ok=False,
                    reminders=2)]
        # Removal due, not removed: the admins clear the account (清理) themselves.
        assert run.standings("g9", "li") == [row(
            "g9", "li", "李x明", "removal_due", 0, iso(5, "10:00"), nickname_ok=False,
            reminders=3)]

        assert run.ok("li", "member", "rename", "g9", "li", "g9#1001@李x明",
                      "--at", at(6, "08:00")) == (
            f"Renamed li in g9 at {iso(6, '08:00')}: 李x明 → g9#1001@李x明.\n")

        assert run.standings("g9", "li") == [
            row("g9", "li", "g9#1001@李x明", "active", 0, iso(6, "08:00"))]
        assert run.refused("admin1", "member", "remind", "g9", "li",
                           "--at", at(6, "09:00")) == error(
            f"li's nickname 'g9#1001@李x明' in g9 follows the rules (楼号#房号@昵称, e.g. "
            f"g9#1001@李x明; at least the room, e.g. 1102@周x) at {iso(6, '09:00')}: "
            "nothing to remind")

    def test_room_number_is_enough_and_a_wrong_rename_counts_again(self, run: Cli) -> None:
        """「至少备注房间号,方便群内交流邻里辨析。」"""
        run.ok("admin1", "member", "admit", "g9", "li", "--nickname", "g9#1001",
               "--relation", "owner", "--invited-by", "wang", "--verified-by", "admin1",
               "--at", at(2, "11:00"))
        assert run.ok("li", "member", "rename", "g9", "li", "李x明", "--at", at(3, "09:00")) == (
            f"Renamed li in g9 at {iso(3, '09:00')}: g9#1001 → 李x明. The nickname does not "
            "follow the group's pattern: remind them to fix it.\n")
        assert run.standings("g9", "li") == [
            row("g9", "li", "李x明", "active", 0, iso(2, "11:00"), nickname_ok=False)]

    def test_first_and_second_violation_warned_third_makes_removal_due(self, run: Cli) -> None:
        """「(七)对违反群规者,一次、二次予以警告,第三次管理员有权直接移除出群;」
        「三次违反规定移出群聊;」
        """
        self.admit_zhao(run)
        flag = run.last_id("wang", "flag", "raise", "g9", "zhao", "--category", "risky_link",
                           "--message", "m-778", "--excerpt", "砍一刀 http://…",
                           "--at", at(10, "10:00"))
        out = run.ok("admin1", "flag", "confirm", flag[:8], "--at", at(10, "11:00"))
        assert out.startswith(f"Confirmed flag {flag[:8]} at {iso(10, '11:00')}: zhao in g9 is "
                              "warned (1 of 3 strikes, warned).\n")
        assert run.standings("g9", "zhao") == [
            row("g9", "zhao", "g9#1201@赵姐", "warned", 1, iso(10, "11:00"))]

        out = run.ok("admin1", "warn", "g9", "zhao", "--category", "flooding", "--reason",
                     "刷屏 40 条", "--at", at(11, "10:00"))
        assert out.startswith(f"Warned zhao in g9 for flooding at {iso(11, '10:00')}: 2 of 3 "
                              "strikes, warned.\n")
        assert run.standings("g9", "zhao") == [
            row("g9", "zhao", "g9#1201@赵姐", "warned", 2, iso(10, "11:00"))]

        out = run.ok("admin1", "warn", "g9", "zhao", "--category", "health_pitch", "--reason",
                     "推销保健品", "--at", at(12, "10:00"))
        assert out.startswith(f"Warned zhao in g9 for health_pitch at {iso(12, '10:00')}: "
                              "3 of 3 strikes, removal_due.\n")
        # 管理员有权: the admin may remove; nothing removes the member by itself.
        assert run.standings("g9", "zhao") == [
            row("g9", "zhao", "g9#1201@赵姐", "removal_due", 3, iso(12, "10:00"))]
        assert "MemberRemoved" not in [e["event"] for e in run.history("g9", "zhao")]

        run.ok("admin1", "member", "remove", "g9", "zhao", "--reason", "三次违反规定移出群聊",
               "--at", at(12, "12:00"))
        assert run.standings("g9", "zhao") == [
            row("g9", "zhao", "g9#1201@赵姐", "removed", 3, iso(12, "12:00"))]
        removal = run.history("g9", "zhao")[-1]
        assert (removal["event"], removal["temporary"], removal["cause"]) == (
            "MemberRemoved", False, "admin")

    def test_a_quarrel_is_a_temporary_removal_and_mediation_a_readmission(
            self, run: Cli) -> None:
        """「对于群内争吵较严重群内劝阻无效者实行临时出群措施,待矛盾调解缓和后再行邀约进群;」"""
        out = run.ok("admin1", "member", "remove", "g9", "wang", "--temporary", "--reason",
                     "与邻居争吵，劝阻无效", "--at", at(13, "21:00"))
        removal = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Temporarily removed wang from g9 at {iso(13, '21:00')}: "
                       f"与邻居争吵，劝阻无效\n{removal}\n")
        assert run.standings("g9") == [
            row("g9", "wang", "g9#1003@王x", "temporarily_removed", 0, iso(13, "21:00"))]
        # Out of the group pending mediation: no further sanction can reach them.
        assert run.refused("admin1", "warn", "g9", "wang", "--category", "personal_attack",
                           "--at", at(13, "22:00")) == error(
            f"wang is not in g9 at {iso(13, '22:00')}: they were temporarily removed: "
            "readmit them first")

        assert run.ok("admin1", "member", "readmit", "g9", "wang", "--note",
                      "业委会调解后重新邀请", "--at", at(15, "10:00")) == (
            f"Readmitted wang to g9 at {iso(15, '10:00')}.\n")

        assert run.standings("g9") == [
            row("g9", "wang", "g9#1003@王x", "active", 0, iso(15, "10:00"))]
        events = run.history("g9", "wang")
        assert [(e["event"], e.get("temporary"), e.get("cause"), e.get("note"))
                for e in events[1:]] == [
            ("MemberRemoved", True, "admin", None),
            ("MemberReadmitted", None, None, "业委会调解后重新邀请")]

    def test_a_category_the_rulebook_does_not_know_is_refused_with_its_keys(
            self, run: Cli) -> None:
        """「(二)成员应遵纪守法,严禁发布和谈论涉及违反法律规定条款、政治、宗教、黄赌毒、养生健身以及传播不实谣言等与建群宗旨不相关的话题和不明网站链接;」"""
        expected = error(f"unknown category 'ads' in the estate rulebook: use one of "
                         f"{R2_CATEGORIES}")
        assert run.refused("admin1", "warn", "g9", "wang", "--category", "ads",
                           "--at", at(10, "10:00")) == expected
        assert run.refused("admin1", "flag", "raise", "g9", "wang", "--category", "ads",
                           "--at", at(10, "10:00")) == expected
        assert run.standings("g9") == [self.WANG]


# R3 — 重庆实业集团 ---------------------------------------------------------------------------


class TestR3Corporate:
    """篇三: the work groups of 重庆实业集团 under `builtin:corporate`. The dates run from
    January to July 2026, so that a review more than 90 days old is due today.
    """

    @pytest.fixture
    def run(self, ledger_cli: Cli) -> Cli:
        run = ledger_cli
        run.ok("hr", "group", "create", "hq", "--name", "集团工作群", "--owner", "hr",
               "--rulebook", "builtin:corporate", "--at", at(5, "09:00", month=1))
        run.ok("hr", "group", "grant", "hq", "admin1", "--role", "admin",
               "--at", at(5, "09:05", month=1))
        run.ok("admin1", "member", "admit", "hq", "zhang", "--nickname", "行政人事部-张某某",
               "--invited-by", "admin1", "--verified-by", "admin1",
               "--at", at(6, "10:00", month=1))
        return run

    def test_only_the_admins_and_the_owner_may_invite(self, run: Cli) -> None:
        """「第六条 原则上成员的准入和请出操作由群管理员负责,其他人员不得随意邀请人员加入。」"""
        assert run.refused("admin1", "member", "admit", "hq", "li", "--nickname", "销售部-李四",
                           "--invited-by", "zhang", "--verified-by", "admin1",
                           "--at", at(6, "11:00", month=1)) == error(
            "zhang may not invite members to hq: under corporate v1 only owner or admin may "
            "invite")
        assert run.refused("zhang", "member", "admit", "hq", "li", "--nickname", "销售部-李四",
                           "--verified-by", "admin1", "--at", at(6, "11:00", month=1)) == error(
            "zhang may not admit members in hq: only the owner or an admin may")

        assert run.ok("admin1", "member", "admit", "hq", "li", "--nickname", "销售部-李四",
                      "--invited-by", "admin1", "--verified-by", "admin1",
                      "--at", at(6, "11:00", month=1)) == (
            f"Admitted li to hq as 销售部-李四 at {iso(6, '11:00', month=1)}.\n")
        assert run.ok("admin1", "member", "admit", "hq", "zhou", "--nickname", "财务部-周七",
                      "--invited-by", "hr", "--verified-by", "admin1",
                      "--at", at(6, "11:30", month=1)) == (
            f"Admitted zhou to hq as 财务部-周七 at {iso(6, '11:30', month=1)}.\n")
        assert [(r["member"], r["status"]) for r in run.standings("hq")] == [
            ("li", "active"), ("zhang", "active"), ("zhou", "active")]

    def test_an_executive_uses_the_plain_name(self, run: Cli) -> None:
        """「第七条 成员实名制管理:进群人员必须实名制,群昵称命名规则:部门〔huzhidao.com〕+员工姓名,例如:行政人事部-张某某(总裁、副总裁、各分管副总直接使用姓名)。」"""
        assert run.ok("admin1", "member", "admit", "hq", "ceo", "--nickname", "王建国",
                      "--exemption", "executive", "--verified-by", "admin1",
                      "--at", at(6, "12:00", month=1)) == (
            f"Admitted ceo to hq as 王建国 at {iso(6, '12:00', month=1)}.\n")
        # The same plain name without the exemption breaks the pattern.
        run.ok("admin1", "member", "admit", "hq", "wang", "--nickname", "王小明",
               "--verified-by", "admin1", "--at", at(6, "12:00", month=1))
        assert run.refused("admin1", "member", "admit", "hq", "boss", "--nickname", "李总",
                           "--exemption", "ceo", "--verified-by", "admin1",
                           "--at", at(6, "12:00", month=1)) == error(
            "unknown nickname exemption 'ceo': this rulebook knows executive")

        rows = {r["member"]: r["nickname_ok"] for r in run.standings("hq")}
        assert rows == {"ceo": True, "wang": False, "zhang": True}
        # The exemption stays with the member: a new plain name still complies.
        run.ok("admin1", "member", "rename", "hq", "ceo", "王建华",
               "--at", at(7, "09:00", month=1))
        assert run.standings("hq", "ceo")[0]["nickname_ok"] is True

    def test_a_review_removes_those_named_and_marks_the_kept_reviewed(self, run: Cli) -> None:
        """「第五条 秉着分工明确的原则,微信群日常管理工作由群管理员负责」
        「根据人事变动,负责成员准入、请出;负责成员实名制、聊天管理、违规处理;负责定期对微信群成员进行梳理。」
        """
        for member, nickname in (("li", "销售部-李四"), ("zhou", "财务部-周七"),
                                 ("qian", "项目公司-钱八")):
            run.ok("admin1", "member", "admit", "hq", member, "--nickname", nickname,
                   "--verified-by", "admin1", "--at", at(6, "11:00", month=1))
        assert run.refused("zhang", "group", "review", "hq", "--keep", "li", "--reason", "梳理",
                           "--at", at(1, "10:00", month=7)) == error(
            "zhang may not review the membership in hq: only the owner or an admin may")

        out = run.ok("admin1", "group", "review", "hq", "--keep", "zhang", "--keep", "zhou",
                     "--remove", "li", "--reason", "2026年第二季度人事变动",
                     "--at", at(1, "10:00", month=7))
        review = out.rstrip("\n").split("\n")[-1]
        assert out == f"Reviewed hq at {iso(1, '10:00', month=7)}: kept 2, removed 1.\n{review}\n"
        # A recent review (yesterday): zhou's next one is not due yet.
        recent = (datetime.now(CST) - timedelta(days=1)).replace(second=0, microsecond=0)
        run.ok("admin1", "group", "review", "hq", "--keep", "zhou", "--reason", "定期梳理",
               "--at", recent.isoformat())

        # zhang was kept on 1 July, more than 90 days ago; qian was never reviewed since
        # admission in January: both due. zhou was reviewed yesterday. li is gone.
        assert run.standings("hq") == [
            row("hq", "li", "销售部-李四", "removed", 0, iso(1, "10:00", month=7)),
            row("hq", "qian", "项目公司-钱八", "active", 0, iso(6, "11:00", month=1),
                review_due=True),
            row("hq", "zhang", "行政人事部-张某某", "active", 0, iso(6, "10:00", month=1),
                review_due=True),
            row("hq", "zhou", "财务部-周七", "active", 0, iso(6, "11:00", month=1)),
        ]
        removal = run.history("hq", "li")[-1]
        assert (removal["event"], removal["cause"], removal["temporary"], removal["reason"]) == (
            "MemberRemoved", "review", False, f"2026年第二季度人事变动 (review {review[:8]})")
        kept = [e for e in run.history("hq", "zhang") if e["event"] == "MembershipReviewed"]
        assert [(e["review_id"], e["review_period_days"], e["occurred_at"]) for e in kept] == [
            (review, 90, iso(1, "10:00", month=7))]


# R4 — 国家级裁判员群 -------------------------------------------------------------------------

# 2026-11-19 is a Thursday, 2026-11-18 a Wednesday, 2026-11-24 a Tuesday.
THU, WED, TUE = 19, 18, 24


class TestR4Referees:
    """篇四: the national referees' groups under `builtin:referees`."""

    @pytest.fixture
    def run(self, ledger_cli: Cli) -> Cli:
        run = ledger_cli
        run.ok("yijie", "group", "create", "mf", "--name", "国家级裁判员美发群", "--owner",
               "yijie", "--rulebook", "builtin:referees", "--at", at(2, "09:00"))
        run.ok("yijie", "group", "grant", "mf", "jzl", "--role", "admin", "--at", at(2, "09:05"))
        for member, nickname in (("tang", "重庆-唐艳"), ("he", "四川成都-何方"),
                                 ("wu", "吴老师")):
            run.ok("jzl", "member", "admit", "mf", member, "--nickname", nickname,
                   "--at", at(2, "10:00"))
        return run

    def test_the_nickname_is_region_dash_name(self, run: Cli) -> None:
        """「3、所有群员在进入本微信群后,一律以“地区-姓名”为群昵称。」"""
        assert run.standings("mf") == [
            row("mf", "he", "四川成都-何方", "active", 0, iso(2, "10:00")),
            row("mf", "tang", "重庆-唐艳", "active", 0, iso(2, "10:00")),
            row("mf", "wu", "吴老师", "active", 0, iso(2, "10:00"), nickname_ok=False),
        ]
        run.ok("wu", "member", "rename", "mf", "wu", "湖南-吴敏", "--at", at(3, "06:00"))
        assert run.standings("mf", "wu") == [
            row("mf", "wu", "湖南-吴敏", "active", 0, iso(2, "10:00"))]

    @pytest.mark.parametrize("message_at, shown, window", [
        (at(TUE, "00:00"), "Tue 00:00", "daily 00:00–07:30"),
        (at(TUE, "06:59"), "Tue 06:59", "daily 00:00–07:30"),
        (at(THU, "21:00"), "Thu 21:00", "thu 21:00–22:30"),
        (at(THU, "22:29"), "Thu 22:29", "thu 21:00–22:30"),
        # The end minute is part of the window: "到7:30" allows a post at 07:30:00.
        (at(TUE, "07:30"), "Tue 07:30", "daily 00:00–07:30"),
        (at(THU, "22:30"), "Thu 22:30", "thu 21:00–22:30"),
        # The same Thursday session, the time given in UTC.
        (f"2026-11-{THU}T13:30Z", "Thu 21:30", "thu 21:00–22:30"),
    ], ids=["midnight", "06:59", "thu-21:00", "thu-22:29", "07:30:00", "thu-22:30:00",
            "thu-in-utc"])
    def test_a_message_inside_a_posting_window_is_not_off_hours(
            self, run: Cli, message_at: str, shown: str, window: str) -> None:
        """「5、要求大家发信息的时间是每天午夜的0:00开始到7:30」
        「同时定位策划技术交流访谈时间为每周四21:00-22:30。其他时间请不要闲聊。」
        """
        assert run.refused("tang", "flag", "raise", "mf", "wu", "--category", "off_hours",
                           "--message-at", message_at, "--at", at(TUE, "09:00")) == error(
            f"a message at {shown} (Asia/Shanghai) is inside the allowed window {window}: "
            "it is not off_hours")

    @pytest.mark.parametrize("message_at", [
        at(TUE, "07:30:01"), at(TUE, "15:10"), at(THU, "20:59"), at(THU, "22:30:01"),
        at(WED, "21:30"),
    ], ids=["07:30:01", "afternoon", "thu-20:59", "thu-22:30:01", "wed-21:30"])
    def test_a_message_outside_the_windows_is_off_hours(self, run: Cli, message_at: str) -> None:
        """「其他时间请不要闲聊。」 — a second after 7:30 (or 22:30 on Thursday) is outside."""
        out = run.ok("tang", "flag", "raise", "mf", "wu", "--category", "off_hours",
                     "--message", "m-42", "--message-at", message_at, "--at", at(TUE, "23:00"))
        flag = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Flagged m-42 of wu in mf as off_hours (非发言时段) at "
                       f"{iso(TUE, '23:00')}.\n{flag}\n")

        run.ok("jzl", "flag", "confirm", flag[:8], "--at", at(TUE, "23:30"))

        assert run.standings("mf", "wu") == [row(
            "mf", "wu", "吴老师", "warned", 1, iso(TUE, "23:30"), nickname_ok=False)]

    def test_an_off_hours_flag_needs_the_time_of_the_message(self, run: Cli) -> None:
        """「要求大家发信息的时间是每天午夜的0:00开始到7:30」"""
        assert run.refused("tang", "flag", "raise", "mf", "wu", "--category", "off_hours",
                           "--at", at(TUE, "09:00")) == error(
            "a flag of category off_hours needs --message-at, the time the message was "
            "posted, to check it against the posting windows")

    @pytest.mark.parametrize("category, label", [
        ("porn", "色情"), ("gambling", "赌博"), ("virus_link", "病毒链接")])
    def test_porn_gambling_and_virus_links_are_removed_on_sight(
            self, run: Cli, category: str, label: str) -> None:
        """「4、严禁在群内发布色情、赌博、病毒链接,一经发现,将被管理员踢出本群。」"""
        flag = run.last_id("tang", "flag", "raise", "mf", "he", "--category", category,
                           "--message", "m-9", "--at", at(TUE, "09:00"))

        out = run.ok("jzl", "flag", "confirm", flag[:8], "--at", at(TUE, "09:10"))

        warning = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Confirmed flag {flag[:8]} at {iso(TUE, '09:10')}: he in mf is warned "
                       f"(1 of 3 strikes, removed).\n{warning}\n")
        assert run.standings("mf", "he") == [
            row("mf", "he", "四川成都-何方", "removed", 1, iso(TUE, "09:10"))]
        strike, removal = run.history("mf", "he")[-2:]
        assert (strike["event"], strike["sanction_id"], strike["on_sight"],
                strike["on_sight_action"]) == ("WarningIssued", warning, True, "remove")
        assert (removal["event"], removal["occurred_at"], removal["temporary"],
                removal["cause"], removal["reason"]) == (
            "MemberRemoved", iso(TUE, "09:10"), False, "on_sight",
            f"{label} ({category}): removed on sight under referees v1")

    def test_an_ad_is_a_strike_not_a_removal(self, run: Cli) -> None:
        """「5、严禁在群内发布商业广告。」 — unlike 三.4, no removal on sight."""
        out = run.ok("jzl", "warn", "mf", "he", "--category", "ads", "--at", at(TUE, "09:10"))
        assert out.startswith(f"Warned he in mf for ads at {iso(TUE, '09:10')}: 1 of 3 strikes, "
                              "warned.\n")
        assert run.standings("mf", "he") == [
            row("mf", "he", "四川成都-何方", "warned", 1, iso(TUE, "09:10"))]


# What each group's admins found missing or wrong (issue 9) --------------------------------


class TestR1CompanyAsLived:
    """篇一, lived through by the admins of 酒神公司 (the fixture of TestR1Company)."""

    run = TestR1Company.run  # the same group, set up the same way

    def test_ignored_reminders_are_counted_and_never_a_sanction(self, run: Cli) -> None:
        """「3.3、命名规则:部门+姓名;例如:“销售部-张三”。」 — R1 gives no sanction for a
        nickname: only R2 does (「对多次提醒不配合的微信进行清理」).
        """
        run.ok("admin1", "member", "admit", "sales", "zhang", "--nickname", "张三",
               "--verified-by", "admin1", "--at", at(2, "11:00"))
        for n in (1, 2, 3, 4):
            assert run.ok("admin1", "member", "remind", "sales", "zhang",
                          "--at", at(2 + n, "10:00")) == (
                f"Reminded zhang in sales at {iso(2 + n, '10:00')} to fix the nickname '张三' "
                f"(reminder {n}; the rules set no sanction for ignored reminders; active).\n")

        assert run.standings("sales", "zhang") == [row(
            "sales", "zhang", "张三", "active", 0, iso(2, "11:00"), nickname_ok=False,
            reminders=4)]
        assert [(e["event"], e["reminder"], e["reminders_before_removal"])
                for e in run.history("sales", "zhang")[1:]] == [
            ("NicknameReminded", n, None) for n in (1, 2, 3, 4)]

    @pytest.mark.parametrize("nickname", ["IT部-赵六", "销售2部-王五", "财务部-刘䶮",
                                          "技术部-𠮷田"])
    def test_a_department_may_hold_latin_letters_and_digits_and_a_name_any_han(
            self, run: Cli, nickname: str) -> None:
        """「3.3、命名规则:部门+姓名;例如:“销售部-张三”。」 — 部门 as the company names it
        (IT部, 销售2部), and 姓名 in any Han character, the extension blocks included
        (䶮 is in Extension A, 𠮷 in Extension B).
        """
        assert run.ok("admin1", "member", "admit", "sales", "new", "--nickname", nickname,
                      "--verified-by", "admin1", "--at", at(2, "11:00")) == (
            f"Admitted new to sales as {nickname} at {iso(2, '11:00')}.\n")
        assert run.standings("sales", "new")[0]["nickname_ok"] is True

    def test_a_third_strike_recorded_late_says_the_standing_then_and_now(
            self, run: Cli) -> None:
        """「3.6、禁止在群内发布不良倾向、色情、赌博、病毒链接、无关商业广告及其他有害信息;……一经发现则按照相关条例进行处罚。」"""
        run.ok("admin1", "warn", "sales", "li", "--category", "ads", "--at", at(3, "10:00"))
        run.ok("admin1", "warn", "sales", "li", "--category", "ads", "--at", at(10, "10:00"))

        out = run.ok("admin1", "warn", "sales", "li", "--category", "harmful",
                     "--at", at(5, "10:00"))

        assert out.split("\n")[0] == (
            f"Warned li in sales for harmful at {iso(5, '10:00')}: 2 of 3 strikes, warned; "
            "now 3 of 3 strikes, removal_due.")
        assert run.standings("sales", "li") == [
            row("sales", "li", "销售部-李四", "removal_due", 3, iso(10, "10:00"))]

    def test_quitting_on_purpose_may_be_sanctioned_the_next_morning(self, run: Cli) -> None:
        """「3.7、如果群内成员不停从群管理、执意退群,则以警告处分,退群带来的后果个人承担。」 —
        the member quits first; the head decides the next morning that it was defiance.
        """
        run.ok("li", "member", "leave", "sales", "li", "--at", at(4, "20:00"))
        # Not a moment they were in the group: refused, nothing written.
        assert run.refused("boss", "warn", "sales", "li", "--category", "defiance",
                           "--at", at(4, "20:01")) == error(
            f"li is not in sales at {iso(4, '20:01')}: they left the group: admit them again "
            "first")

        out = run.ok("boss", "warn", "sales", "li", "--category", "defiance",
                     "--reason", "执意退群", "--at", at(4, "20:00"))

        assert out.split("\n")[0] == (f"Warned li in sales for defiance at {iso(4, '20:00')}: "
                                      "1 of 3 strikes, left.")
        assert run.standings("sales", "li") == [
            row("sales", "li", "销售部-李四", "left", 1, iso(4, "20:00"))]
        left, strike = run.history("sales", "li")[1:]
        assert (left["event"], left["occurred_at"], left["actor"]) == (
            "MemberLeft", iso(4, "20:00"), "li")
        assert (strike["event"], strike["occurred_at"], strike["category"], strike["reason"],
                strike["actor"]) == (
            "WarningIssued", iso(4, "20:00"), "defiance", "执意退群", "boss")
        assert strike["recorded_at"] > left["recorded_at"]

    def test_a_leader_who_is_no_admin_gives_a_task(self, run: Cli) -> None:
        """「3.5、领导人在群里下达的当天需要完成或者解决的问题,相关责任人必须在网络畅通的情况下马上予以回复确认」"""
        assert run.refused("manager", "task", "assign", "sales", "li", "--summary", "报价",
                           "--at", at(3, "09:00")) == error(
            "manager may not assign tasks in sales: only the owner or an admin may, or a "
            "leader")
        run.ok("boss", "group", "grant", "sales", "manager", "--role", "leader",
               "--at", at(3, "08:00"))

        task = run.last_id("manager", "task", "assign", "sales", "li", "--summary", "报价",
                           "--at", at(3, "09:00"))
        # An admin records a task the leader gave in the group; the task says who gave it.
        told = run.last_id("admin1", "task", "assign", "sales", "li", "--summary", "对账",
                           "--by", "manager", "--at", at(3, "09:05"))
        assert run.refused("admin1", "task", "assign", "sales", "li", "--summary", "对账",
                           "--by", "li", "--at", at(3, "09:10")) == error(
            "li does not give tasks in sales: a task is given by the owner, an admin or a "
            "leader (grant --role leader first)")
        # A leader gives tasks; sanctions stay with the owner and admins.
        assert run.refused("manager", "warn", "sales", "li", "--category", "ads",
                           "--at", at(3, "09:10")) == error(
            "manager may not warn members in sales: only the owner or an admin may")

        tasks = run.json("task", "list", "--group", "sales", "--as-of", at(3, "09:20"))
        assert sorted((t["task"], t["assigned_by"], t["summary"]) for t in tasks) == sorted([
            (task, "manager", "报价"), (told, "manager", "对账")])
        recorded = run.history("sales", "li")[-1]
        assert (recorded["actor"], recorded["assigned_by"]) == ("admin1", "manager")


class TestR2EstateAsLived:
    """篇二, lived through by the admins of 加侨悦山城."""

    run = TestR2Estate.run  # the same group, set up the same way

    @pytest.mark.parametrize("nickname", ["1102@周x", "1102"])
    def test_the_room_alone_is_a_compliant_nickname(self, run: Cli, nickname: str) -> None:
        """「成员的昵称建议采用“楼号#房号@昵称/名字”的形式」「至少备注房间号,方便群内交流邻里辨析。」"""
        assert run.ok("admin1", "member", "admit", "g9", "zhou", "--nickname", nickname,
                      "--relation", "owner", "--invited-by", "wang", "--verified-by", "admin1",
                      "--at", at(2, "11:00")) == (
            f"Admitted zhou to g9 as {nickname} at {iso(2, '11:00')}.\n")
        assert run.standings("g9", "zhou") == [
            row("g9", "zhou", nickname, "active", 0, iso(2, "11:00"))]


    def test_one_joins_on_an_owners_invitation_and_an_admins_review(self, run: Cli) -> None:
        """「成员入群需证实业主身份,方可入群,接受业主邀请入群,群管理者审核。」 — the inviter is
        an owner in the group (an owner or a resident relative, 「都视为业主」) or one who
        runs it; the verifier is the owner or an admin.
        """
        admit = ("admin1", "member", "admit", "g9", "li", "--nickname", "g9#1001@李x明",
                 "--relation", "family", "--verified-by", "admin1")
        assert run.refused(*admit, "--at", at(3, "10:00")) == error(
            "g9's rules (estate v1) admit members on an invitation: give --invited-by")
        run.ok("wang", "member", "leave", "g9", "wang", "--note", "房屋已出售",
               "--at", at(3, "09:00"))
        for inviter in ("wang", "ghost"):  # an owner who has left, and nobody at all
            assert run.refused(*admit, "--invited-by", inviter, "--at", at(3, "10:00")) == error(
                f"{inviter} may not invite members to g9: under estate v1 only owner or admin "
                "or member may invite")
        assert run.refused("admin1", "member", "admit", "g9", "li", "--nickname",
                           "g9#1001@李x明", "--relation", "family", "--invited-by", "admin1",
                           "--verified-by", "wang", "--at", at(3, "10:00")) == error(
            "wang may not verify members of g9: identity is verified by the owner or an admin")
        assert run.standings("g9") == [
            row("g9", "wang", "g9#1003@王x", "left", 0, iso(3, "09:00"))]

        assert run.ok(*admit, "--invited-by", "owner1", "--at", at(3, "10:00")) == (
            f"Admitted li to g9 as g9#1001@李x明 at {iso(3, '10:00')}.\n")
        # A resident relative, now a member, invites in turn.
        assert run.ok("admin1", "member", "admit", "g9", "zhao", "--nickname", "g9#1201@赵姐",
                      "--relation", "owner", "--invited-by", "li", "--verified-by", "admin1",
                      "--at", at(3, "11:00")) == (
            f"Admitted zhao to g9 as g9#1201@赵姐 at {iso(3, '11:00')}.\n")
        admitted = run.history("g9", "zhao")[0]
        assert (admitted["invited_by"], admitted["verified_by"]) == ("li", "admin1")

    def test_one_resolution_amends_many_groups_in_one_transaction(
            self, run: Cli, tmp_path: Path) -> None:
        """「(八)未尽事宜,经业主之家代表(各群主、楼栋热心楼代表)会议形成决议之后作为群规的补充,具有等同效应。」
        — for the 21 groups at once (「共计21个群」); a resolution recorded late takes effect
        from the day it was passed only where nothing happened since.
        """
        for key in ("g10", "g11"):
            run.ok("owner1", "group", "create", key, "--name", f"加侨业委会{key[1:]}栋业主群",
                   "--owner", "owner1", "--rulebook", "builtin:estate", "--at", at(2, "09:00"))
        run.ok("owner1", "group", "create", "sales", "--name", "销售部工作群", "--owner",
               "owner1", "--rulebook", "builtin:company", "--at", at(2, "09:00"))
        amended = tmp_path / "estate-2026-11.toml"
        text = (Path(__file__).resolve().parents[2] / "ledger" / "rulebooks"
                / "estate.toml").read_text(encoding="utf-8")
        amended.write_text(text.replace("limit = 3\n", "limit = 4\n", 1), encoding="utf-8")

        # g9 admitted wang on the 2nd at 10:00: a resolution of the 1st cannot reach it.
        assert run.refused("owner1", "group", "amend", "--all-groups-with-rulebook",
                           "estate", "--rulebook", str(amended), "--resolution",
                           "业主之家代表会议决议 2026-11 号", "--effective",
                           at(2, "09:30")) == error(
            f"an amendment of g9's rules cannot take effect at {iso(2, '09:30')}, before it "
            f"is recorded: the MemberAdmitted of wang at {iso(2, '10:00')} already happened "
            "and was judged by the rules then in force (give an --effective after it)")
        far = (datetime.now(CST) + timedelta(days=400)).strftime("%Y-%m-%dT00:00")
        assert run.refused("owner1", "group", "amend", "g9", "--rulebook", str(amended),
                           "--resolution", "远期决议", "--effective", f"{far}+08:00") == error(
            f"an amendment cannot take effect at {far}:00+08:00, more than a year ahead: "
            "record it nearer the day (give an --effective within a year)")

        out = run.ok("owner1", "group", "amend", "--all-groups-with-rulebook", "estate",
                     "--rulebook", str(amended), "--resolution", "业主之家代表会议决议 2026-11 号",
                     "--effective", at(3, "00:00"))

        # Recorded now (no --at), effective from the 3rd: the reply names both.
        assert re.fullmatch("".join(
            f"Amended the rules of {key} at {NOW_SHAPE}: estate v2 in force from "
            f"{re.escape(iso(3, '00:00'))} by 业主之家代表会议决议 2026-11 号.\n"
            for key in ("g10", "g11", "g9")), out), out
        assert [(g["group"], g["rulebook"]) for g in run.json("group", "list")] == [
            ("g10", "estate v2"), ("g11", "estate v2"), ("g9", "estate v2"),
            ("sales", "company v1")]
        # Three strikes now leave a member warned: the amended limit is 4.
        for day in (4, 5, 6):
            run.ok("admin1", "warn", "g9", "wang", "--category", "flooding",
                   "--at", at(day, "10:00"))
        assert run.standings("g9", "wang")[0]["status"] == "warned"


class TestR3CorporateAsLived:
    """篇三, lived through by 重庆实业集团's 行政人事部 and 总裁办."""

    run = TestR3Corporate.run  # the same group, set up the same way

    def test_an_executive_promoted_later_is_exempted_by_a_recorded_event(
            self, run: Cli) -> None:
        """「群昵称命名规则:部门〔huzhidao.com〕+员工姓名,例如:行政人事部-张某某(总裁、副总裁、各分管副总直接使用姓名)。」"""
        run.ok("admin1", "member", "admit", "hq", "wang", "--nickname", "王建国",
               "--verified-by", "admin1", "--at", at(6, "12:00", month=1))
        run.ok("admin1", "member", "remind", "hq", "wang", "--at", at(7, "09:00", month=1))
        assert run.refused("zhang", "member", "exempt", "hq", "wang", "--exemption",
                           "executive", "--at", at(1, "09:00", month=3)) == error(
            "zhang may not grant nickname exemptions in hq: only the owner or an admin may")
        assert run.refused("admin1", "member", "exempt", "hq", "wang", "--exemption", "ceo",
                           "--at", at(1, "09:00", month=3)) == error(
            "unknown nickname exemption 'ceo': this rulebook knows executive")

        assert run.ok("admin1", "member", "exempt", "hq", "wang", "--exemption", "executive",
                      "--at", at(1, "09:00", month=3)) == (
            f"Exempted wang in hq (executive) as 王建国 at {iso(1, '09:00', month=3)}. The "
            "nickname follows the rules.\n")

        assert run.standings("hq", "wang") == [
            row("hq", "wang", "王建国", "active", 0, iso(6, "12:00", month=1),
                review_due=True)]
        exempted = run.history("hq", "wang")[-1]
        assert (exempted["event"], exempted["exemption"], exempted["nickname_ok"],
                exempted["occurred_at"]) == (
            "NicknameExemptionGranted", "executive", True, iso(1, "09:00", month=3))
        assert run.refused("admin1", "member", "exempt", "hq", "wang", "--exemption",
                           "executive", "--at", at(2, "09:00", month=3)) == error(
            f"wang already holds the nickname exemption executive in hq at "
            f"{iso(2, '09:00', month=3)}: nothing to grant")
        # Before the grant the plain name did not comply: the past reads as it was.
        before = run.json("project", "standings", "--member", "wang",
                          "--as-of", at(28, "09:00", month=2))
        assert [(r["nickname_ok"], r["reminders"]) for r in before] == [(False, 1)]

    def test_the_supervising_office_cautions_a_minor_violation_without_a_strike(
            self, run: Cli) -> None:
        """「第十二条 集团总裁办、项目总经办负责对微信群进行日常监督,对一般违规行为进行善意提醒,对严重违规行为及时提出处理意见。」"""
        assert run.refused("zhang", "member", "caution", "hq", "zhang", "--category",
                           "off_topic", "--reason", "闲聊", "--at", at(7, "10:00", month=1)) \
            == error("zhang may not caution members in hq: only the owner or an admin may, "
                     "or a reviewer")
        run.ok("hr", "group", "grant", "hq", "总裁办-刘敏", "--role", "reviewer",
               "--at", at(7, "09:00", month=1))

        out = run.ok("总裁办-刘敏", "member", "caution", "hq", "zhang", "--category",
                     "off_topic", "--reason", "工作群内闲聊，善意提醒",
                     "--at", at(7, "10:00", month=1))

        caution = out.rstrip("\n").split("\n")[-1]
        assert out == (f"Cautioned zhang in hq for off_topic at {iso(7, '10:00', month=1)}: no "
                       f"strike (0 of 3 strikes, active).\n{caution}\n")
        assert run.json("project", "strikes", "--group", "hq") == []
        cautioned = run.history("hq", "zhang")[-1]
        assert (cautioned["event"], cautioned["actor"], cautioned["caution_id"],
                cautioned["category"], cautioned["reason"]) == (
            "CautionIssued", "总裁办-刘敏", caution, "off_topic", "工作群内闲聊，善意提醒")
        assert [e["event"] for e in run.json("dossier", "zhang")["events"]] == [
            "MemberAdmitted", "CautionIssued"]
        # The office flags a serious one (处理意见); the admins decide.
        flag = run.last_id("总裁办-刘敏", "flag", "raise", "hq", "zhang", "--category",
                           "personal_attack", "--at", at(8, "10:00", month=1))
        assert [(f["flag"], f["raised_by"], f["category"], f["state"])
                for f in run.json("flag", "list", "--group", "hq")] == [
            (flag, "总裁办-刘敏", "personal_attack", "open")]

    def test_creation_is_approved_and_filed_and_group_show_says_so(self, run: Cli) -> None:
        """「第四条 建立相关职能的微信群:」「5. 项目营销微信平台:由项目营销策划相关人员、客户组成,需报集团营销副总同意后建立,并报集团行政人事部备案。」"""
        run.ok("hr", "group", "create", "mkt", "--name", "项目营销微信平台", "--owner", "hr",
               "--rulebook", "builtin:corporate", "--approved-by", "营销副总-陈刚",
               "--filed-with", "集团行政人事部备案 2026-02", "--at", at(1, "09:00", month=2))
        run.ok("hr", "group", "grant", "mkt", "admin1", "--role", "admin",
               "--at", at(1, "09:05", month=2))
        run.ok("admin1", "member", "admit", "mkt", "li", "--nickname", "营销部-李四",
               "--verified-by", "admin1", "--at", at(1, "10:00", month=2))
        run.ok("admin1", "member", "leave", "mkt", "li", "--at", at(2, "10:00", month=2))

        assert run.ok(None, "group", "show", "mkt") == (
            "mkt: 项目营销微信平台, owned by hr, registered 2026-02-01T09:00:00+08:00.\n"
            "Approved by 营销副总-陈刚; filed with 集团行政人事部备案 2026-02.\n"
            "Rules in force: corporate v1 (重庆实业集团微信群管理办法 (corporate work groups)) "
            "from builtin:corporate, since 2026-02-01T09:00:00+08:00.\n"
            "Members: left 1.\n"
            "\n"
            "role   member  since\n"
            "-----  ------  -------------------------\n"
            "owner  hr      2026-02-01T09:00:00+08:00\n"
            "admin  admin1  2026-02-01T09:05:00+08:00\n")
        shown = run.json("group", "show", "mkt")
        assert (shown["approved_by"], shown["filed_with"], shown["members"]) == (
            "营销副总-陈刚", "集团行政人事部备案 2026-02",
            {"active": 0, "warned": 0, "removal_due": 0, "temporarily_removed": 0,
             "removed": 0, "left": 1})
        assert run.ok(None, "group", "list") == (
            "group  name              rulebook      owner  members  admins\n"
            "-----  ----------------  ------------  -----  -------  ------\n"
            "hq     集团工作群        corporate v1  hr     1        admin1\n"
            "mkt    项目营销微信平台  corporate v1  hr     0        admin1\n")
        assert run.ok(None, "member", "list", "hq") == (
            "member  nickname           status  strikes  since                      "
            "nickname_ok  reminders\n"
            "------  -----------------  ------  -------  -------------------------  "
            "-----------  ---------\n"
            "zhang   行政人事部-张某某  active  0        2026-01-06T10:00:00+08:00  "
            "yes          0\n")
        assert run.json("member", "list", "mkt", "--status", "active") == []
        assert [m["member"] for m in run.json("member", "list", "mkt", "--status", "left")] \
            == ["li"]


class TestR4RefereesAsLived:
    """篇四, lived through by the referees' group owners."""

    run = TestR4Referees.run  # the same group, set up the same way

    @pytest.mark.parametrize("moment, shown, window", [
        (at(THU, "21:30"), "Thu 21:30", "thu 21:00–22:30"),
        (at(TUE, "07:30"), "Tue 07:30", "daily 00:00–07:30"),
    ])
    def test_a_warning_for_off_hours_inside_a_window_is_refused(
            self, run: Cli, moment: str, shown: str, window: str) -> None:
        """「5、要求大家发信息的时间是每天午夜的0:00开始到7:30」「同时定位策划技术交流访谈时间为每周四21:00-22:30。」"""
        assert run.refused("jzl", "warn", "mf", "wu", "--category", "off_hours",
                           "--at", moment) == error(
            f"a message at {shown} (Asia/Shanghai) is inside the allowed window {window}: it "
            "is not off_hours (give --at the time the message was posted)")

    def test_a_warning_for_off_hours_a_second_after_the_window_stands(self, run: Cli) -> None:
        """「要求大家发信息的时间是每天午夜的0:00开始到7:30」「其他时间请不要闲聊。」"""
        out = run.ok("jzl", "warn", "mf", "wu", "--category", "off_hours",
                     "--at", at(TUE, "07:30:01"))
        assert out.split("\n")[0] == (f"Warned wu in mf for off_hours at 2026-11-{TUE}T07:30:01"
                                      "+08:00: 1 of 3 strikes, warned.")

    def test_ignored_reminders_are_counted_and_never_a_sanction(self, run: Cli) -> None:
        """「3、所有群员在进入本微信群后,一律以“地区-姓名”为群昵称。」 — no sanction named."""
        for n in (1, 2, 3):
            run.ok("jzl", "member", "remind", "mf", "wu", "--at", at(2 + n, "06:00"))
        assert run.standings("mf", "wu") == [row(
            "mf", "wu", "吴老师", "active", 0, iso(2, "10:00"), nickname_ok=False, reminders=3)]
