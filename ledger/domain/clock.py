"""Time as the ledger sees it: aware datetimes, parsed from what people type."""

from __future__ import annotations

import functools
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.domain.errors import FutureTime, InvalidInput
from ledger.domain.i18n import _


def now() -> datetime:
    """The current time in this machine's local zone, with its offset."""
    return datetime.now(timezone.utc).astimezone()


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time, as typed: aware when it has an offset, naive (a wall-clock
    time) when it has none. Only the spelling is checked here; a naive time is read in a
    zone by `in_zone` once the command knows whose time it is (the group's rulebook).
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_(
            "{text} is not a time: write it as ISO 8601, "
            "e.g. 2026-11-25T09:30 or 2026-11-25T09:30+08:00").format(text=repr(text))
        ) from None
    if moment.tzinfo is not None:
        check_offset(moment, what=repr(text))
    return moment


def zone_named(name: str, *, what: str) -> ZoneInfo:
    """The IANA zone `name` (e.g. Asia/Shanghai), or an error naming where it was given."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("{what} {name} is not a time zone: give an IANA name such as "
                             "Asia/Shanghai or Europe/Berlin").format(what=what,
                                                                      name=repr(name))) from None


def in_zone(moment: datetime, zone: tzinfo, *, what: str = "--at") -> datetime:
    """`moment` as an aware time: kept as it is when it has an offset, else read as a
    wall-clock time in `zone`. A wall-clock time the zone skips (the hour clocks jump
    forward) is refused; one it shows twice (the hour clocks fall back) is the first of
    the two, the earlier offset, which the reply then shows.
    """
    if moment.tzinfo is not None:
        return moment
    local = moment.replace(tzinfo=zone)
    try:
        back = local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise _out_of_range(f"{what} {moment.isoformat()}") from None
    if back != moment:
        raise InvalidInput(_(
            "{what} {time} does not exist in {zone}: the clocks skip that hour there; "
            "give the time with its offset, e.g. {example}").format(
                what=what, time=moment.isoformat(timespec="minutes"), zone=zone,
                example=format_time(local.astimezone(timezone.utc).astimezone(zone))))
    return local


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
        raise _out_of_range(f"{what} {moment.isoformat()}")


def _out_of_range(what: str) -> InvalidInput:
    return InvalidInput(_("{what} is outside the years a ledger records (1970 to 2199, UTC): "
                          "give a time in that range").format(what=what))


def check_offset(moment: datetime, *, what: str = "--at") -> None:
    """An aware time whose offset is whole minutes, as ISO 8601 writes offsets."""
    offset = moment.utcoffset()
    if offset is None:
        raise InvalidInput(_("{what} needs a time zone offset, e.g. "
                             "2026-11-25T09:30+08:00").format(what=what))
    if offset.seconds % 60 or offset.microseconds:
        raise InvalidInput(_("{what} has an offset with seconds ({time}): give the offset in "
                             "hours and minutes, e.g. +08:00").format(
                                 what=what, time=moment.isoformat()))


def check_not_future(moment: datetime, current: datetime, *, what: str = "occurred-at") -> None:
    if moment > current:
        shown_now = current.astimezone(moment.tzinfo).replace(microsecond=0)
        raise FutureTime(_(
            "{what} {time} is in the future (now {now}): give a time that has already "
            "happened").format(what=what, time=format_time(moment), now=format_time(shown_now)))


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
