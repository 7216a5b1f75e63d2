"""Sanctions, corrections and appeals through the CLI, as R2 reads: 「对违反群规者，一次、
二次予以警告，第三次管理员有权直接移除出群」 — and what the ledger adds to it: a sanction
has an id and a story, the one who issued it may withdraw a mistake, the member may
appeal, and a reviewer who had no part in the case decides. Nothing is ever rewritten:
corrections and decisions are new events.

Every command gives `--at` in China Standard Time; a refusal is exit 1, one `Error: …`
line, and writes nothing (`Cli.refused` checks all three).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_rulebook_scenarios import Cli, at, error, iso, row


@pytest.fixture
def g9(tmp_path: Path) -> Cli:
    """An estate group (R2) with an owner, two admins, a reviewer and three owners as
    members; wx_li has two strikes: one from a confirmed flag, one warned directly.
    """
    run = Cli(str(tmp_path / "ledger.db"))
    run.ok("owner1", "group", "create", "g9", "--name", "加侨业委会9栋业主群", "--owner",
           "owner1", "--rulebook", "builtin:estate", "--at", at(20, "09:00"))
    for person, role in (("admin1", "admin"), ("admin2", "admin"), ("rev1", "reviewer")):
        run.ok("owner1", "group", "grant", "g9", person, "--role", role, "--at", at(20, "09:05"))
    for person, room in (("wx_wang", "1003@王x"), ("wx_li", "1001@李x明"), ("wx_zhou", "0801@周x")):
        run.ok("admin1", "member", "admit", "g9", person, "--nickname", f"g9#{room}",
               "--relation", "owner", "--invited-by", "admin1", "--verified-by", "admin1",
               "--at", at(20, "10:00"))
    run.flag = run.last_id("wx_wang", "flag", "raise", "g9", "wx_li", "--category",
                           "risky_link", "--message", "m-778", "--excerpt", "砍一刀",
                           "--at", at(22, "20:15"))
    run.first = run.last_id("admin1", "flag", "confirm", run.flag, "--at", at(22, "21:00"))
    run.second = run.last_id("admin2", "warn", "g9", "wx_li", "--category", "flooding",
                             "--at", at(23, "09:00"))
    return run


def stored_events(store: str) -> list[tuple[int, bytes]]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT rowid, state FROM stored_events ORDER BY rowid").fetchall()


class TestSanctionsHaveIdsAndAStory:
    def test_the_story_names_the_flag_the_message_the_rule_and_what_happened_since(
            self, g9: Cli) -> None:
        appeal = g9.last_id("wx_li", "appeal", "file", g9.first[:8], "--grounds", "是物业通知",
                            "--at", at(24, "09:00"))

        shown = g9.ok(None, "sanction", "show", g9.first[:8])

        lines = shown.splitlines()
        assert lines[0] == f"Sanction {g9.first}: warning of wx_li in g9"
        assert lines[1] == ("  issued     2026-11-22T21:00:00+08:00 by admin1: risky_link "
                            "(风险链接), weight 1, under estate v1")
        assert lines[2].startswith("  rule       第三条(三)严禁发布各类有偿读新闻")
        assert lines[3:7] == [
            f"  flagged    2026-11-22T20:15:00+08:00 by wx_wang: flag {g9.flag[:8]}, "
            "message m-778, excerpt 砍一刀",
            "  confirmed  2026-11-22T21:00:00+08:00 by admin1",
            "  state      live (weight 1)",
            "Since:"]
        assert lines[7] == (f"  2026-11-24T09:00:00+08:00  AppealFiled by wx_li: appeal_id="
                            f"{appeal}; sanction_id={g9.first}; grounds=是物业通知")

    def test_an_unknown_sanction_is_refused(self, g9: Cli) -> None:
        assert g9.refused("wx_li", "appeal", "file", "abcd1234", "--grounds", "x") == error(
            "no sanction has an id starting with abcd1234: check the id")


class TestRescission:
    """The admin who issued a warning, or the owner, withdraws a mistake."""

    def test_the_issuer_rescinds_and_the_strike_stops_counting(self, g9: Cli) -> None:
        out = g9.ok("admin2", "sanction", "rescind", g9.second, "--reason", "看错了人",
                    "--at", at(23, "10:00"))

        assert out == (f"Rescinded warning {g9.second[:8]} of wx_li in g9 at {iso(23, '10:00')}: "
                       "1 of 3 strikes, warned.\n")
        assert [s["state"] for s in g9.json("project", "strikes", "--member", "wx_li")] == [
            "live", "rescinded"]
        assert g9.json("project", "strikes", "--state", "rescinded")[0]["case"] == g9.second

    def test_the_owner_may_rescind_what_an_admin_issued(self, g9: Cli) -> None:
        g9.ok("owner1", "sanction", "rescind", g9.second, "--reason", "误判", "--at", at(23, "10:00"))

        assert g9.standings("g9", "wx_li")[0]["strikes"] == 1

    def test_another_admin_may_not_rescind_and_nothing_is_written(self, g9: Cli) -> None:
        assert g9.refused("admin1", "sanction", "rescind", g9.second, "--reason", "x") == error(
            f"admin1 may not rescind sanction {g9.second[:8]} in g9: only admin2, who issued "
            "it, or the owner may (an appeal goes to a reviewer: 'ledger appeal file')")

    def test_a_sanction_is_rescinded_once(self, g9: Cli) -> None:
        g9.ok("admin2", "sanction", "rescind", g9.second, "--reason", "x", "--at", at(23, "10:00"))

        assert g9.refused("admin2", "sanction", "rescind", g9.second, "--reason", "x") == error(
            f"sanction {g9.second[:8]} was already rescinded: there is nothing left to rescind")


class TestAppeals:
    """「第三次管理员有权直接移除出群」, and a reviewer's decision on it."""

    def third_strike(self, g9: Cli) -> str:
        return g9.last_id("admin2", "warn", "g9", "wx_li", "--category", "rumor",
                          "--at", at(23, "12:00"))

    def test_an_overturned_third_strike_takes_a_member_from_removal_due_back_to_warned(
            self, g9: Cli) -> None:
        third = self.third_strike(g9)
        assert g9.standings("g9", "wx_li")[0]["status"] == "removal_due"
        appeal = g9.last_id("wx_li", "appeal", "file", third, "--grounds", "不是谣言，是停水通知",
                            "--at", at(24, "09:00"))

        out = g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "overturned",
                    "--rationale", "物业确有停水通知", "--at", at(25, "10:00"))

        assert out == (f"Decided appeal {appeal[:8]} against {third[:8]} at {iso(25, '10:00')}: "
                       "overturned. wx_li in g9: 2 of 3 strikes, warned.\n")
        assert g9.standings("g9", "wx_li") == [
            row("g9", "wx_li", "g9#1001@李x明", "warned", 2, iso(25, "10:00"))]
        assert [s["state"] for s in g9.json("project", "strikes", "--member", "wx_li")] == [
            "live", "live", "overturned"]

    def test_before_the_decision_the_old_standing_holds(self, g9: Cli) -> None:
        third = self.third_strike(g9)
        appeal = g9.last_id("wx_li", "appeal", "file", third, "--grounds", "x",
                            "--at", at(24, "09:00"))
        known = g9.json("project", "strikes", "--member", "wx_li")  # noqa: F841 (warms views)
        from datetime import datetime, timezone
        before_recording = datetime.now(timezone.utc).isoformat()
        g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "overturned", "--rationale", "x",
              "--at", at(25, "10:00"))

        as_of_before = g9.json("project", "standings", "--member", "wx_li",
                               "--as-of", at(25, "09:00"))
        known_before = g9.json("project", "standings", "--member", "wx_li",
                               "--known-at", before_recording)
        strikes_known_before = g9.json("project", "strikes", "--member", "wx_li",
                                       "--known-at", before_recording)

        assert as_of_before[0]["status"] == known_before[0]["status"] == "removal_due"
        assert [s["state"] for s in strikes_known_before] == ["live", "live", "live"]
        assert g9.standings("g9", "wx_li")[0]["status"] == "warned"

    def test_a_reduced_removal_becomes_a_warning_and_the_member_is_due_readmission(
            self, g9: Cli) -> None:
        removal = g9.last_id("admin1", "member", "remove", "g9", "wx_zhou", "--reason", "辱骂邻居",
                             "--at", at(23, "22:00"))
        appeal = g9.last_id("admin1", "appeal", "file", removal, "--grounds", "只是争吵",
                            "--at", at(24, "09:00"))

        g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "reduced", "--rationale",
              "改为警告", "--at", at(25, "10:00"))

        assert g9.standings("g9", "wx_zhou") == [
            row("g9", "wx_zhou", "g9#0801@周x", "readmission_due", 1, iso(25, "10:00"))]
        g9.ok("admin1", "member", "readmit", "g9", "wx_zhou", "--at", at(25, "11:00"))
        assert g9.standings("g9", "wx_zhou") == [
            row("g9", "wx_zhou", "g9#0801@周x", "warned", 1, iso(25, "11:00"))]

    def test_an_overturned_removal_makes_the_member_due_readmission(self, g9: Cli) -> None:
        removal = g9.last_id("admin1", "member", "remove", "g9", "wx_zhou", "--reason", "x",
                             "--at", at(23, "22:00"))
        appeal = g9.last_id("wx_zhou", "appeal", "file", removal, "--grounds", "y",
                            "--at", at(24, "09:00"))

        g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "overturned", "--rationale", "z",
              "--at", at(25, "10:00"))

        assert g9.standings("g9", "wx_zhou")[0]["status"] == "readmission_due"

    def test_upheld_changes_nothing_but_the_record(self, g9: Cli) -> None:
        appeal = g9.last_id("wx_li", "appeal", "file", g9.second, "--grounds", "x",
                            "--at", at(24, "09:00"))
        before = g9.standings("g9", "wx_li")

        g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "upheld", "--rationale", "属实",
              "--at", at(25, "10:00"))

        assert g9.standings("g9", "wx_li") == before
        assert [(a["state"], a["decided_by"]) for a in g9.json("appeal", "list")] == [
            ("upheld", "rev1")]

    def test_nothing_in_the_log_is_rewritten(self, g9: Cli) -> None:
        appeal = g9.last_id("wx_li", "appeal", "file", g9.first, "--grounds", "x",
                            "--at", at(24, "09:00"))
        before = stored_events(g9.store)

        g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "overturned", "--rationale", "y",
              "--at", at(25, "10:00"))
        g9.ok("admin2", "sanction", "rescind", g9.second, "--reason", "z",
              "--at", at(25, "11:00"))

        after = stored_events(g9.store)
        assert after[:len(before)] == before
        assert len(after) == len(before) + 2

    def test_the_queue_lists_open_appeals_oldest_first(self, g9: Cli) -> None:
        older = g9.last_id("wx_li", "appeal", "file", g9.second, "--grounds", "x",
                           "--at", at(24, "09:00"))
        newer = g9.last_id("wx_li", "appeal", "file", g9.first, "--grounds", "y",
                           "--at", at(24, "10:00"))
        decided = g9.last_id("admin2", "warn", "g9", "wx_zhou", "--category", "rumor",
                             "--at", at(23, "12:00"))
        closed = g9.last_id("wx_zhou", "appeal", "file", decided, "--grounds", "z",
                            "--at", at(23, "13:00"))
        g9.ok("rev1", "appeal", "decide", closed, "--outcome", "upheld", "--rationale", "r",
              "--at", at(23, "14:00"))

        queue = g9.json("appeal", "list", "--group", "g9", "--open")

        assert [a["appeal"] for a in queue] == [older, newer]
        assert all(a["state"] == "open" and a["age_days"] >= 6 for a in queue)
        assert [a["appeal"] for a in g9.json("appeal", "list")] == [closed, older, newer]


