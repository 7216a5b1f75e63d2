"""A group's rules as data: nickname patterns, violation categories, the strike ladder,
admission requirements, posting windows, task deadlines and membership reviews.

A rulebook is a TOML file validated by the `Rulebook` model; an error names the key and
the line of what is wrong. The four seed rulebooks and the default ship with the package
(`builtin:company`, `builtin:estate`, `builtin:corporate`, `builtin:referees`,
`builtin:default`). A group's events carry the whole rulebook in force, so a sanction is
judged by the version in force when the violation happened, never by a later one.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import regex
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ledger.domain.errors import InvalidInput, RulebookError, UnknownCategory
from ledger.domain.i18n import N_, _, language, translate

MAX_DAYS = 36_500  # a hundred years: every date a rule computes stays in range
MAX_DEADLINE_MINUTES = 366 * 24 * 60  # a response deadline is within a year

BUILTIN = ("default", "company", "estate", "corporate", "referees")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        # Rule text reaches terminals, tables and exports: an escape or a NUL in it could
        # drive a terminal or break a store (PostgreSQL refuses NUL in text).
        for text in (value if isinstance(value, (tuple, list)) else (value,)):
            if isinstance(text, str) and any(
                    unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
                raise ValueError(_("contains a control character (such as an escape or a NUL): "
                                   "remove it"))
        return value


class Category(_Model):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    weight: int = Field(default=1, ge=1, le=100)
    on_sight: bool = False
    rule: str = ""


class NicknameExemption(_Model):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return _check_regex(value)


class NicknameRule(_Model):
    pattern: str
    description: str
    examples: tuple[str, ...] = ()
    exemptions: tuple[NicknameExemption, ...] = ()
    reminders_before_removal: int = Field(default=3, ge=1, le=100)
    # What ignored reminders lead to. Only R2 sanctions a nickname ("对多次提醒不配合的微信
    # 进行清理"); the others set "none" and reminders are only counted. The default keeps
    # 0.1.0's reading, so that a stored rulebook without the key judges as it did then.
    on_reminders_ignored: Literal["removal_due", "none"] = "removal_due"
    rule: str = ""

    @property
    def removal_after_reminders(self) -> int | None:
        """How many ignored reminders make a member removal_due (None: no sanction)."""
        return self.reminders_before_removal if self.on_reminders_ignored == "removal_due" else None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return _check_regex(value)

    @field_validator("examples")
    @classmethod
    def _examples_match(cls, value: tuple[str, ...], info: Any) -> tuple[str, ...]:
        pattern = info.data.get("pattern")
        for example in value:
            if pattern is not None and not _fullmatch(pattern, example):
                raise ValueError(_("example {example!r} does not match the pattern {pattern!r}").format(
                                   example=example, pattern=pattern))
        return value

    def exemption(self, key: str | None) -> NicknameExemption | None:
        if key is None:
            return None
        for exemption in self.exemptions:
            if exemption.key == key:
                return exemption
        known = ", ".join(e.key for e in self.exemptions) or "none"
        raise InvalidInput(_("unknown nickname exemption {key!r}: this rulebook knows {known}").format(
                             key=key, known=known))

    def matches(self, nickname: str, exemption: str | None = None) -> bool:
        special = self.exemption(exemption)
        if special is not None and _fullmatch(special.pattern, nickname):
            return True
        return _fullmatch(self.pattern, nickname)


class StrikeRule(_Model):
    limit: int = Field(default=3, ge=1, le=100)
    on_limit: Literal["removal_due", "remove"] = "removal_due"
    on_sight: Literal["remove", "removal_due"] = "remove"
    expire_after_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    rule: str = ""


class AdmissionRule(_Model):
    verification_required: bool = False
    invitation_required: bool = False
    relations: tuple[str, ...] = ()
    excluded_relations: tuple[str, ...] = ()
    may_invite: tuple[Literal["owner", "admin", "secretary", "member"], ...] = (
        "owner", "admin", "member")
    rule: str = ""

    @property
    def admitted_relations(self) -> list[str]:
        return [r for r in self.relations if r not in self.excluded_relations]


class Window(_Model):
    days: tuple[Weekday, ...] = WEEKDAYS
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if value == "24:00":
            return value
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError(_("{value!r} is not a time of day such as 07:30").format(
                               value=value)) from None
        return value

    def _minutes(self, value: str) -> int:
        hours, minutes = value.split(":")[:2]
        return int(hours) * 60 + int(minutes)

    def contains(self, local: datetime) -> bool:
        """Both ends are part of the window, to the minute: "0:00开始到7:30" allows a post at
        07:30:00, not one at 07:30:01.
        """
        start, end = self._minutes(self.start) * 60, self._minutes(self.end) * 60
        second = (local.hour * 3600 + local.minute * 60 + local.second
                  + local.microsecond / 1_000_000)
        today = WEEKDAYS[local.weekday()]
        if start <= end:
            return today in self.days and start <= second <= end
        # Across midnight: the part after midnight belongs to the day it started on.
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        return ((today in self.days and second >= start)
                or (yesterday in self.days and second <= end))

    def describe(self) -> str:
        days = "daily" if set(self.days) == set(WEEKDAYS) else ",".join(self.days)
        return f"{days} {self.start}–{self.end}"


class PostingRule(_Model):
    timezone: str = "Asia/Shanghai"
    category: str = "off_hours"
    windows: tuple[Window, ...] = Field(min_length=1)
    rule: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown time zone {value!r}: use an IANA name such as "
                               "Asia/Shanghai").format(value=value)) from None
        return value

    def window_at(self, moment: datetime) -> Window | None:
        local = moment.astimezone(ZoneInfo(self.timezone))
        for window in self.windows:
            if window.contains(local):
                return window
        return None


class TaskRule(_Model):
    response_minutes: int = Field(ge=1, le=MAX_DEADLINE_MINUTES)
    category: str = "late_response"
    rule: str = ""


class ReviewRule(_Model):
    period_days: int = Field(ge=1, le=MAX_DAYS)
    rule: str = ""


class AppealRule(_Model):
    window_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    rule: str = ""


class Rulebook(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    description: str = ""
    categories: dict[str, Category] = Field(min_length=1)
    strikes: StrikeRule = StrikeRule()
    nickname: NicknameRule | None = None
    admission: AdmissionRule = AdmissionRule()
    posting: PostingRule | None = None
    tasks: TaskRule | None = None
    review: ReviewRule | None = None
    appeals: AppealRule | None = None
    # The zone the group lives in: a time typed without an offset is read in it. Without
    # it, the posting windows' zone; without those, the caller's default (LEDGER_TZ, UTC).
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else PostingRule._known_zone(value)

    @property
    def zone(self) -> ZoneInfo | None:
        """The group's time zone, if the rulebook names one."""
        name = self.timezone or (self.posting.timezone if self.posting is not None else None)
        return ZoneInfo(name) if name else None

    @field_validator("categories")
    @classmethod
    def _keys(cls, value: dict[str, Category]) -> dict[str, Category]:
        for key in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise ValueError(_("category key {key!r} must be lower-case letters, digits, _").format(
                                   key=key))
        return value

    @model_validator(mode="after")
    def _categories_named_exist(self) -> Rulebook:
        # Messages start with the key they are about: `parse` finds its line from it.
        for section, rule in (("posting", self.posting), ("tasks", self.tasks)):
            if rule is not None and rule.category not in self.categories:
                raise ValueError(_("{section}.category: {category!r} is not one of the "
                                   "rulebook's categories ({categories})").format(
                                   section=section, category=rule.category,
                                   categories=', '.join(self.categories)))
        if "nickname" not in self.categories and self.nickname is not None:
            raise ValueError(_("nickname: a rulebook with a nickname pattern needs a 'nickname' "
                               "category"))
        return self

    def document(self) -> dict[str, Any]:
        """The rulebook as JSON types; a section added after release 0.1.0 (appeals) only
        when it is given, so that an older rulebook reads as it always did.
        """
        added = {key for key in ("appeals", "timezone") if getattr(self, key) is None}
        return self.model_dump(mode="json", exclude=added or None)

    def category(self, name: str) -> Category:
        """The category by its key or its Chinese label (`flooding` or `刷屏`)."""
        return self.categories[self.category_key(name)]

    def category_key(self, name: str) -> str:
        """The key of the category typed as its key or its Chinese label, compared after
        NFC as ids are: what is stored is always the key.
        """
        typed = unicodedata.normalize("NFC", name.strip())
        if typed in self.categories:
            return typed
        for key, category in self.categories.items():
            if unicodedata.normalize("NFC", category.zh) == typed:
                return key
        raise UnknownCategory(_("unknown category {category} in the {rulebook} rulebook: use "
                                "one of {allowed}").format(
                                    category=repr(name), rulebook=self.name,
                                    allowed=", ".join(f"{key} {category.zh}" for key, category
                                                      in self.categories.items())))

    def strike_expiry(self, occurred_at: datetime) -> datetime | None:
        days = self.strikes.expire_after_days
        return None if days is None else occurred_at + timedelta(days=days)


