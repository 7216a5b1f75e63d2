"""Tables that fit: widths counted per grapheme cluster (an emoji family, a letter with its
accent typed as a separate mark, Chinese), long cells cut with … on a terminal (or to
LEDGER_WIDTH), never in the middle of a cluster, columns kept aligned; whole cells in
JSON, JSONL, CSV and with --no-truncate; tabs and newlines shown as \\t and \\n.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import orjson
import pytest

from cli.main import cli
from cli.output import cut, display_width, fitted, render_table, table_width
from tests.cli.support import Walk, runner

FAMILY = "👨\u200d👩\u200d👧"  # man, woman, girl joined by zero-width joiners: one emoji
E_ACUTE = "e\u0301"  # e and a combining acute accent: one letter


class TestWidths:
    @pytest.mark.parametrize("text, width", [
        (FAMILY, 2), (E_ACUTE, 1), ("李x明", 5), ("👍🏽", 2), ("🇨🇳", 2), ("Ｚ", 2), ("", 0),
    ])
    def test_each_grapheme_cluster_takes_the_columns_a_terminal_gives_it(
            self, text: str, width: int) -> None:
        assert display_width(text) == width

    def test_columns_line_up_whatever_their_clusters(self) -> None:
        rows = [{"nickname": FAMILY, "n": 1}, {"nickname": f"{E_ACUTE}t{E_ACUTE}", "n": 2},
                {"nickname": "李明", "n": 3}]

        assert render_table(rows, ("nickname", "n"), width=None) == (
            "nickname  n\n"
            "--------  -\n"
            f"{FAMILY}        1\n"
            f"{E_ACUTE}t{E_ACUTE}       2\n"
            "李明      3")


class TestCutting:
    @pytest.mark.parametrize("text, width, shown", [
        ("一二三四五六七八九十", 13, "一二三四五六…"),
        ("一二三四五六七八九十", 12, "一二三四五…"),  # half of 六 would not fit: left out
        (f"ab{FAMILY}cd", 4, "ab…"),  # never part of the family
        (f"ab{FAMILY}cd", 5, f"ab{FAMILY}…"),
        (E_ACUTE * 4, 3, E_ACUTE * 2 + "…"),  # never a letter without its accent
        ("short", 5, "short"),
    ])
    def test_a_cell_is_cut_between_clusters_with_an_ellipsis(self, text: str, width: int,
                                                             shown: str) -> None:
        assert cut(text, width) == shown
        assert display_width(cut(text, width)) <= width

    def test_a_cut_table_stays_aligned_in_its_width(self) -> None:
        rows = [{"who": "wx_li", "said": "一二三四五六七八九十"},
                {"who": "wx_wang", "said": f"{FAMILY}{E_ACUTE}"}]

        table = render_table(rows, ("who", "said"), width=20)

        assert table == ("who      said\n"
                         "-------  -----------\n"
                         "wx_li    一二三四五…\n"
                         f"wx_wang  {FAMILY}{E_ACUTE}")
        assert max(display_width(line) for line in table.splitlines()) <= 20

    def test_nothing_is_cut_when_the_table_fits(self) -> None:
        rows = [{"who": "wx_li", "said": "一二三"}]

        assert render_table(rows, ("who", "said"), width=13) == render_table(
            rows, ("who", "said"), width=None)


class TestFittingColumns:
    def test_only_the_widest_column_gives_way_when_that_is_enough(self) -> None:
        # history: occurred_at and recorded_at (25) stay whole, details (150) is cut.
        assert fitted([25, 25, 150], [11, 11, 7], 100) == [25, 25, 46]

    def test_long_columns_share_what_is_left(self) -> None:
        assert fitted([5, 30, 25], [5, 7, 5], 40) == [5, 15, 15]

    def test_headers_are_cut_only_when_nothing_else_fits(self) -> None:
        assert fitted([10, 10], [10, 10], 12) == [5, 5]

    def test_a_table_that_cannot_fit_is_as_narrow_as_stays_readable(self) -> None:
        assert fitted([10, 10, 10], [1, 1, 1], 5) == [4, 4, 4]


class TestControlCharacters:
    def test_tabs_and_newlines_show_as_written_in_code(self) -> None:
        rows = [{"note": "a\tb\nc\rd", "n": 1}]

        assert render_table(rows, ("note", "n"), width=None) == (
            "note        n\n"
            "----------  -\n"
            "a\\tb\\nc\\rd  1")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestWhenTablesAreCut:
    def test_on_a_terminal_its_width_is_used(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "stdout", _Terminal())
        monkeypatch.delenv("LEDGER_WIDTH", raising=False)
        monkeypatch.setenv("COLUMNS", "57")  # what the terminal reports, as shutil reads it

        assert table_width() == 57

    def test_a_pipe_or_a_file_gets_every_cell_whole(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        monkeypatch.delenv("LEDGER_WIDTH", raising=False)
        monkeypatch.setenv("COLUMNS", "57")

        assert table_width() is None

    @pytest.mark.parametrize("given, width", [("44", 44), ("0", None)])
    def test_ledger_width_says_how_wide_on_a_terminal_or_not(
            self, monkeypatch: pytest.MonkeyPatch, given: str, width: int | None) -> None:
        monkeypatch.setattr(sys, "stdout", _Terminal())
        monkeypatch.setenv("LEDGER_WIDTH", given)

        assert table_width() == width


def find_li(store: str, *args: str, width: str = "60") -> tuple[int, str, str]:
    result = runner().invoke(cli, ["--store", store, "member", "find", "李", *args],
                             prog_name="ledger", env={"LEDGER_WIDTH": width})
    return result.exit_code, result.stdout, result.stderr


WHOLE = (
    "group  member  nickname       since                      until\n"
    "-----  ------  -------------  -------------------------  -------------------------\n"
    "g9     wx_li   李x明          2026-11-20T11:00:00+08:00  2026-11-21T08:00:00+08:00\n"
    "g9     wx_li   g9#1001@李x明  2026-11-21T08:00:00+08:00\n"
)


class TestThroughTheCommand:
    def test_a_table_wider_than_the_terminal_is_cut(self, walked: Walk) -> None:
        # 82 columns whole; in 60 the two times, the widest, share what is left.
        assert find_li(walked.store) == (0, (
            "group  member  nickname       since           until\n"
            "-----  ------  -------------  --------------  --------------\n"
            "g9     wx_li   李x明          2026-11-20T11…  2026-11-21T08…\n"
            "g9     wx_li   g9#1001@李x明  2026-11-21T08…\n"), "")

    def test_no_truncate_shows_every_cell_whole(self, walked: Walk) -> None:
        assert find_li(walked.store, "--no-truncate") == (0, WHOLE, "")

    def test_a_width_of_0_is_no_limit(self, walked: Walk) -> None:
        assert find_li(walked.store, width="0") == (0, WHOLE, "")

    @pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
    def test_machine_formats_are_never_cut(self, walked: Walk, fmt: str) -> None:
        code, out, err = find_li(walked.store, "--format", fmt, width="10")

        assert (code, err) == (0, "")
        assert "2026-11-21T08:00:00+08:00" in out and "g9#1001@李x明" in out
        if fmt == "json":
            assert len(orjson.loads(out)) == 2

    def test_a_width_that_is_no_number_is_a_usage_error(self, walked: Walk) -> None:
        code, out, err = find_li(walked.store, width="wide")

        assert (code, out) == (2, "")
        assert err.endswith("Error: LEDGER_WIDTH is 'wide': give the number of columns a "
                            "table may use, or 0 for no limit\n")

    def test_a_bad_width_is_refused_before_the_demo_writes_its_file(self, tmp_path: Path) -> None:
        out = tmp_path / "story.db"

        result = runner().invoke(cli, ["demo", "--out", str(out)], prog_name="ledger",
                                 env={"LEDGER_WIDTH": "-1"})

        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.endswith("Error: LEDGER_WIDTH is '-1': give the number of "
                                      "columns a table may use, or 0 for no limit\n")
        assert not out.exists()

    def test_every_table_command_takes_no_truncate(self) -> None:
        from tests.cli.support import walk

        tables = [path for path, command in walk(cli)
                  if any(p.name == "fmt" for p in command.params)]
        missing = [path for path, command in walk(cli)
                   if any(p.name == "fmt" for p in command.params)
                   and not any("--no-truncate" in p.opts for p in command.params)]

        assert len(tables) >= 15 and missing == []
