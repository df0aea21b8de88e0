#!/usr/bin/env python3
"""Independent brute-force check of the cron tables in this directory.

This is a second implementation of API.md section 6, written from the spec and not from the C++
engine, so that the tables do not merely echo what the engine computes. It is deliberately
slow and simple: fire times come from walking the UTC timeline minute by minute (second by
second inside a minute when needed), reading the wall clock through Python's zoneinfo and
applying the rules:

  * a wildcard schedule (seconds, minute or hour field starts with '*', or @hourly) fires at
    every instant whose wall-clock reading matches, so skipped readings never fire and
    repeated readings fire in both passes;
  * a fixed-time schedule fires each matching reading the first time the wall clock reaches or
    passes it: the walk keeps the highest reading seen so far, and when the clock moves beyond
    it, every matching reading in between fires at that instant (a reading jumped over by a
    spring-forward fires at the first instant after the gap; a reading shown again after a
    fall-back is not new and does not fire again).

Usage:
  verify_tables.py                 check every table line; exit 1 on any mismatch
  verify_tables.py --fill FILE     replace expected columns written as `?N` (N fire times) with
                                   the reference's answer, in place (for drafting new lines;
                                   review what it writes before keeping it)

Python 3.9+ standard library only. Not run by CI (python3 may be absent there).
"""

import datetime as dt
import os
import re
import sys
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
ZONEINFO_DIR = "/usr/share/zoneinfo"
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
MIN_INSTANT = int((dt.datetime(1, 1, 1) - dt.datetime(1970, 1, 1)).total_seconds())
MAX_INSTANT = int((dt.datetime(9999, 12, 31, 23, 59, 59) - dt.datetime(1970, 1, 1)).total_seconds())

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# (name, low, high) per field; day-of-week 7 is another Sunday.
SECOND, MINUTE, HOUR, DOM, MONTH, DOW = range(6)
BOUNDS = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