# Keys added after release 0.1.0, by the path of their table. A rulebook is shown (as
# JSON) without them while they hold their default, so that what an old ledger's stored
# rules show is what they showed then; set, they are shown.
ADDED_KEYS: dict[tuple[str, ...], dict[str, Any]] = {
    ("nickname",): {"on_reminders_ignored": "removal_due"},
}


def document(book: Rulebook) -> dict[str, Any]:
    """The validated rulebook as JSON types, for people and machines to read."""
    data = book.document()
    for path, defaults in ADDED_KEYS.items():
        table: Any = data
        for part in path:
            table = table.get(part) if isinstance(table, dict) else None
        if isinstance(table, dict):
            for key, default in defaults.items():
                if table.get(key) == default:
                    del table[key]
    return data


# Patterns come from rulebooks anyone may write: each is bounded in size and nesting, is
# tried on strings that make a backtracking pattern such as (a+)+$ run for ever, and is
# matched with a timeout, so that no rulebook and no nickname can hang a command.
PATTERN_LIMIT = 500  # characters
PATTERN_DEPTH = 20  # groups inside groups
MATCH_TIMEOUT = 0.5  # seconds for one nickname
_PROBE_TIMEOUT = 0.05
_PROBES = tuple(piece * 40 + end for piece in ("a", "x", "1", "中", "#", "@", "-", "_", " ",
                                               "ab", "a1", "部-")
                for end in ("!", "\u00ff", ""))


