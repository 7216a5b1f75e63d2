"""Hostile or unlucky input: every text either is stored faithfully or gets a one-line
error and writes nothing, never a traceback. Ids that print alike are one id; what a
table or a spreadsheet would obey rather than show is shown, not obeyed.
"""

from __future__ import annotations

import csv
import io
import unicodedata

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.support import Walk, event_count, ok, run


@pytest.fixture
def walked(walked_on_each_store: Walk) -> Walk:
    """Every test here runs on SQLite and on PostgreSQL."""
    return walked_on_each_store


def _one_line_refusal(result, *, codes=(1, 2)) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code in codes, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.rstrip("\n").splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("member, shown", [("wx\u200bli", "wx\\u200bli"),
                                           ("\ufeffm", "\\ufeffm"),
                                           ("wx_\u202eil", "wx_\\u202eil")])
def test_an_id_with_invisible_characters_is_refused(walked: Walk, member: str,
                                                    shown: str) -> None:
    before = event_count(walked.store)

    result = run(walked.store, "member", "admit", "g9", member, "--nickname", "新人",
                 actor="admin1")

    assert result.exit_code == 1
    assert result.stderr == (f"Error: member id '{shown}' contains invisible characters "
                             "(zero-width or direction marks): an id is what people see; type "
                             "it without them\n")
    assert event_count(walked.store) == before


def test_two_spellings_of_one_visible_id_are_one_member(walked: Walk) -> None:
    decomposed, composed = unicodedata.normalize("NFD", "josé"), "josé"
    assert decomposed != composed
    ok(run(walked.store, "member", "admit", "g9", decomposed, "--nickname", "9#1201@何x",
           actor="admin1"))

    again = run(walked.store, "member", "admit", "g9", composed, "--nickname", "9#1201@何x",
                actor="admin1")

    assert again.exit_code == 1
    assert "josé" in again.stderr and "already" in again.stderr
    rows = orjson.loads(ok(run(walked.store, "project", "standings", "--group", "g9",
                               "--format", "json")).stdout)
    assert [r["member"] for r in rows if r["member"].startswith("jos")] == [composed]


def test_an_id_of_a_hundred_kilobytes_is_refused(walked: Walk) -> None:
    before = event_count(walked.store)

    result = run(walked.store, "member", "admit", "g9", "w" * 100_000, "--nickname", "新",
                 actor="admin1")

    assert result.exit_code == 1
    assert result.stderr == (f"Error: member id '{'w' * 16}'… is 100000 characters long: ids "
                             "are at most 64\n")
    assert event_count(walked.store) == before


def test_a_ten_megabyte_reason_is_refused(walked: Walk) -> None:
    before = event_count(walked.store)

    result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads", "--reason",
                 "刷" * 10_000_000, actor="admin1")

    assert result.exit_code == 1
    assert result.stderr == ("Error: reason is 10000000 characters long: at most 4000 are "
                             "kept; shorten it\n")
    assert event_count(walked.store) == before


@pytest.mark.parametrize("args", [
    ["member", "rename", "g9", "wx_li", "李\udcffx"],
    ["warn", "g9", "wx_li", "--category", "ads", "--reason", "\udce5\udc88"],
    ["project", "standings", "--group", "g\udcff9"],
])
def test_bytes_that_are_not_utf8_are_a_usage_error(walked: Walk, args: list[str]) -> None:
    before = event_count(walked.store)

    result = run(walked.store, *args, actor="admin1")

    _one_line_refusal(result, codes=(2,))
    assert "is not valid UTF-8 text: type it again in UTF-8" in result.stderr
    assert event_count(walked.store) == before


def test_a_right_to_left_override_is_kept_but_spelled_out_in_tables(walked: Walk) -> None:
    nickname = "9#1003@王\u202ex"
    ok(run(walked.store, "member", "rename", "g9", "wx_wang", nickname, actor="admin1"))

    table = ok(run(walked.store, "project", "standings", "--group", "g9")).stdout
    as_json = orjson.loads(ok(run(walked.store, "project", "standings", "--group", "g9",
                                  "--format", "json")).stdout)

    assert "\u202e" not in table
    assert "9#1003@王\\u202ex" in table
    assert [r["nickname"] for r in as_json if r["member"] == "wx_wang"] == [nickname]


def test_a_nickname_that_looks_like_a_formula_is_text_in_csv(walked: Walk) -> None:
    formula = '=HYPERLINK("http://evil.example","点我")'
    ok(run(walked.store, "member", "rename", "g9", "wx_wang", formula, actor="admin1"))

    out = ok(run(walked.store, "project", "standings", "--group", "g9", "--format", "csv")).stdout
    cells = {row["member"]: row["nickname"] for row in csv.DictReader(io.StringIO(out))}

    assert cells["wx_wang"] == "'" + formula
    as_json = orjson.loads(ok(run(walked.store, "project", "standings", "--group", "g9",
                                  "--format", "json")).stdout)
    assert [r["nickname"] for r in as_json if r["member"] == "wx_wang"] == [formula]


_HOSTILE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                   min_size=1, max_size=40) | \
    st.sampled_from(["\x00", "\x1b]8;;http://x\x07点\x1b]8;;\x07", "'; DROP TABLE stored_events;--",
                     "\u202e\u2066", "@SUM(1+1)*cmd|' /C calc'!A0", "李\u200d四", " ", "\r\n"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nickname=_HOSTILE)
def test_any_nickname_is_stored_faithfully_or_refused_in_one_line(walked: Walk,
                                                                  nickname: str) -> None:
    before = event_count(walked.store)

    result = run(walked.store, "member", "rename", "g9", "wx_wang", nickname, actor="admin1")

    if result.exit_code == 0:
        rows = orjson.loads(ok(run(walked.store, "project", "standings", "--group", "g9",
                                   "--format", "json")).stdout)
        assert [r["nickname"] for r in rows if r["member"] == "wx_wang"] == [nickname]
        assert event_count(walked.store) == before + 1
    else:
        _one_line_refusal(result)
        assert event_count(walked.store) == before


_LINES = st.lists(st.one_of(
    st.text(max_size=60),
    st.sampled_from(['{"topic": "os:system", "state": "{}"}', "{}", "null", "[1,2]",
                     '{"notification_id": -1}', '{"topic": "ledger.events:WarningIssued"}',
                     '{"notification_id": 99999999999999999999999}', "\x00", "\ufeff{}"]),
), min_size=1, max_size=5)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=_LINES, raw=st.binary(max_size=40))
def test_a_hostile_import_file_is_refused_in_one_line_and_writes_nothing(
        walked: Walk, tmp_path_factory: pytest.TempPathFactory, lines: list[str],
        raw: bytes) -> None:
    path = tmp_path_factory.mktemp("hostile") / "log.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n" + raw)
    before = event_count(walked.store)

    result = run(walked.store, "import", str(path))

    if path.read_bytes().strip():
        _one_line_refusal(result, codes=(1,))
    else:  # a file of blank lines holds no event: nothing to import, nothing refused
        assert ok(result).stdout.startswith("imported 0 events, 0 already stored")
    assert event_count(walked.store) == before