class TestSeparationOfDuties:
    """The reviewer never decides a case they had a part in; each refusal writes nothing."""

    @pytest.fixture
    def appeal(self, g9: Cli) -> str:
        return g9.last_id("wx_li", "appeal", "file", g9.first, "--grounds", "x",
                          "--at", at(24, "09:00"))

    @pytest.mark.parametrize(("person", "parts"), [
        ("admin1", "confirmed the flag behind it and issued the sanction"),
        ("wx_wang", "raised the flag behind it"),
    ])
    def test_a_reviewer_who_had_a_part_in_the_case_may_not_decide_it(
            self, g9: Cli, appeal: str, person: str, parts: str) -> None:
        g9.ok("owner1", "group", "grant", "g9", person, "--role", "reviewer",
              "--at", at(24, "10:00"))

        assert g9.refused(person, "appeal", "decide", appeal, "--outcome", "overturned",
                          "--rationale", "x") == error(
            f"{person} may not decide the appeal against sanction {g9.first[:8]}: they "
            f"{parts}; another reviewer decides it")

    def test_a_reviewer_who_seconded_the_flag_may_not_decide_either(self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "wx_zhou", "--role", "reviewer",
              "--at", at(22, "09:00"))
        flag = g9.last_id("wx_wang", "flag", "raise", "g9", "wx_li", "--category", "rumor",
                          "--message", "m-900", "--at", at(24, "08:00"))
        g9.ok("wx_zhou", "flag", "raise", "g9", "wx_li", "--category", "rumor",
              "--message", "m-900", "--at", at(24, "08:05"))
        warning = g9.last_id("admin1", "flag", "confirm", flag, "--at", at(24, "09:00"))
        appeal = g9.last_id("wx_li", "appeal", "file", warning, "--grounds", "x",
                            "--at", at(24, "10:00"))

        assert g9.refused("wx_zhou", "appeal", "decide", appeal, "--outcome", "overturned",
                          "--rationale", "x") == error(
            f"wx_zhou may not decide the appeal against sanction {warning[:8]}: they raised "
            "the flag behind it; another reviewer decides it")

    def test_a_rescinded_sanction_is_not_decided(self, g9: Cli, appeal: str) -> None:
        g9.ok("admin1", "sanction", "rescind", g9.first, "--reason", "误判",
              "--at", at(24, "12:00"))

        assert g9.refused("rev1", "appeal", "decide", appeal, "--outcome", "upheld",
                          "--rationale", "x") == error(
            f"sanction {g9.first[:8]} was already rescinded: there is nothing left to decide")

    def test_the_one_who_issued_a_direct_warning_may_not_decide_its_appeal(
            self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "admin2", "--role", "reviewer",
              "--at", at(24, "10:00"))
        appeal = g9.last_id("wx_li", "appeal", "file", g9.second, "--grounds", "x",
                            "--at", at(24, "11:00"))

        assert g9.refused("admin2", "appeal", "decide", appeal, "--outcome", "upheld",
                          "--rationale", "x") == error(
            f"admin2 may not decide the appeal against sanction {g9.second[:8]}: they issued "
            "the sanction; another reviewer decides it")

    def test_only_a_reviewer_decides(self, g9: Cli, appeal: str) -> None:
        assert g9.refused("owner1", "appeal", "decide", appeal, "--outcome", "upheld",
                          "--rationale", "x") == error(
            "owner1 may not decide appeals in g9: only a reviewer may")

    def test_a_decided_appeal_is_closed(self, g9: Cli, appeal: str) -> None:
        g9.ok("rev1", "appeal", "decide", appeal, "--outcome", "upheld", "--rationale", "x",
              "--at", at(25, "10:00"))

        assert g9.refused("rev1", "appeal", "decide", appeal, "--outcome", "overturned",
                          "--rationale", "x") == error(
            f"appeal {appeal[:8]} was already decided (upheld): an appeal is decided once")

    def test_a_weight_not_below_the_original_is_refused(self, g9: Cli, appeal: str) -> None:
        assert g9.refused("rev1", "appeal", "decide", appeal, "--outcome", "reduced",
                          "--weight", "2", "--rationale", "x") == error(
            "--weight 2 is not below the warning's weight of 1: a reduction gives a lower "
            "weight")

    def test_one_open_appeal_per_sanction(self, g9: Cli, appeal: str) -> None:
        assert g9.refused("wx_li", "appeal", "file", g9.first, "--grounds", "again",
                          "--at", at(24, "10:00")) == error(
            f"sanction {g9.first[:8]} is already under appeal ({appeal[:8]}, filed "
            "2026-11-24T09:00:00+08:00): one open appeal per sanction")

    def test_only_the_member_concerned_or_an_admin_files(self, g9: Cli) -> None:
        assert g9.refused("wx_wang", "appeal", "file", g9.first, "--grounds", "x") == error(
            "wx_wang may not file appeals for others in g9: only the owner or an admin may, "
            "or the member concerned")

    def test_a_moderator_may_not_decide_a_flag_raised_against_themselves(
            self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "wx_zhou", "--role", "admin",
              "--at", at(22, "09:00"))
        flag = g9.last_id("wx_wang", "flag", "raise", "g9", "wx_zhou", "--category", "rumor",
                          "--at", at(22, "10:00"))

        assert g9.refused("wx_zhou", "flag", "confirm", flag) == error(
            "wx_zhou may not confirm a flag raised against themselves: another admin or the "
            "owner decides it")
        assert g9.refused("wx_zhou", "flag", "dismiss", flag, "--reason", "x") == error(
            "wx_zhou may not dismiss a flag raised against themselves: another admin or the "
            "owner decides it")


