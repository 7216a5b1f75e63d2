"""Nothing accepted can poison a read: every time and number a command accepts is one
that every view can store, compare and show. What is outside is refused in one line, and
nothing is written; the views go on answering.
"""

from __future__ import annotations

import pytest

from tests.cli.support import Walk, event_count, ok, run


@pytest.fixture
def walked(walked_on_each_store: Walk) -> Walk:
    """Every test here runs on SQLite and on PostgreSQL."""
    return walked_on_each_store

OUTSIDE = "is outside the years a ledger records (1970 to 2199, UTC): give a time in that range"


# A well-formed time outside the range is refused by the ledger (exit 1), in one line.
@pytest.mark.parametrize("at, shown", [
    ("0001-01-01T00:00+14:00", "0001-01-01T00:00:00+14:00"),
    ("1969-12-31T23:59Z", "1969-12-31T23:59:00+00:00"),
    ("2200-01-01T00:00Z", "2200-01-01T00:00:00+00:00"),
    ("9999-12-31T23:59-14:00", "9999-12-31T23:59:00-14:00"),
    ("0001-01-01T00:00", "0001-01-01T00:00:00"),  # read in g9's zone, it has no UTC time
])
def test_a_time_outside_the_years_a_ledger_records_is_refused(walked: Walk, at: str,
                                                              shown: str) -> None:
    before = event_count(walked.store)

    result = run(walked.store, "warn", "g9", "wx_li", "--category", "ads", "--at", at,
                 actor="admin1")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: --at {shown} {OUTSIDE}\n"
    assert event_count(walked.store) == before


def test_a_point_in_time_before_1970_is_refused_not_a_traceback(walked: Walk) -> None:
    result = run(walked.store, "project", "standings", "--as-of", "0001-01-01T00:00+14:00")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: --as-of 0001-01-01T00:00:00+14:00 {OUTSIDE}\n"


@pytest.mark.parametrize("minutes", ["4193917858", "99999999999", "527041"])
def test_a_task_deadline_beyond_a_year_is_refused_and_tasks_still_list(walked: Walk,
                                                                       minutes: str) -> None:
    before = event_count(walked.store)

    result = run(walked.store, "task", "assign", "g9", "wx_li", "--summary", "报名单",
                 "--deadline-minutes", minutes, "--at", "2026-11-25T00:02-12:00", actor="admin1")

    assert result.exit_code == 1
    assert result.stderr == (f"Error: --deadline-minutes {minutes} is more than a year: give "
                             "at most 527040 (366 days)\n")
    assert event_count(walked.store) == before
    ok(run(walked.store, "task", "list"))
    ok(run(walked.store, "replay"))


def test_a_deadline_of_a_year_is_recorded_and_every_view_shows_it(walked: Walk) -> None:
    ok(run(walked.store, "task", "assign", "g9", "wx_li", "--summary", "年度报告",
           "--deadline-minutes", "527040", "--at", "2026-11-25T00:02-12:00", actor="admin1"))

    listed = ok(run(walked.store, "task", "list", "--format", "json")).stdout
    assert '"deadline_at":"2027-11-26T00:02:00-12:00"' in listed.replace(" ", "")
    ok(run(walked.store, "replay"))  # exit 0: rebuilt and kept views agree


def test_an_event_a_view_cannot_show_costs_its_rows_not_the_view(
        walked: Walk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second line of defence: a task stored by a release that did not bound deadlines
    (its deadline lies past what a date can hold in UTC). The views go on serving every
    other row; `replay` names the event it could not show.
    """
    import ledger.domain.judge

    with monkeypatch.context() as unbounded:
        unbounded.setattr(ledger.domain.judge, "MAX_DEADLINE_MINUTES", 10**12)
        # Due at 9999-12-31T23:02-12:00, which is in the year 10000 in UTC.
        ok(run(walked.store, "task", "assign", "g9", "wx_li", "--summary", "报名单",
               "--deadline-minutes", "4193445540", "--at", "2026-11-25T00:02-12:00",
               actor="admin1"))

    listed = run(walked.store, "task", "list")
    standings = ok(run(walked.store, "project", "standings", "--group", "g9")).stdout
    replayed = run(walked.store, "replay")

    assert listed.exit_code == 0, listed.output
    assert "wx_wang" in standings and "wx_li" in standings
    assert replayed.exit_code == 1
    last = replayed.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("Error: the ")
    assert " view cannot show the TaskAssigned of wx_li in g9 (its event " in last
    assert "; OverflowError: " in last and "every other row is served" in last
