#include "tests/unit/core/cron/reference_matcher.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace backbeat::core::cron {
namespace {

using std::chrono::days;
using std::chrono::seconds;

struct Reading {
  int year;
  unsigned month;
  unsigned day;
  int hour;
  int minute;
  int second;
};

Reading Split(LocalSeconds local) {
  const auto midnight = std::chrono::floor<days>(local);
  const std::chrono::year_month_day ymd{midnight};
  const auto tod = (local - midnight).count();
  return {int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()),
          int(tod / 3600), int(tod / 60 % 60),    int(tod % 60)};
}

unsigned DaysIn(int year, unsigned month) {
  const std::chrono::year_month_day_last last{
      std::chrono::year{year}, std::chrono::month_day_last{std::chrono::month{month}}};
  return unsigned(last.day());
}

// 0 = Sunday.
unsigned Weekday(int year, unsigned month, unsigned day) {
  const std::chrono::sys_days date{std::chrono::year{year} / std::chrono::month{month} /
                                   std::chrono::day{day}};
  return std::chrono::weekday{date}.c_encoding();
}

bool IsMondayToFriday(int year, unsigned month, unsigned day) {
  const unsigned w = Weekday(year, month, day);
  return w >= 1 && w <= 5;
}

// "LW": walk back from the month's last day to the first Monday-Friday.
unsigned LastWeekday(int year, unsigned month) {
  unsigned day = DaysIn(year, month);
  while (!IsMondayToFriday(year, month, day)) --day;
  return day;
}

// "15W": the Monday-Friday closest to `target` without leaving the month; 0 when the month has
// no such day. Searching outwards one day at a time never meets a tie (a Saturday's Friday is
// one day away, its Monday two; the reverse for a Sunday).
unsigned NearestWeekday(int year, unsigned month, unsigned target) {
  const unsigned n = DaysIn(year, month);
  if (target > n) return 0;
  for (unsigned distance = 0; distance <= 3; ++distance) {
    if (target > distance && IsMondayToFriday(year, month, target - distance)) {
      return target - distance;
    }
    if (target + distance <= n && IsMondayToFriday(year, month, target + distance)) {
      return target + distance;
    }
  }
  return 0;
}

LocalSeconds ToLocal(Instant t, seconds offset) {
  return LocalSeconds{t.time_since_epoch() + offset};
}

// The latest reading any instant before `from` showed. Readings rise within a segment, so each
// segment's last instant shows its latest; a fall-back can make an earlier segment's last
// reading the latest, so look a few segments back.
LocalSeconds LatestReadingBefore(Instant from, const TimeZone& zone) {
  const Instant last = from - seconds(1);
  ZoneSegment segment = zone.SegmentAt(last);
  LocalSeconds latest = ToLocal(last, segment.offset);
  for (int i = 0; i < 3 && segment.begin != Instant::min(); ++i) {
    const Instant end = segment.begin - seconds(1);
    segment = zone.SegmentAt(end);
    latest = std::max(latest, ToLocal(end, segment.offset));
  }
  return latest;
}

bool IsPlain(const FieldItem& item) {
  return item.kind == FieldItem::Kind::kAll || item.kind == FieldItem::Kind::kRange;
}

}  // namespace

ReferenceMatcher::ReferenceMatcher(const CronExpression& expression) {
  for (int k = 0; k < kFieldCount; ++k) {
    const auto kind = static_cast<FieldKind>(k);
    for (const FieldItem& item : expression.field(kind).items) {
      if (!IsPlain(item)) continue;
      for (int v = item.from; v <= item.to; v += item.step) {
        plain_[k] |= uint64_t{1} << (kind == FieldKind::kDayOfWeek ? v % 7 : v);
      }
    }
  }
  const FieldSet& dom = expression.field(FieldKind::kDayOfMonth);
  const FieldSet& dow = expression.field(FieldKind::kDayOfWeek);
  dom_items_ = dom.items;
  dow_items_ = dow.items;
  dom_restricted_ = !dom.wildcard;
  dow_restricted_ = !dow.wildcard;

  std::string text = expression.text();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  fixed_time_ = !expression.field(FieldKind::kSecond).starts_with_star &&
                !expression.field(FieldKind::kMinute).starts_with_star &&
                !expression.field(FieldKind::kHour).starts_with_star && text != "@hourly";
}