WINDOWED = """
name = "windowed"
title = "申诉期三十天"
[appeals]
window_days = 30
[categories.rumor]
zh = "谣言"
en = "rumour"
weight = 2
"""


class TestUnderARulebookWithAnAppealWindow:
    @pytest.fixture
    def run(self, tmp_path: Path) -> Cli:
        book = tmp_path / "windowed.toml"
        book.write_text(WINDOWED, encoding="utf-8")
        run = Cli(str(tmp_path / "w.db"))
        run.ok("o", "group", "create", "w", "--name", "群", "--owner", "o", "--rulebook",
               str(book), "--at", at(1, "09:00", month=9))
        run.ok("o", "group", "grant", "w", "r", "--role", "reviewer", "--at", at(1, "09:00", 9))
        run.ok("o", "member", "admit", "w", "m", "--nickname", "m", "--at", at(1, "10:00", 9))
        return run

    def test_a_reduced_warning_weighs_less(self, run: Cli) -> None:
        warning = run.last_id("o", "warn", "w", "m", "--category", "rumor",
                              "--at", at(2, "10:00", 9))
        appeal = run.last_id("m", "appeal", "file", warning, "--grounds", "x",
                             "--at", at(3, "10:00", 9))

        run.ok("r", "appeal", "decide", appeal, "--outcome", "reduced", "--weight", "1",
               "--rationale", "情节轻微", "--at", at(4, "10:00", 9))

        assert [(s["state"], s["weight"]) for s in run.json("project", "strikes")] == [
            ("reduced", 1)]
        assert run.standings("w")[0]["strikes"] == 1

    def test_an_appeal_after_the_window_is_refused_naming_it(self, run: Cli) -> None:
        warning = run.last_id("o", "warn", "w", "m", "--category", "rumor",
                              "--at", at(2, "10:00", 9))

        assert run.refused("m", "appeal", "file", warning, "--grounds", "x",
                           "--at", at(3, "10:00", 10)) == error(
            f"the appeal window of 30 days under windowed v1 closed at "
            f"2026-10-02T10:00:00+08:00 for sanction {warning[:8]} (issued "
            "2026-09-02T10:00:00+08:00): too late to appeal")
        run.last_id("m", "appeal", "file", warning, "--grounds", "x", "--at", at(2, "10:00", 10))


