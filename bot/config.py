"""The admin's configuration file (``config/leadbot.yaml``): load, validate, typed result."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, time, timedelta
from datetime import datetime as datetime_type
from functools import cache
from pathlib import Path
from typing import Annotated, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from bot.cron import CronError, fire_days, fires_per_minute, parse_cron, shortest_gap
from bot.library import DEFAULT_LIBRARY, Library, load_library
from bot.workdays import WEEKDAYS, Calendar, supported_countries
from bot.yamlfile import (
    FileProblems,
    LoadedYaml,
    Problem,
    collector_paused,
    format_path,
    load_yaml,
    unique_problems,
    validate,
)

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{5,}$")
_CHANNEL_NAME = re.compile(r"^#[^\s#,@A-Z]{1,80}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{5,}$")
KINDS = ("prompt", "nudges", "digest")
_KEY_OF_KIND = {"prompt": "prompt", "nudge": "nudges", "digest": "digest"}
# chat.postMessage "will generally allow an app to post 1 message per second to a specific
# channel", and limits it to "several hundred messages per minute" across the workspace
# (https://docs.slack.dev/reference/methods/chat.postMessage, "Rate limiting"). We take the
# low end of "several hundred".
SLACK_POSTS_PER_MINUTE = 300
FREQUENT = timedelta(minutes=5)  # a schedule firing more often than this draws a warning
HORIZON_DAYS = 35  # the scale check looks this far ahead: every weekday and day of the month


@cache
def _all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """Raise ValueError with a suggestion unless ``name`` is a known IANA timezone."""
    try:
        if name in _all_zones() or name == "UTC":
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    close = difflib.get_close_matches(name, sorted(_all_zones()), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else " (use an IANA name such as Europe/London)"
    raise ValueError(f"unknown timezone '{name}'{hint}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _cron(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_cron(value, ZoneInfo("UTC"))
    except CronError as exc:
        raise ValueError(str(exc)) from None
    return value


_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def _skip_date(value: object) -> date:
    """One date as YAML writes it (2026-12-24) or as a quoted ISO string."""
    if isinstance(value, datetime_type):
        raise ValueError(f"'{value}' has a time; give dates only, like 2026-12-24")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"'{value}' is not a date like 2026-12-24") from None


def _weekday(value: str) -> str:
    key = value.strip().lower()[:3]
    if key not in WEEKDAYS or len(value.strip()) < 3:
        raise ValueError(f"'{value}' is not a weekday; use mon, tue, wed, thu, fri, sat, sun")
    return key


def _user_id(value: str) -> str:
    if not _USER_ID.match(value):
        raise ValueError(f"'{value}' is not a Slack user ID (like U0123ABCD): find it in the "
                         "person's profile, More > Copy member ID")
    return value


def _known_theme(value: str, info: ValidationInfo) -> str:
    """A theme the prompt library declares (checked when the library's ids are known)."""
    known: list[str] = (info.context or {}).get("themes", [])
    if known and value not in known:
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        raise ValueError(f"unknown theme '{value}'; {hint}")
    return value


def _holidays(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    countries = supported_countries()
    if code not in countries:
        close = difflib.get_close_matches(code, sorted(countries), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"'{value}' is not a country code the holidays package knows (like "
                         f"US, GB, JP){hint}")
    return code


def _hours(value: str | None) -> str | None:
    if value is None:
        return None
    match = _HOURS.match(value.replace(" ", ""))
    if not match or (match.group(3), match.group(4)) <= (match.group(1), match.group(2)):
        raise ValueError(f"'{value}' is not a range of hours like 09:00-17:00 (start before "
                         "end)")
    return value.replace(" ", "")


class _CalendarKeys(_Strict):
    """Calendar settings, at the top level (every channel) and per channel (overrides)."""

    working_days: Annotated[list[Annotated[str, AfterValidator(_weekday)]],
                            Field(min_length=1)] | None = None
    skip_dates: list[Annotated[date, BeforeValidator(_skip_date)]] | None = None
    holidays: str | None = None
    working_hours: str | None = None
    follow_up_days: Annotated[int, Field(ge=0, le=30)] | None = None
    min_group_size: Annotated[int, Field(ge=1, le=100)] | None = None

    _country = field_validator("holidays")(classmethod(lambda cls, v: _holidays(v)))
    _hours_ok = field_validator("working_hours")(classmethod(lambda cls, v: _hours(v)))


class ChannelConfig(_CalendarKeys):
    """One team channel and its schedules."""

    channel: str
    timezone: str | None = None
    prompt: str | None = None
    nudges: str | None = None
    digest: str | None = None
    themes: Annotated[list[Annotated[str, AfterValidator(_known_theme)]],
                      Field(min_length=1)] | None = None
    show_names: bool = False

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if _CHANNEL_ID.match(value) or _CHANNEL_NAME.match(value):
            return value
        if value.startswith("#"):
            raise ValueError(f"'{value}' is not a Slack channel name: lowercase, no spaces, "
                             "at most 80 characters")
        raise ValueError(f"'{value}' is neither a channel ID (like C0123ABCD) nor a "
                         "#channel-name")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    _prompt = field_validator("prompt", "nudges", "digest")(_cron)


class ConfigFile(_CalendarKeys):
    """The top level of ``leadbot.yaml``."""

    timezone: str
    admins: list[Annotated[str, AfterValidator(_user_id)]] = []
    library: str | None = None
    missed_run_grace: Annotated[int, Field(ge=0, le=1440)] = 60
    concurrency: Annotated[int, Field(ge=1, le=64)] = 8
    retention_days: Annotated[int, Field(ge=0, le=36500)] = 365
    quiet_after: Annotated[int, Field(ge=0, le=50)] = 3
    channels: Annotated[list[ChannelConfig], Field(min_length=1)]

    _tz = field_validator("timezone")(classmethod(lambda cls, v: check_timezone(v)))


@dataclass(frozen=True)
class Channel:
    """A validated channel with its timezone resolved."""

    channel: str
    tz: ZoneInfo
    prompt: str | None
    nudges: str | None
    digest: str | None
    themes: tuple[str, ...] | None
    show_names: bool = False
    calendar: Calendar = field(default_factory=Calendar)
    follow_up_days: int = 3
    min_group_size: int = 3
    # the line of each schedule key in the file, for warnings
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def schedules(self) -> dict[str, str]:
        """The kinds this channel posts and their cron expressions (prompt, nudge, digest)."""
        kinds = {"prompt": self.prompt, "nudge": self.nudges, "digest": self.digest}
        return {kind: cron for kind, cron in kinds.items() if cron}


@dataclass(frozen=True)
class Config:
    """The admin's whole configuration, validated, with the prompt library loaded."""

    path: Path
    timezone: ZoneInfo
    admins: tuple[str, ...]
    library_path: Path
    library: Library
    channels: tuple[Channel, ...]
    missed_run_grace: timedelta = timedelta(hours=1)
    concurrency: int = 8
    retention_days: int = 365
    quiet_after: int = 3
    # old key names read as today's (``behaviors`` for ``themes``): warnings for check-config
    notes: tuple[Problem, ...] = ()

    def channel(self, ref: str) -> Channel | None:
        """The channel configured as ``ref`` (an ID or #name)."""
        return next((c for c in self.channels if c.channel == ref), None)


def load_config(path: Path) -> Config:
    """Load and validate the configuration and its library; raise FileProblems with every error."""
    with collector_paused():  # 100,000 channels are millions of objects and no cycles
        return _load_config(path)


def _load_config(path: Path) -> Config:
    loaded = load_yaml(path)
    data = loaded.data if isinstance(loaded.data, dict) else {}
    notes = _old_names(loaded, data.get("channels"))
    raw_library = data.get("library")
    library_path = DEFAULT_LIBRARY
    if isinstance(raw_library, str) and raw_library:
        library_path = (path.parent / raw_library).resolve()
    elif raw_library is None and (path.parent / "prompts.yaml").is_file():
        library_path = (path.parent / "prompts.yaml").resolve()
    library: Library | None = None
    problems: list[Problem] = []
    known: list[str] = []
    try:
        library = load_library(library_path, notes)
        known = list(library.themes)
    except FileProblems as exc:
        problems.extend(_library_problems(loaded, raw_library, library_path, exc.problems))
        known = list(getattr(exc, "themes", ()))
    parsed: ConfigFile | None = None
    try:
        parsed = validate(loaded, ConfigFile, context={"themes": known},
                          what="configuration")
    except FileProblems as exc:
        problems.extend(exc.problems)
    channels = data.get("channels")
    problems.extend(_duplicates(loaded, channels))
    problems.extend(_unscheduled(loaded, channels))
    problems.extend(_themes_twice(loaded, channels))
    if problems or parsed is None or library is None:
        raise FileProblems(sorted(unique_problems(problems),
                                  key=lambda p: (p.file != loaded.file, p.line or 0)))
    default_tz = ZoneInfo(parsed.timezone)
    calendars: dict[tuple, Calendar] = {}  # thousands of channels share a few calendars
    channels = tuple(
        Channel(
            channel=c.channel,
            tz=ZoneInfo(c.timezone) if c.timezone else default_tz,
            prompt=c.prompt,
            nudges=c.nudges,
            digest=c.digest,
            themes=tuple(c.themes) if c.themes else None,
            show_names=c.show_names,
            calendar=_shared_calendar(calendars, parsed, c),
            follow_up_days=_pick(c.follow_up_days, parsed.follow_up_days, 3),
            min_group_size=_pick(c.min_group_size, parsed.min_group_size, 3),
            lines={key: loaded.line_for(("channels", index, key), key=True) or 0
                   for key in KINDS if getattr(c, key)},
        )
        for index, c in enumerate(parsed.channels)
    )
    return Config(path, default_tz, tuple(parsed.admins), library_path, library, channels,
                  missed_run_grace=timedelta(minutes=parsed.missed_run_grace),
                  concurrency=parsed.concurrency, retention_days=parsed.retention_days,
                  quiet_after=parsed.quiet_after, notes=tuple(notes))


def _pick(*values):
    """The first value that is set: the channel's, then the top level's, then the default."""
    for value in values:
        if value is not None:
            return value
    return None


def _shared_calendar(made: dict[tuple, Calendar], top: ConfigFile,
                     channel: ChannelConfig) -> Calendar:
    """The channel's calendar: one object for every channel with the same calendar keys."""
    key = (channel.working_days and tuple(channel.working_days), channel.working_hours,
           channel.holidays, channel.skip_dates and tuple(channel.skip_dates))
    if key not in made:
        made[key] = _calendar(top, channel)
    return made[key]


def _calendar(top: ConfigFile, channel: ChannelConfig) -> Calendar:
    """A channel's calendar: its own keys, else the top level's; skip_dates from both."""
    days = _pick(channel.working_days, top.working_days, list(WEEKDAYS[:5]))
    hours = _pick(channel.working_hours, top.working_hours, "09:00-17:00")
    start, end = hours.split("-")
    return Calendar(
        working_days=frozenset(WEEKDAYS.index(d) for d in days),
        skip_dates=frozenset([*(top.skip_dates or []), *(channel.skip_dates or [])]),
        holidays=_pick(channel.holidays, top.holidays, ""),
        hours=(time.fromisoformat(start), time.max if end == "24:00" else
               time.fromisoformat(end)))


def _library_problems(loaded: LoadedYaml, raw_library: object, library_path: Path,
                      problems: list[Problem]) -> list[Problem]:
    """The library's problems, each at its own line of its own file; a library file that
    cannot be read at all is reported at the ``library:`` line that names it."""
    if raw_library is None or len(problems) != 1 or problems[0].line is not None:
        return problems
    return [Problem(loaded.file, loaded.line_for(("library",)), "library",
                    f"{library_path}: {problems[0].message}")]


def _unscheduled(loaded: LoadedYaml, channels: object) -> list[Problem]:
    """Channels with no schedule (checked on the raw data, so other errors do not hide it)."""
    if not isinstance(channels, list):
        return []
    return [Problem(loaded.file, loaded.line_for(("channels", index)), f"channels[{index}]",
                    "give at least one schedule: prompt, nudges or digest")
            for index, channel in enumerate(channels)
            if isinstance(channel, dict) and all(channel.get(key) is None for key in KINDS)
            and not _misspelt_schedule(channel)]


def _misspelt_schedule(channel: dict) -> bool:
    """A key like ``promt``: its own line already says "did you mean 'prompt'?"."""
    fields = list(ChannelConfig.model_fields)
    for key in channel:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6)
            if close and close[0] in KINDS:
                return True
    return False


def _old_names(loaded: LoadedYaml, channels: object) -> list[Problem]:
    """Read a channel's ``behaviors:`` (its name until 0.11) as ``themes:``; a warning each."""
    found = [loaded.rename_key(("channels", index), "behaviors", "themes")
             for index in range(len(channels) if isinstance(channels, list) else 0)]
    return [problem for problem in found if problem is not None]


def _themes_twice(loaded: LoadedYaml, channels: object) -> list[Problem]:
    """A theme listed twice in a channel (on the raw data, like the checks above)."""
    out: list[Problem] = []
    for index, channel in enumerate(channels if isinstance(channels, list) else []):
        themes = channel.get("themes") if isinstance(channel, dict) else None
        first: dict[str, int] = {}
        for item, theme in enumerate(themes if isinstance(themes, list) else []):
            if not isinstance(theme, str):
                continue
            path = ("channels", index, "themes", item)
            if theme in first:
                out.append(Problem(loaded.file, loaded.line_for(path), format_path(path),
                                   f"'{theme}' is listed twice (first at line "
                                   f"{first[theme]}); list each theme once"))
            else:
                first[theme] = loaded.line_for(path) or 0
    return out


def _duplicates(loaded: LoadedYaml, channels: object) -> list[Problem]:
    """Channels listed twice (checked on the raw data, so other errors do not hide it)."""
    if not isinstance(channels, list):
        return []
    seen: dict[str, int] = {}
    out = []
    for index, channel in enumerate(channels):
        key = channel.get("channel") if isinstance(channel, dict) else None
        if not isinstance(key, str):
            continue
        if key in seen:
            first = seen[key]
            out.append(Problem(loaded.file, loaded.line_for(("channels", index, "channel")),
                               f"channels[{index}].channel",
                               f"'{key}' is already configured at channels[{first}] (line "
                               f"{loaded.line_for(('channels', first, 'channel'))}); list "
                               "each channel once"))
        else:
            seen[key] = index
    return out


class _Use(NamedTuple):
    """Where a schedule is used: the channel's index in the file, the channel, the key."""

    index: int
    channel: Channel
    key: str


def scale_warnings(config: Config, now: datetime_type) -> list[Problem]:
    """Warnings, not errors: a schedule that fires more often than every 5 minutes, and a
    minute in the next HORIZON_DAYS whose posts across all channels exceed Slack's rate."""
    days = [now.astimezone(UTC).date() + timedelta(days=i) for i in range(-1, HORIZON_DAYS)]
    uses: dict[str, list[_Use]] = {}  # each expression, where it is used
    for index, channel in enumerate(config.channels):
        for kind, expr in channel.schedules().items():
            uses.setdefault(expr, []).append(_Use(index, channel, _KEY_OF_KIND[kind]))
    out = []
    frequent = set()
    for expr, where in uses.items():
        gap = shortest_gap(parse_cron(expr, UTC), days)
        if gap is not None and gap < FREQUENT:
            frequent.add(expr)
            more = f" (and in {len(where) - 1:,} more schedule(s))" if len(where) > 1 else ""
            out.append(_at(config, where[0], f"'{expr}' fires as often as every {_span(gap)}, "
                                             f"more often than every 5 minutes{more}"))
    busiest, posts, first = _busiest_minute(uses, frequent, days)
    if first is not None and posts > SLACK_POSTS_PER_MINUTE:
        when = f" ({busiest:%a %d %b %H:%M} UTC)" if busiest else ""
        out.append(_at(config, first, f"up to {posts:,} posts fall due in one minute{when}, "
                                      "across all channels; Slack takes several hundred a "
                                      f"minute from an app (leadbot warns above "
                                      f"{SLACK_POSTS_PER_MINUTE}): spread the schedules over "
                                      "more minutes"))
    return out


def _busiest_minute(uses: dict[str, list[_Use]], frequent: set[str], days: list[date]
                    ) -> tuple[datetime_type | None, int, _Use | None]:
    """The minute with the most posts due, how many, and the first schedule posting in it.

    A schedule firing every few minutes counts its most in one minute in every minute: an
    upper bound that spares listing tens of thousands of fire times.
    """
    counts: Counter[datetime_type] = Counter()
    first_in: dict[datetime_type, _Use] = {}
    steady, steady_first = 0, None
    groups: dict[tuple[str, ZoneInfo], list[_Use]] = {}
    for expr, where in uses.items():
        for use in where:
            groups.setdefault((expr, use.channel.tz), []).append(use)
    for (expr, tz), where in groups.items():
        trigger = parse_cron(expr, tz)
        if expr in frequent:
            fires = fires_per_minute(trigger, fire_days(trigger, days)[:1])
            steady += len(where) * max(fires.values(), default=0)
            steady_first = steady_first or where[0]
            continue
        for minute, fires in fires_per_minute(trigger, days).items():
            counts[minute] += len(where) * fires
            held = first_in.get(minute)
            if held is None or where[0].index < held.index:
                first_in[minute] = where[0]
    if not counts:
        return None, steady, steady_first
    busiest, posts = counts.most_common(1)[0]
    candidates = [use for use in (first_in[busiest], steady_first) if use is not None]
    return busiest, posts + steady, min(candidates, key=lambda use: use.index)


def _at(config: Config, use: _Use, message: str) -> Problem:
    return Problem(str(config.path), use.channel.lines.get(use.key) or None,
                   f"channels[{use.index}].{use.key}", message)


def _span(delta: timedelta) -> str:
    minutes, seconds = divmod(int(delta.total_seconds()), 60)
    return " ".join(part for part in (f"{minutes} min" if minutes else "",
                                      f"{seconds} s" if seconds else "") if part)