def _check_regex(value: str) -> str:
    # The `regex` package, for Unicode script properties such as \p{Han} (every Han
    # character, the extension blocks included), which `re` does not know.
    if len(value) > PATTERN_LIMIT:
        raise ValueError(_("pattern is {n_value} characters long: at most {PATTERN_LIMIT}").format(
                           n_value=len(value), PATTERN_LIMIT=PATTERN_LIMIT))
    if _depth(value) > PATTERN_DEPTH:
        raise ValueError(_("pattern nests groups {depth} deep: at most {PATTERN_DEPTH}").format(
                           depth=_depth(value), PATTERN_DEPTH=PATTERN_DEPTH))
    try:
        compiled = regex.compile(value)
    except regex.error as error:
        try:  # Python's own wording of the mistake, when `re` finds one too
            re.compile(value)
            reason = str(error)
        except re.error as re_error:
            reason = str(re_error)
        raise ValueError(_("pattern {value!r} is not a regular expression: {reason}").format(
                           value=value, reason=reason)) from None
    for probe in _PROBES:
        try:
            compiled.fullmatch(probe, timeout=_PROBE_TIMEOUT)
            compiled.search(probe, timeout=_PROBE_TIMEOUT)
        except TimeoutError:
            raise ValueError(
                _("pattern {value!r} backtracks without end (on {probe!r}… it ran past "
                  "{seconds} s): write it without a repetition inside a repetition, such "
                  "as (a+)+").format(
                  value=value, probe=probe[:6], seconds=_PROBE_TIMEOUT)) from None
    return value


