"""Date and time functions over timestamps written in the configuration.

``formatdate``, ``timeadd`` and ``timecmp`` of a literal RFC 3339 timestamp
are known before apply; of ``timestamp()`` they stay unknown (the registry's
``strict`` handling), as Terraform says.
"""

from __future__ import annotations

import datetime as _dt
import re

from vpclint.load.hcl.evaluate import EvalError, to_str
from vpclint.load.hcl.functions.base import function

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))\Z")


def parse_timestamp(text: str) -> _dt.datetime:
    """An RFC 3339 timestamp, as Go's time.RFC3339 layout reads it (fractions of a second allowed)."""
    found = _RFC3339.match(text)
    if found is None:
        raise EvalError(f'not a valid RFC3339 timestamp: "{text}"')
    year, month, day, hour, minute, second, fraction, zulu, sign, off_hours, off_minutes = found.groups()
    offset = _dt.timedelta(0)
    if not zulu:
        if int(off_hours) > 23 or int(off_minutes) > 59:
            raise EvalError(f'not a valid RFC3339 timestamp: "{text}" (time zone offset out of range)')
        offset = _dt.timedelta(hours=int(off_hours), minutes=int(off_minutes))
        offset = -offset if sign == "-" else offset
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return _dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                            tzinfo=_dt.timezone(offset))
    except ValueError as exc:
        raise EvalError(f'not a valid RFC3339 timestamp: "{text}" ({exc})') from None


def _offset(moment: _dt.datetime, colon: bool) -> str:
    minutes = int(moment.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


def _is_utc(moment: _dt.datetime) -> bool:
    return moment.utcoffset() == _dt.timedelta(0)


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _verb(run: str, moment: _dt.datetime) -> str:
    hour12 = moment.hour % 12 or 12
    verbs = {
        "YYYY": f"{moment.year:04d}", "YY": f"{moment.year % 100:02d}",
        "MMMM": _MONTHS[moment.month - 1], "MMM": _MONTHS[moment.month - 1][:3],
        "MM": f"{moment.month:02d}", "M": str(moment.month),
        "DD": f"{moment.day:02d}", "D": str(moment.day),
        "EEEE": _DAYS[moment.weekday()], "EEE": _DAYS[moment.weekday()][:3],
        "hh": f"{moment.hour:02d}", "h": str(moment.hour),
        "HH": f"{hour12:02d}", "H": str(hour12),
        "AA": "PM" if moment.hour >= 12 else "AM", "aa": "pm" if moment.hour >= 12 else "am",
        "mm": f"{moment.minute:02d}", "m": str(moment.minute),
        "ss": f"{moment.second:02d}", "s": str(moment.second),
        "ZZZZZ": _offset(moment, True), "ZZZZ": _offset(moment, False),
        "ZZZ": "UTC" if _is_utc(moment) else _offset(moment, False),
        "Z": "Z" if _is_utc(moment) else _offset(moment, True),
    }
    if run not in verbs:
        raise EvalError(f"invalid date format verb {run!r}")
    return verbs[run]


@function("formatdate")
def _formatdate(spec, timestamp):
    moment = parse_timestamp(to_str(timestamp))
    spec = to_str(spec)
    out, index = [], 0
    while index < len(spec):
        char = spec[index]
        if char == "'":
            end = index + 1
            literal = []
            while True:
                if end >= len(spec):
                    raise EvalError("unterminated literal '")
                if spec[end] == "'":
                    if end + 1 < len(spec) and spec[end + 1] == "'":
                        literal.append("'")
                        end += 2
                        continue
                    break
                literal.append(spec[end])
                end += 1
            out.append("".join(literal) if end > index + 1 else "'")
            index = end + 1
        elif char.isalpha():
            end = index
            while end < len(spec) and spec[end] == char:
                end += 1
            out.append(_verb(spec[index:end], moment))
            index = end
        else:
            out.append(char)
            index += 1
    return "".join(out)


_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> _dt.timedelta:
    """A duration as Go's time.ParseDuration reads it ("1h30m", "-10m", "1.5s")."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return _dt.timedelta(0)
    seconds, index = 0.0, 0
    while index < len(body):
        found = _DURATION.match(body, index)
        if found is None or found.group(1) in ("", "."):
            raise EvalError(f'time: invalid duration "{text}"')
        seconds += float(found.group(1)) * _UNITS[found.group(2)]
        index = found.end()
    if not body:
        raise EvalError(f'time: invalid duration "{text}"')
    return _dt.timedelta(seconds=-seconds if text.startswith("-") else seconds)


def _rfc3339(moment: _dt.datetime) -> str:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return stamp + ("Z" if _is_utc(moment) else _offset(moment, True))


@function("timeadd")
def _timeadd(timestamp, duration):
    return _rfc3339(parse_timestamp(to_str(timestamp)) + parse_duration(to_str(duration)))


@function("timecmp")
def _timecmp(first, second):
    a, b = parse_timestamp(to_str(first)), parse_timestamp(to_str(second))
    return (a > b) - (a < b)