bool ReferenceMatcher::MatchesDayOfMonth(int year, unsigned month, unsigned day) const {
  const unsigned n = DaysIn(year, month);
  for (const FieldItem& item : dom_items_) {
    switch (item.kind) {
      case FieldItem::Kind::kAll:
      case FieldItem::Kind::kRange:
        if (int(day) >= item.from && int(day) <= item.to &&
            (int(day) - item.from) % item.step == 0) {
          return true;
        }
        break;
      case FieldItem::Kind::kLastDay:
        if (day == n) return true;
        break;
      case FieldItem::Kind::kLastWeekday:
        if (day == LastWeekday(year, month)) return true;
        break;
      case FieldItem::Kind::kNearestWeekday:
        if (day == NearestWeekday(year, month, unsigned(item.from))) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

bool ReferenceMatcher::MatchesDayOfWeek(int year, unsigned month, unsigned day) const {
  const unsigned n = DaysIn(year, month);
  const int weekday = int(Weekday(year, month, day));
  for (const FieldItem& item : dow_items_) {
    switch (item.kind) {
      case FieldItem::Kind::kAll:
      case FieldItem::Kind::kRange:
        for (int v = item.from; v <= item.to; v += item.step) {
          if (v % 7 == weekday) return true;
        }
        break;
      case FieldItem::Kind::kLastOfWeek:
        // The last one: a week later is already in the next month.
        if (weekday == item.from % 7 && day + 7 > n) return true;
        break;
      case FieldItem::Kind::kNthOfWeek:
        // Days 1-7 hold each weekday's first occurrence, 8-14 its second, and so on.
        if (weekday == item.from % 7 && int((day - 1) / 7 + 1) == item.to) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

bool ReferenceMatcher::MatchesDay(int year, unsigned month, unsigned day) const {
  if (!Has(FieldKind::kMonth, int(month))) return false;
  if (dom_restricted_ && dow_restricted_) {
    return MatchesDayOfMonth(year, month, day) || MatchesDayOfWeek(year, month, day);
  }
  if (dom_restricted_) return MatchesDayOfMonth(year, month, day);
  if (dow_restricted_) return MatchesDayOfWeek(year, month, day);
  return true;
}

bool ReferenceMatcher::Matches(LocalSeconds local) const {
  const Reading r = Split(local);
  return Has(FieldKind::kSecond, r.second) && Has(FieldKind::kMinute, r.minute) &&
         Has(FieldKind::kHour, r.hour) && MatchesDay(r.year, r.month, r.day);
}

seconds ReferenceMatcher::SafeStep(LocalSeconds local) const {
  const Reading r = Split(local);
  const int64_t tod = (local - std::chrono::floor<days>(local)).count();
  if (!MatchesDay(r.year, r.month, r.day)) return seconds(86400 - tod);
  if (!Has(FieldKind::kHour, r.hour)) return seconds(3600 - tod % 3600);
  if (!Has(FieldKind::kMinute, r.minute)) return seconds(60 - tod % 60);
  int second = r.second;
  if (Has(FieldKind::kSecond, second)) return seconds(1);
  while (second < 60 && !Has(FieldKind::kSecond, second)) ++second;
  return seconds(second - r.second);
}

bool ReferenceMatcher::AnyMatchIn(LocalSeconds from, LocalSeconds until) const {
  for (LocalSeconds r = from; r < until; r += SafeStep(r)) {
    if (Matches(r)) return true;
  }
  return false;
}

void ReferenceMatcher::ForEachFire(Instant from, Instant until, const TimeZone& zone,
                                   const std::function<bool(Instant)>& visit) const {
  if (from >= until) return;
  LocalSeconds latest = LatestReadingBefore(from, zone);
  for (Instant t = from; t < until;) {
    const ZoneSegment segment = zone.SegmentAt(t);
    const LocalSeconds local = ToLocal(t, segment.offset);
    bool fire = false;
    if (fixed_time_ && t == segment.begin) {
      const ZoneSegment before = zone.SegmentAt(t - seconds(1));
      // A spring-forward: the readings [t + old offset, t + new offset) were never shown.
      if (before.offset < segment.offset) fire = AnyMatchIn(ToLocal(t, before.offset), local);
    }
    if (Matches(local) && (!fixed_time_ || local > latest)) fire = true;
    if (fire && !visit(t)) return;
    // Never step over an offset change: the readings beyond it are not contiguous with these.
    const seconds step = std::min(SafeStep(local), segment.end - t);
    latest = std::max(latest, local + step - seconds(1));
    t += step;
  }
}

std::optional<Instant> ReferenceMatcher::Next(Instant after, const TimeZone& zone,
                                              seconds horizon) const {
  std::optional<Instant> found;
  ForEachFire(after + seconds(1), after + horizon + seconds(1), zone, [&](Instant t) {
    found = t;
    return false;
  });
  return found;
}

std::optional<Instant> ReferenceMatcher::Prev(Instant before, const TimeZone& zone,
                                              seconds horizon) const {
  // Walk ever wider windows backwards from `before`; the first window with a fire holds the
  // answer as its last fire.
  const Instant limit = before - horizon;
  seconds width = std::chrono::hours(1);
  for (Instant end = before; end > limit; width *= 2) {
    const Instant start = std::max(end - width, limit);
    std::optional<Instant> last;
    ForEachFire(start, end, zone, [&](Instant t) {
      last = t;
      return true;
    });
    if (last) return last;
    end = start;
  }
  return std::nullopt;
}

}  // namespace backbeat::core::cron
