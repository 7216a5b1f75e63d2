"""Time as the ledger sees it: aware datetimes, parsed from what people type."""

from __future__ import annotations

import functools
from datetime import datetime, timezone

from ledger.errors import FutureTime, InvalidInput
from ledger.i18n import _


def now() -> datetime:
    """The current time in this machine's local zone, with its offset."""
    return datetime.now(timezone.utc).astimezone()


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time; a time without an offset is taken in the local zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _("{text!r} is not a time: write it as ISO 8601, e.g. 2026-11-25T09:30 or "
              "2026-11-25T09:30+08:00").format(text=text)
        ) from None
    if moment.tzinfo is None:
        try:
            moment = moment.astimezone()
        except (OverflowError, OSError, ValueError):
            raise _out_of_range(repr(text)) from None
    check_offset(moment, what=repr(text))
    check_in_range(moment, what=repr(text))
    return moment


# The years a ledger records: every time it accepts can be shifted to UTC, stored, compared
# and shown by every view (a year-1 time at +14:00 has no UTC counterpart at all).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def check_in_range(moment: datetime, *, what: str = "--at") -> None:
    try:
        inside = EARLIEST <= moment < LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise _out_of_range(what)


def _out_of_range(what: str) -> InvalidInput:
    return InvalidInput(_("{what} is outside the years a ledger records (1970 to 2199, UTC): "
                          "give a time in that range").format(what=what))


def check_offset(moment: datetime, *, what: str = "--at") -> None:
    """An aware time whose offset is whole minutes, as ISO 8601 writes offsets."""
    offset = moment.utcoffset()
    if offset is None:
        raise InvalidInput(_("{what} needs a time zone offset, e.g. 2026-11-25T09:30+08:00").format(
                             what=what))
    if offset.seconds % 60 or offset.microseconds:
        raise InvalidInput(_("{what} has an offset with seconds ({moment}): give the offset in "
                             "hours and minutes, e.g. +08:00").format(
                             what=what, moment=moment.isoformat()))


def check_not_future(moment: datetime, current: datetime, *, what: str = "occurred-at") -> None:
    if moment > current:
        shown_now = current.astimezone(moment.tzinfo).replace(microsecond=0)
        raise FutureTime(
            _("{what} {moment} is in the future (now {shown_now}): give a time that has already "
              "happened").format(
              what=what, moment=format_time(moment), shown_now=format_time(shown_now))
        )


def format_time(moment: datetime) -> str:
    """ISO 8601 to the second when the seconds are whole, keeping the recorded offset."""
    if moment.microsecond:
        return moment.isoformat()
    return moment.isoformat(timespec="seconds")


@functools.lru_cache(maxsize=32768)  # a rebuild batch's times, asked for by every view
def utc_key(moment: datetime) -> str:
    """A fixed-width UTC text that sorts in time order, whatever offset a time was given in."""
    utc = moment - moment.utcoffset()  # type: ignore[operator]
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_utc_key(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