class TestOneMessageIsOneViolation:
    def test_three_owners_reporting_one_message_give_one_strike(self, g9: Cli) -> None:
        flag = g9.last_id("wx_wang", "flag", "raise", "g9", "wx_zhou", "--category", "rumor",
                          "--message", "m-900", "--at", at(24, "08:00"))
        out = g9.ok("wx_li", "flag", "raise", "g9", "wx_zhou", "--category", "rumor",
                    "--message", "m-900", "--at", at(24, "08:05"))
        again = g9.last_id("admin2", "flag", "raise", "g9", "wx_zhou", "--category", "rumor",
                           "--message", "m-900", "--at", at(24, "08:10"))

        g9.ok("admin1", "flag", "confirm", flag, "--at", at(24, "09:00"))

        assert out == (f"m-900 of wx_zhou in g9 is already flagged: wx_li's report at "
                       f"{iso(24, '08:05')} joins flag {flag[:8]}.\n{flag}\n")
        assert again == flag
        assert len(g9.json("flag", "list", "--member", "wx_zhou")) == 1
        assert g9.standings("g9", "wx_zhou")[0]["strikes"] == 1
        seconded = [(e["actor"], e["occurred_at"]) for e in g9.history("g9", "wx_zhou")
                    if e["event"] == "FlagSeconded"]
        assert seconded == [("wx_li", iso(24, "08:05")), ("admin2", iso(24, "08:10"))]

    def test_a_second_sanction_for_the_same_message_is_refused_naming_the_first(
            self, g9: Cli) -> None:
        assert g9.refused("admin2", "warn", "g9", "wx_li", "--category", "risky_link",
                          "--message", "m-778") == error(
            f"message m-778 of wx_li in g9 already earned sanction {g9.first[:8]}: one "
            "message is one violation")