def _depth(pattern: str) -> int:
    """How deep groups nest in `pattern` (escapes and character classes passed over)."""
    depth = deepest = 0
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
    return deepest


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return regex.fullmatch(pattern, text, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise InvalidInput(_("the rulebook's pattern {pattern!r} took longer than "
                             "{MATCH_TIMEOUT} s on {text!r}: the rules need a simpler pattern "
                             "(check them with 'ledger rulebook check')").format(
                             pattern=pattern[:40], MATCH_TIMEOUT=MATCH_TIMEOUT, text=text[:20])) from None


# Loading ------------------------------------------------------------------------------


def load(reference: str) -> tuple[Rulebook, str]:
    """A rulebook by reference — `builtin:NAME` or a path — and the source it came from."""
    reference = reference.strip()
    if reference.startswith("builtin:"):
        name = reference.split(":", 1)[1]
        if name not in BUILTIN:
            raise RulebookError(_("no built-in rulebook {name!r}: use one of {value}").format(
                                  name=name, value=', '.join('builtin:' + b for b in BUILTIN)))
        text = resources.files("ledger.rulebooks").joinpath(f"{name}.toml").read_text("utf-8")
        return parse(text, source=reference), reference
    if reference in BUILTIN and not Path(reference).exists():
        return load(f"builtin:{reference}")
    path = Path(reference)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulebookError(_("rulebook {reference} not found: give a TOML file or builtin:NAME "
                              "({BUILTIN})").format(
                              reference=reference, BUILTIN=', '.join(BUILTIN))) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RulebookError(_("rulebook {reference} cannot be read: {error}").format(
                              reference=reference, error=error)) from None
    return parse(text, source=str(path)), str(path)


def parse(text: str, *, source: str) -> Rulebook:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulebookError(_("{source}: not valid TOML: {error}").format(
                              source=source, error=error)) from None
    try:
        return Rulebook.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        named = _NAMED_KEY.match(message)
        if not location and named:
            location, message = tuple(named.group(1).split(".")), named.group(2)
        key = ".".join(str(part) for part in location) or "(top level)"
        line = _line_of(text, location)
        where = f"{source}:{line}" if line else source
        if first["type"] == "missing":
            message = _("is required but missing")
        elif first["type"] == "extra_forbidden":
            message = _("is not a rulebook key: check its spelling (see builtin:default)")
        elif first["type"] in PYDANTIC_MESSAGES and language() != "en":
            message = translate(PYDANTIC_MESSAGES[first["type"]]).format(
                **{name: value for name, value in first.get("ctx", {}).items()})
        raise RulebookError(_("{where}: {key}: {message}").format(
            where=where, key=key, message=message)) from None


# pydantic's own words for the mistakes a rulebook file can make, by error type, with the
# fields of the error's context: English is pydantic's message as it is; another
# language reads these translated (a message of a type not listed stays pydantic's).
PYDANTIC_MESSAGES = {
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "less_than": N_("Input should be less than {lt}"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "literal_error": N_("Input should be {expected}"),
}


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


_NAMED_KEY = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): (.*)$", re.DOTALL)


def _line_of(text: str, location: tuple[Any, ...]) -> int | None:
    """The line that best matches a validation error's location: the key's own line, or
    its table's header, or the nearest enclosing one found. An array of tables
    (`[[posting.windows]]`) counts its entries, so the second entry's key is found in the
    second entry.
    """
    wanted = [str(part) for part in location]
    table: list[str] = []
    entries: dict[tuple[str, ...], int] = {}
    best: tuple[int, int] | None = None  # (how much of the path matched, line)
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if line.lstrip().startswith("[["):
                index = entries.get(tuple(table), -1) + 1
                entries[tuple(table)] = index
                table = [*table, str(index)]
            path = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            path = [*table, key.group(1).strip("\"'")]
        matched = 0
        for have, want in zip(path, wanted):
            if have != want:
                break
            matched += 1
        if matched == len(path) and (best is None or matched > best[0]):
            best = (matched, number)
    return best[1] if best and best[0] > 0 else None
