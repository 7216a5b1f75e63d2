"""A rulebook anyone may write cannot hang the ledger or poison a read: `rulebook check`
refuses numbers past what a view can hold, patterns that backtrack without end or nest too
deep, and control characters in rule text, each in one line naming the key; and a pattern
is matched with a timeout, so a nickname cannot hang a command either.
"""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from tests.cli.support import event_count, ok, run

BASE = '''name = "mine"
title = "我们的群规"

[categories.ads]
zh = "广告"
en = "advertising"

[categories.nickname]
zh = "昵称不规范"
en = "non-compliant nickname"
'''


def _check(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return run(str(tmp_path / "unused.db"), "rulebook", "check", str(path)), path


@pytest.mark.parametrize("section, key, value, limit", [
    ("review", "period_days", "9223372036854775807", "36500"),
    ("strikes", "expire_after_days", "100000", "36500"),
    ("strikes", "limit", "1000000000000000000000000000000", "100"),
    ("tasks", "response_minutes", "99999999999", "527040"),
])
def test_a_number_past_what_the_views_hold_is_refused_naming_its_key(
        tmp_path: Path, section: str, key: str, value: str, limit: str) -> None:
    extra = {"tasks": 'category = "ads"\n', "review": ""}.get(section, "")
    result, path = _check(tmp_path, BASE + f"\n[{section}]\n{key} = {value}\n{extra}")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}:")
    assert f": {section}.{key}: Input should be less than or equal to {limit}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value, english, chinese", [
    ("1000", "Input should be less than or equal to 100", "应小于或等于 100"),
    ('"three"', "Input should be a valid integer, unable to parse string as an integer",
     "应为整数，无法把该字符串解析为整数"),
])
def test_a_wrong_number_is_named_in_the_admin_s_language(
        tmp_path: Path, value: str, english: str, chinese: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(BASE + f"\n[strikes]\nlimit = {value}\n", encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index(f"limit = {value}") + 1

    said = [run(str(tmp_path / "unused.db"), "--lang", lang, "rulebook", "check", str(path))
            for lang in ("en", "zh")]

    assert [r.exit_code for r in said] == [1, 1]
    assert said[0].stderr == f"Error: {path}:{line}: strikes.limit: {english}\n"
    assert said[1].stderr == f"错误：{path}:{line}：strikes.limit：{chinese}\n"


def test_a_pattern_that_backtracks_without_end_is_refused(tmp_path: Path) -> None:
    started = time.perf_counter()
    result, _ = _check(tmp_path, BASE + '\n[nickname]\npattern = "(a|a)+$"\n'
                                         'description = "a"\n')

    assert result.exit_code == 1
    assert "nickname.pattern: pattern '(a|a)+$' backtracks without end" in result.stderr
    assert "write it without a repetition inside a repetition" in result.stderr
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("pattern, message", [
    ("(" * 30 + "a" + ")" * 30, "pattern nests groups 30 deep: at most 20"),
    ("(" * 5000 + "a" + ")" * 5000, "pattern is 10001 characters long: at most 500"),
])
def test_a_pattern_too_deep_or_too_long_is_refused(tmp_path: Path, pattern: str,
                                                   message: str) -> None:
    result, _ = _check(tmp_path, BASE + f'\n[nickname]\npattern = "{pattern}"\n'
                                        'description = "a"\n')

    assert result.exit_code == 1
    assert f"nickname.pattern: {message}" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("where, text", [
    ("title", "我们的群规\\u001b]8;;http://evil.example\\u0007点我"),
    ("categories.ads.zh", "广\\u0000告"),
])
def test_a_control_character_in_rule_text_is_refused(tmp_path: Path, where: str,
                                                     text: str) -> None:
    body = BASE.replace('title = "我们的群规"', f'title = "{text}"') if where == "title" \
        else BASE.replace('zh = "广告"', f'zh = "{text}"')
    result, _ = _check(tmp_path, body)

    assert result.exit_code == 1
    assert (f"{where}: contains a control character (such as an escape or a NUL): remove it"
            in result.stderr)


def _member_under(tmp_path: Path, pattern: str, *, nickname: str) -> str:
    """A store with group g under a rulebook of this nickname pattern, and its member m."""
    rules = tmp_path / "rules.toml"
    rules.write_text(BASE + f'\n[nickname]\npattern = "{pattern}"\ndescription = "p"\n',
                     encoding="utf-8")
    store = str(tmp_path / "g.db")
    ok(run(store, "group", "create", "g", "--name", "群", "--owner", "o", "--rulebook",
           str(rules), actor="o"))
    ok(run(store, "member", "admit", "g", "m", "--nickname", nickname, actor="o"))
    return store


def test_a_pattern_the_probes_miss_is_still_matched_with_a_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second line: a pattern slow only on text no probe tries (here: many q's) passes
    the check, and a rename that would run it for ever is refused in one line instead.
    """
    import ledger.domain.rulebook

    monkeypatch.setattr(ledger.domain.rulebook, "MATCH_TIMEOUT", 0.2)
    store = _member_under(tmp_path, "(q|q)+z", nickname="qz")
    before = event_count(store)

    started = time.perf_counter()
    result = run(store, "member", "rename", "g", "m", "q" * 40, actor="o")

    assert time.perf_counter() - started < 5
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the rulebook's pattern '(q|q)+z' took longer than "
                                    "0.2 s on 'qqqqqqqqqqqqqqqqqqqq': the rules need a simpler "
                                    "pattern")
    assert event_count(store) == before


def test_the_pattern_of_the_report_no_longer_hangs_a_rename(tmp_path: Path) -> None:
    """`(a+)+$` made the old matcher run for ever on forty a's and a '!'; the `regex`
    package answers it at once, and the rename is judged as any other.
    """
    store = _member_under(tmp_path, "(a+)+$", nickname="aaa")

    started = time.perf_counter()
    renamed = ok(run(store, "member", "rename", "g", "m", "a" * 40 + "!", actor="o"))

    assert time.perf_counter() - started < 5
    stored = orjson.loads(ok(run(store, "history", "g", "m", "--format", "json")).stdout)
    assert renamed.stdout == (f"Renamed m in g at {stored[-1]['occurred_at']}: aaa → "
                              f"{'a' * 40}!. The nickname does not follow the group's pattern: "
                              "remind them to fix it.\n")