class TestRolesThatMeanSomething:
    def test_a_secretary_reminds_and_raises_flags_a_reviewer_raises_flags(
            self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "sec1", "--role", "secretary",
              "--at", at(21, "09:00"))
        g9.ok("admin1", "member", "rename", "g9", "wx_wang", "王x", "--at", at(21, "10:00"))

        g9.ok("sec1", "member", "remind", "g9", "wx_wang", "--at", at(21, "11:00"))
        g9.last_id("sec1", "flag", "raise", "g9", "wx_wang", "--category", "rumor",
                   "--at", at(21, "12:00"))
        g9.last_id("rev1", "flag", "raise", "g9", "wx_wang", "--category", "flooding",
                   "--at", at(21, "13:00"))

        assert g9.refused("sec1", "warn", "g9", "wx_wang", "--category", "rumor") == error(
            "sec1 may not warn members in g9: only the owner or an admin may")

    def test_an_admin_who_is_removed_loses_the_use_of_their_roles_until_readmitted(
            self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "wx_zhou", "--role", "admin",
              "--at", at(21, "09:00"))
        g9.ok("owner1", "member", "remove", "g9", "wx_zhou", "--reason", "人事变动",
              "--at", at(21, "10:00"))

        assert g9.refused("wx_zhou", "warn", "g9", "wx_wang", "--category", "rumor") == error(
            "wx_zhou may not warn members in g9: they hold admin but are out of the group "
            "(removed or left), and use it again once readmitted")
        g9.ok("owner1", "member", "readmit", "g9", "wx_zhou", "--at", at(21, "11:00"))
        g9.last_id("wx_zhou", "warn", "g9", "wx_wang", "--category", "rumor",
                   "--at", at(21, "12:00"))