class Invalid(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Parsing (spec semantics only; error wording is the C++ parser's business and is not checked)


def parse_number(token, field):
    low, high = BOUNDS[field]
    if token.isdigit() and token.isascii():
        value = int(token)
    elif field == MONTH and token.upper() in MONTHS:
        value = MONTHS.index(token.upper()) + 1
    elif field == DOW and token.upper() in WEEKDAYS:
        value = WEEKDAYS.index(token.upper())
    else:
        raise Invalid("bad value %r" % token)
    if not low <= value <= high:
        raise Invalid("value %d out of range" % value)
    return value


class Field:
    def __init__(self, text, field):
        self.text = text
        self.values = set()
        self.last_day = False  # L
        self.last_weekday = False  # LW
        self.nearest = set()  # 15W
        self.last_of = set()  # 5L
        self.nth = set()  # (weekday, k)
        self.restricted = text not in ("*", "?") if field in (DOM, DOW) else True
        if text == "?" and field not in (DOM, DOW):
            raise Invalid("? outside day fields")
        if text == "":
            raise Invalid("empty field")
        if text.count(",") >= MAX_LIST_ITEMS:
            raise Invalid("too many list items")
        for item in text.split(","):
            self._item(item, field)
        if field == DOW:
            self.values = {v % 7 for v in self.values}

    def _item(self, item, field):
        low, high = BOUNDS[field]
        if field == DOW:
            high = 6  # "*" and "5/15" run to Saturday; 7 is only a second name for Sunday
        up = item.upper()
        if item == "":
            raise Invalid("empty item")
        if item == "?" and field in (DOM, DOW):
            self.values.update(range(low, high + 1))
            return
        if field == DOM:
            if up == "L":
                self.last_day = True
                return
            if up == "LW":
                self.last_weekday = True
                return
            if up.endswith("W") and "/" not in up:
                self.nearest.add(parse_number(item[:-1], DOM))
                return
        if field == DOW:
            if "#" in item:
                day, k = item.split("#", 1)
                if not (k.isdigit() and 1 <= int(k) <= 5):
                    raise Invalid("bad occurrence")
                self.nth.add((parse_number(day, DOW) % 7, int(k)))
                return
            if up.endswith("L") and "/" not in up:
                self.last_of.add(parse_number(item[:-1], DOW) % 7)
                return
        step = 1
        base = item
        if "/" in item:
            base, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise Invalid("bad step")
            step = int(step_text)
            if step > high - low:
                raise Invalid("step longer than the field")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = parse_number(a, field), parse_number(b, field)
            if start > end:
                raise Invalid("reversed range")
        else:
            start = parse_number(base, field)
            end = high if "/" in item else start
        self.values.update(range(start, end + 1, step))


# Limits API.md leaves to the implementation (CronExpression::kMaxLength, kMaxListItems, and a
# step no longer than the field's span), kept here so invalid.txt can be checked too.
MAX_LENGTH = 256
MAX_LIST_ITEMS = 64


class Cron:
    def __init__(self, text, allow_seconds):
        text = text.strip(" \t")
        if len(text) > MAX_LENGTH:
            raise Invalid("too long")
        if text.startswith("@"):
            if text not in MACROS:
                raise Invalid("unknown macro")
            self.wildcard = text == "@hourly"
            parts = ["0"] + MACROS[text].split()
        else:
            parts = text.split()
            if len(parts) == 6 and not allow_seconds:
                raise Invalid("seconds not enabled")
            if len(parts) == 5:
                parts = ["0"] + parts
            if len(parts) != 6:
                raise Invalid("field count")
            self.wildcard = any(parts[f].startswith("*") for f in (SECOND, MINUTE, HOUR))
        self.fields = [Field(p, f) for f, p in enumerate(parts)]
        self._day_cache = {}
        if not any(self.day_matches(y, m, d)
                   for y in range(2000, 2400) for m in range(1, 13)
                   for d in range(1, days_in_month(y, m) + 1)):
            raise Invalid("never fires")

    def day_matches(self, y, m, d):
        key = (y, m, d)
        hit = self._day_cache.get(key)
        if hit is None:
            hit = self._day_cache[key] = self._compute_day(y, m, d)
        return hit

    def _compute_day(self, y, m, d):
        if m not in self.fields[MONTH].values:
            return False
        dom, dow = self.fields[DOM], self.fields[DOW]
        last = days_in_month(y, m)
        weekday = dt.date(y, m, d).isoweekday() % 7  # 0 = Sunday

        def dom_hit():
            if d in dom.values or (dom.last_day and d == last):
                return True
            if dom.last_weekday and d == nearest_weekday(y, m, last):
                return True
            return any(n <= last and d == nearest_weekday(y, m, n) for n in dom.nearest)

        def dow_hit():
            if weekday in dow.values:
                return True
            if weekday in dow.last_of and d + 7 > last:
                return True
            return (weekday, (d - 1) // 7 + 1) in dow.nth

        if dom.restricted and dow.restricted:
            return dom_hit() or dow_hit()
        if dom.restricted:
            return dom_hit()
        if dow.restricted:
            return dow_hit()
        return True

    def matches(self, reading):
        days, secs = divmod(reading, 86400)
        date = dt.date.fromordinal(EPOCH_ORDINAL + days)
        f = self.fields
        return (secs % 60 in f[SECOND].values and secs // 60 % 60 in f[MINUTE].values
                and secs // 3600 in f[HOUR].values
                and self.day_matches(date.year, date.month, date.day))

    def date_possible(self, ordinal):
        if not 1 <= ordinal <= dt.date.max.toordinal():
            return False  # the engine's calendar ends with year 9999 too
        date = dt.date.fromordinal(ordinal)
        return self.day_matches(date.year, date.month, date.day)


def days_in_month(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def nearest_weekday(y, m, n):
    """The Monday-Friday nearest to day n, staying inside the month."""
    weekday = dt.date(y, m, n).isoweekday()  # 6 = Saturday, 7 = Sunday
    last = days_in_month(y, m)
    if weekday == 6:
        return n - 1 if n > 1 else n + 2
    if weekday == 7:
        return n + 1 if n < last else n - 2
    return n


# ---------------------------------------------------------------------------------------------
# Zones and the walk


class Zone:
    def __init__(self, name):
        self.fixed = None
        path = find_zone_file(name)
        if path is None:
            raise SystemExit("unknown zone %r" % name)
        rel = os.path.relpath(path, ZONEINFO_DIR)
        self.info = zoneinfo.ZoneInfo(rel)
        if os.path.realpath(path) == os.path.realpath(os.path.join(ZONEINFO_DIR, "UTC")):
            self.fixed = 0
        self._cache = {}

    def offset(self, t):
        if self.fixed is not None:
            return self.fixed
        hour = t // 3600
        if hour not in self._cache:
            # An hour showing one offset at both ends and in the middle has it throughout
            # (transitions are further apart than that); other hours are asked per second.
            begin = hour * 3600
            a, b, c = self._raw(begin), self._raw(begin + 1800), self._raw(begin + 3599)
            self._cache[hour] = a if a == b == c else None
        cached = self._cache[hour]
        return cached if cached is not None else self._raw(t)

    def _raw(self, t):
        when = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=t)
        return int(when.astimezone(self.info).utcoffset().total_seconds())

    def local(self, t):
        return t + self.offset(t)


def find_zone_file(name):
    direct = os.path.join(ZONEINFO_DIR, name)
    if os.path.isfile(direct):
        return direct
    folded = name.lower()
    for root, _, files in os.walk(ZONEINFO_DIR):
        for f in files:
            full = os.path.join(root, f)
            if os.path.relpath(full, ZONEINFO_DIR).lower() == folded:
                return full
    return None


def max_reading_up_to(zone, t):
    """The highest wall-clock reading shown at any instant <= t."""
    best = zone.local(t)
    u = t
    while u > t - 30 * 3600:
        if zone.offset(u - 60) != zone.offset(u):
            lo, hi = u - 60, u  # offset(lo) != offset(hi); find the first second of the new one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if zone.offset(mid) == zone.offset(lo):
                    lo = mid
                else:
                    hi = mid
            best = max(best, zone.local(lo))
        u -= 60
    return best


def walk(cron, zone, start, stop, limit):
    """Fire instants in (start, stop), ascending, at most `limit` of them."""
    fires = []

    def fire(t):
        if not fires or fires[-1] != t:
            fires.append(t)

    def matching(lo, hi):
        """Matching readings in [lo, hi]."""
        step = 1 if cron.fields[SECOND].values != {0} else 60
        r = lo if step == 1 else -(-lo // 60) * 60
        while r <= hi:
            if cron.date_possible(EPOCH_ORDINAL + r // 86400):
                if cron.matches(r):
                    yield r
                r += step
            else:
                r = (r // 86400 + 1) * 86400  # the next local midnight
                if step == 60:
                    r = -(-r // 60) * 60

    high = None if cron.wildcard else max_reading_up_to(zone, start)
    day = (start + 1) // 86400
    while len(fires) < limit:
        day_begin = max(day * 86400, start + 1)
        if EPOCH_ORDINAL + day < 1:  # before year 1: the engine's calendar starts there too
            day += 1
            continue
        day_end = min((day + 1) * 86400, stop)
        if day_begin >= day_end:
            break
        ordinal = EPOCH_ORDINAL + day
        if not any(cron.date_possible(ordinal + k) for k in (-1, 0, 1)):
            # No reading shown during this UTC day can match (offsets are within +-24h).
            if high is not None:
                high = max(high, zone.local(day_end - 1))
            day += 1
            continue
        t = day_begin
        while t < day_end and len(fires) < limit:
            block_end = min((t // 60 + 1) * 60, day_end)
            offset = zone.offset(t)
            if zone.offset(block_end - 1) != offset:
                block_end = t + 1
            first, last = t + offset, block_end - 1 + offset
            if high is None:
                for r in matching(first, last):
                    fire(r - offset)
            elif last > high:
                for r in matching(high + 1, last):
                    fire(max(t, r - offset))
                high = last
            t = block_end
        day += 1
    return fires[:limit]


def upcoming(cron, zone, after, n):
    return walk(cron, zone, after, MAX_INSTANT + 1, n)


def previous(cron, zone, before, n):
    window = 3 * 86400
    while True:
        begin = max(before - window, MIN_INSTANT - 1)
        found = walk(cron, zone, begin, before, 1 << 60)
        if len(found) >= n or begin < MIN_INSTANT:
            return list(reversed(found[-n:]))
        window *= 2


# ---------------------------------------------------------------------------------------------
# Tables


def parse_instant(text):
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(Z|[+-]\d\d:\d\d)", text)
    if not m:
        raise ValueError("bad instant %r" % text)
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    offset = 0
    if m.group(7) != "Z":
        sign = -1 if m.group(7)[0] == "-" else 1
        offset = sign * (int(m.group(7)[1:3]) * 3600 + int(m.group(7)[4:6]) * 60)
    days = dt.date(y, mo, d).toordinal() - EPOCH_ORDINAL
    return days * 86400 + h * 3600 + mi * 60 + s - offset


def format_instant(t, zone=None):
    offset = zone.offset(t) if zone is not None else 0
    days, secs = divmod(t + offset, 86400)
    date = dt.date.fromordinal(EPOCH_ORDINAL + days)
    text = "%sT%02d:%02d:%02d" % (date.isoformat(), secs // 3600, secs // 60 % 60, secs % 60)
    if offset == 0:
        return text + "Z"
    sign = "-" if offset < 0 else "+"
    return "%s%s%02d:%02d" % (text, sign, abs(offset) // 3600, abs(offset) // 60 % 60)


def split_expression(column):
    column = column.strip()
    seconds = False
    if column.startswith("seconds:"):
        seconds = True
        column = column[len("seconds:"):].strip()
    if len(column) >= 2 and column[0] == '"' and column[-1] == '"':
        column = column[1:-1]
    return column, seconds


ZONES = {}


def zone_named(name):
    if name not in ZONES:
        ZONES[name] = Zone(name)
    return ZONES[name]


def check_file(path, fill):
    name = os.path.basename(path)
    invalid_table = name.startswith("invalid")
    problems = 0
    cases = 0
    out_lines = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines, 1):
        out_lines.append(line)
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cases += 1
        columns = [c.strip() for c in line.split("|")]
        where = "%s:%d" % (name, number)
        if invalid_table:
            if len(columns) != 2 or not columns[1]:
                print("%s: malformed line" % where)
                problems += 1
                continue
            text, seconds = split_expression(columns[0])
            try:
                Cron(text, seconds)
                print("%s: the reference accepts %r" % (where, text))
                problems += 1
            except Invalid:
                pass
            continue
        if len(columns) != 4:
            print("%s: malformed line" % where)
            problems += 1
            continue
        text, seconds = split_expression(columns[0])
        zone = zone_named(columns[1])
        direction, when = columns[2].split()
        start = parse_instant(when)
        try:
            cron = Cron(text, seconds)
        except Invalid as e:
            print("%s: the reference rejects %r: %s" % (where, text, e))
            problems += 1
            continue
        if columns[3].startswith("?"):
            n = int(columns[3][1:])
        elif columns[3] == "none":
            n = 1
        else:
            expected = [parse_instant(x) for x in columns[3].split()]
            n = len(expected)
        if direction == ">":
            got = upcoming(cron, zone, start, n)
        elif direction == "<":
            got = previous(cron, zone, start, n)
        else:
            print("%s: bad direction %r" % (where, direction))
            problems += 1
            continue
        if columns[3].startswith("?"):
            shown = " ".join(format_instant(t, zone) for t in got) or "none"
            out_lines[-1] = line[:line.rindex("|") + 1] + " " + shown
            continue
        if columns[3] == "none":
            expected = []
        if got != expected:
            print("%s: %s\n  expected %s\n  reference %s" % (
                where, text, " ".join(format_instant(t) for t in expected),
                " ".join(format_instant(t) for t in got)))
            problems += 1
    if fill:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out_lines))
    return cases, problems


def main(argv):
    if len(argv) >= 2 and argv[0] == "--fill":
        for path in argv[1:]:
            check_file(path, fill=True)
        return 0
    paths = argv or sorted(os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".txt"))
    total_cases = total_problems = 0
    for path in paths:
        cases, problems = check_file(path, fill=False)
        print("%-28s %4d cases, %d problems" % (os.path.basename(path), cases, problems))
        total_cases += cases
        total_problems += problems
    print("total %d cases, %d problems" % (total_cases, total_problems))
    return 1 if total_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