class TestR2Quarrel:
    """「对于群内争吵较严重群内劝阻无效者实行临时出群措施，待矛盾调解缓和后再行邀约进群」:
    a quarrel that will not stop, temporary removal, mediation, re-invitation.
    """

    def test_the_quarrel_from_opening_to_reinvitation(self, g9: Cli) -> None:
        g9.ok("owner1", "group", "grant", "g9", "sec1", "--role", "secretary",
              "--at", at(21, "09:00"))
        dispute = g9.last_id("admin1", "dispute", "open", "g9", "--parties", "wx_li,wx_zhou",
                             "--summary", "停车位争吵", "--at", at(23, "21:00"))
        removed = [g9.ok("admin1", "member", "remove", "g9", who, "--temporary", "--dispute",
                         dispute[:8], "--reason", "争吵劝阻无效", "--at", at(23, "22:00"))
                   for who in ("wx_li", "wx_zhou")]
        g9.ok("sec1", "dispute", "note", dispute[:8], "--text", "双方同意周六面谈",
              "--at", at(24, "10:00"))
        readmitted = g9.ok("admin1", "member", "readmit", "g9", "wx_li", "--dispute", dispute,
                           "--note", "调解后重新邀请", "--at", at(25, "18:00"))

        resolved = g9.ok("admin1", "dispute", "resolve", dispute, "--outcome", "mediated",
                         "--text", "已和解", "--at", at(25, "19:00"))

        assert removed[0].splitlines()[0] == (f"Temporarily removed wx_li from g9 at "
                                              f"{iso(23, '22:00')}: 争吵劝阻无效 "
                                              f"(dispute {dispute[:8]})")
        assert readmitted == (f"Readmitted wx_li to g9 at {iso(25, '18:00')} "
                              f"(dispute {dispute[:8]}).\n")
        assert resolved == (f"Resolved dispute {dispute[:8]} in g9 at {iso(25, '19:00')}: "
                            "mediated. Awaiting re-admission: wx_zhou.\n")
        file = g9.json("project", "disputes", "--member", "wx_zhou")
        assert [(e["kind"], e["actor"], e["case"] if e["kind"].startswith("dispute") else None,
                 e["note"]) for e in file] == [
            ("dispute", "admin1", dispute, "停车位争吵"),
            ("temporary_removal", "admin1", None, f"争吵劝阻无效 (dispute {dispute[:8]})"),
            ("dispute_note", "sec1", dispute, "双方同意周六面谈"),
            ("dispute_mediated", "admin1", dispute, "已和解")]
        assert g9.standings("g9", "wx_zhou")[0]["status"] == "temporarily_removed"

    def test_a_temporary_removal_without_a_dispute_is_allowed_and_shows_as_such(
            self, g9: Cli) -> None:
        g9.ok("admin1", "member", "remove", "g9", "wx_li", "--temporary", "--reason", "争吵",
              "--at", at(23, "22:00"))

        assert [(e["kind"], e["note"]) for e in g9.json("project", "disputes")] == [
            ("temporary_removal", "争吵")]

    def test_wrong_uses_are_refused_and_write_nothing(self, g9: Cli) -> None:
        dispute = g9.last_id("admin1", "dispute", "open", "g9", "--parties", "wx_li,wx_zhou",
                             "--summary", "争吵", "--at", at(23, "21:00"))

        assert g9.refused("admin1", "dispute", "open", "g9", "--parties", "wx_li,wx_nobody",
                          "--summary", "x") == error(
            "wx_nobody was never admitted to g9: a dispute is between members of the group")
        assert g9.refused("admin1", "dispute", "open", "g9", "--parties", "wx_li",
                          "--summary", "x") == error(
            "a dispute has two or more different parties: give --parties M1,M2[,…]")
        assert g9.refused("wx_li", "dispute", "note", dispute, "--text", "x") == error(
            "wx_li may not note disputes in g9: only the owner, an admin or a secretary may")
        assert g9.refused("admin1", "member", "remove", "g9", "wx_wang", "--temporary",
                          "--dispute", dispute, "--reason", "x") == error(
            f"wx_wang is not a party to dispute {dispute[:8]} (in g9, between wx_li, wx_zhou)")
        g9.ok("admin1", "dispute", "resolve", dispute, "--outcome", "withdrawn", "--text", "撤回",
              "--at", at(23, "23:00"))
        assert g9.refused("admin1", "dispute", "resolve", dispute, "--outcome", "mediated",
                          "--text", "x") == error(
            f"dispute {dispute[:8]} was already resolved (withdrawn): there is nothing left "
            "to resolve")
        assert g9.refused("admin1", "dispute", "note", "abcd1234", "--text", "x") == error(
            "no dispute has an id starting with abcd1234: check the id")
