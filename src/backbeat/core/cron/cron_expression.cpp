#include "backbeat/core/cron/cron_expression.hpp"

#include <bit>
#include <chrono>

namespace backbeat::core::cron {
namespace {

using std::chrono::days;
using std::chrono::seconds;

constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;
// A match, if any, lies within 400 years (see Parser); this bounds every search.
constexpr int kMaxYearSteps = 401;
// Offset segments crossed while looking for a wall-clock match (two a year in DST zones).
constexpr int kMaxSegmentSteps = 4 * kMaxYearSteps;

// Lowest set bit at or above `from`, or -1.
int NextBit(uint64_t mask, int from) {
  if (from >= 64) return -1;
  uint64_t m = mask & (~uint64_t{0} << from);
  return m == 0 ? -1 : std::countr_zero(m);
}

// Highest set bit at or below `from`, or -1.
int PrevBit(uint64_t mask, int from) {
  if (from < 0) return -1;
  uint64_t m = from >= 63 ? mask : mask & ((uint64_t{2} << from) - 1);
  return m == 0 ? -1 : 63 - std::countl_zero(m);
}

struct Civil {
  int year;
  int month, day, hour, minute, second;
};

Civil ToCivil(LocalSeconds t) {
  auto day_point = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd{day_point};
  auto tod = (t - day_point).count();
  return {int(ymd.year()), int(unsigned(ymd.month())), int(unsigned(ymd.day())),
          int(tod / 3600), int(tod / 60 % 60),         int(tod % 60)};
}

LocalSeconds FromCivil(const Civil& c) {
  std::chrono::local_days d{std::chrono::year{c.year} / std::chrono::month(unsigned(c.month)) /
                            std::chrono::day(unsigned(c.day))};
  return d + seconds(c.hour * 3600 + c.minute * 60 + c.second);
}

LocalSeconds ToLocal(Instant t, seconds offset) {
  return LocalSeconds{t.time_since_epoch() + offset};
}
Instant ToInstant(LocalSeconds l, seconds offset) { return Instant{l.time_since_epoch() - offset}; }

// Caches one month's day mask across iterations of a search.
class MonthDays {
 public:
  explicit MonthDays(const DayRule& rule) : rule_(rule) {}
  uint32_t Get(int year, int month) {
    if (year != year_ || month != month_) {
      year_ = year;
      month_ = month;
      mask_ = rule_.DayMask(year, unsigned(month));
    }
    return mask_;
  }

 private:
  const DayRule& rule_;
  int year_ = 0;
  int month_ = 0;
  uint32_t mask_ = 0;
};

}  // namespace

bool CronExpression::Matches(LocalSeconds local) const {
  Civil c = ToCivil(local);
  auto has = [&](FieldKind k, int v) { return (field(k).bits >> v) & 1; };
  return has(FieldKind::kSecond, c.second) && has(FieldKind::kMinute, c.minute) &&
         has(FieldKind::kHour, c.hour) && has(FieldKind::kMonth, c.month) &&
         ((days_.DayMask(c.year, unsigned(c.month)) >> c.day) & 1);
}

std::optional<LocalSeconds> CronExpression::NextLocal(LocalSeconds after) const {
  const uint64_t months = field(FieldKind::kMonth).bits;
  const uint64_t hours = field(FieldKind::kHour).bits;
  const uint64_t minutes = field(FieldKind::kMinute).bits;
  const uint64_t secs = field(FieldKind::kSecond).bits;
  MonthDays month_days(days_);

  Civil c = ToCivil(after + seconds(1));
  const int last_year = c.year + kMaxYearSteps;
  while (c.year <= last_year && c.year <= kMaxYear) {
    int month = NextBit(months, c.month);
    if (month < 0) {
      c = {c.year + 1, 1, 1, 0, 0, 0};
      continue;
    }
    if (month != c.month) c = {c.year, month, 1, 0, 0, 0};
    int day = NextBit(month_days.Get(c.year, c.month), c.day);
    if (day < 0) {
      c = {c.year, c.month + 1, 1, 0, 0, 0};
      continue;
    }
    if (day != c.day) c = {c.year, c.month, day, 0, 0, 0};
    int hour = NextBit(hours, c.hour);
    if (hour < 0) {
      c = {c.year, c.month, c.day + 1, 0, 0, 0};
      continue;
    }
    if (hour != c.hour) c = {c.year, c.month, c.day, hour, 0, 0};
    int minute = NextBit(minutes, c.minute);
    if (minute < 0) {
      c = {c.year, c.month, c.day, c.hour + 1, 0, 0};
      continue;
    }
    if (minute != c.minute) c = {c.year, c.month, c.day, c.hour, minute, 0};
    int second = NextBit(secs, c.second);
    if (second < 0) {
      c = {c.year, c.month, c.day, c.hour, c.minute + 1, 0};
      continue;
    }
    c.second = second;
    return FromCivil(c);
  }
  return std::nullopt;
}

std::optional<LocalSeconds> CronExpression::PrevLocal(LocalSeconds before) const {
  const uint64_t months = field(FieldKind::kMonth).bits;
  const uint64_t hours = field(FieldKind::kHour).bits;
  const uint64_t minutes = field(FieldKind::kMinute).bits;
  const uint64_t secs = field(FieldKind::kSecond).bits;
  MonthDays month_days(days_);

  Civil c = ToCivil(before - seconds(1));
  const int first_year = c.year - kMaxYearSteps;
  while (c.year >= first_year && c.year >= kMinYear) {
    int month = PrevBit(months, c.month);
    if (month < 0) {
      c = {c.year - 1, 12, 31, 23, 59, 59};
      continue;
    }
    if (month != c.month) c = {c.year, month, 31, 23, 59, 59};
    int day = PrevBit(month_days.Get(c.year, c.month), c.day);
    if (day < 0) {
      c = {c.year, c.month - 1, 31, 23, 59, 59};
      continue;
    }
    if (day != c.day) c = {c.year, c.month, day, 23, 59, 59};
    int hour = PrevBit(hours, c.hour);
    if (hour < 0) {
      c = {c.year, c.month, c.day - 1, 23, 59, 59};
      continue;
    }
    if (hour != c.hour) c = {c.year, c.month, c.day, hour, 59, 59};
    int minute = PrevBit(minutes, c.minute);
    if (minute < 0) {
      c = {c.year, c.month, c.day, c.hour - 1, 59, 59};
      continue;
    }
    if (minute != c.minute) c = {c.year, c.month, c.day, c.hour, minute, 59};
    int second = PrevBit(secs, c.second);
    if (second < 0) {
      c = {c.year, c.month, c.day, c.hour, c.minute - 1, 59};
      continue;
    }
    c.second = second;
    return FromCivil(c);
  }
  return std::nullopt;
}

Instant CronExpression::ResolveFixed(LocalSeconds local, const TimeZone& zone) const {
  LocalResolution r = zone.Resolve(local);
  switch (r.kind) {
    case LocalResolution::Kind::kUnique:
    case LocalResolution::Kind::kRepeated:  // fires once, in the first pass
      return ToInstant(local, r.first.offset);
    case LocalResolution::Kind::kSkipped:  // fires at the first instant after the gap
      return r.first.end;
  }
  return ToInstant(local, r.first.offset);
}

std::optional<Instant> CronExpression::Next(Instant after, const TimeZone& zone) const {
  ZoneSegment seg = zone.SegmentAt(after);
  if (fixed_time_) {
    // Local readings map monotonically onto fire instants; find the last reading whose
    // instant is not after `after`, and search past it.
    LocalSeconds start = ToLocal(after, seg.offset);
    if (seg.begin != Instant::min()) {
      ZoneSegment prev = zone.SegmentAt(seg.begin - seconds(1));
      // In the second pass of a repeated stretch every repeated reading has fired already.
      if (prev.offset > seg.offset && after < seg.begin + (prev.offset - seg.offset)) {
        start = ToLocal(seg.begin, prev.offset) - seconds(1);
      }
    }
    std::optional<LocalSeconds> local = NextLocal(start);
    if (!local) return std::nullopt;
    return ResolveFixed(*local, zone);
  }
  Instant cursor = after;
  for (int i = 0; i < kMaxSegmentSteps; ++i) {
    std::optional<LocalSeconds> local = NextLocal(ToLocal(cursor, seg.offset));
    if (!local) return std::nullopt;
    Instant t = ToInstant(*local, seg.offset);
    if (t < seg.end) return t;
    // The match lies past this offset's end: read on from the next segment's first instant.
    cursor = seg.end - seconds(1);
    seg = zone.SegmentAt(seg.end);
  }
  return std::nullopt;
}

std::optional<Instant> CronExpression::Prev(Instant before, const TimeZone& zone) const {
  const Instant last = before - seconds(1);
  ZoneSegment seg = zone.SegmentAt(last);
  if (fixed_time_) {
    LocalSeconds end = ToLocal(last, seg.offset);
    if (seg.begin != Instant::min()) {
      ZoneSegment prev = zone.SegmentAt(seg.begin - seconds(1));
      // In the second pass every repeated reading fired in the first pass, before `before`.
      if (prev.offset > seg.offset && last < seg.begin + (prev.offset - seg.offset)) {
        end = ToLocal(seg.begin, prev.offset) - seconds(1);
      }
    }
    std::optional<LocalSeconds> local = PrevLocal(end + seconds(1));
    if (!local) return std::nullopt;
    return ResolveFixed(*local, zone);
  }
  Instant cursor = before;
  for (int i = 0; i < kMaxSegmentSteps; ++i) {
    std::optional<LocalSeconds> local = PrevLocal(ToLocal(cursor, seg.offset));
    if (!local) return std::nullopt;
    Instant t = ToInstant(*local, seg.offset);
    if (t >= seg.begin) return t;
    cursor = seg.begin;
    seg = zone.SegmentAt(seg.begin - seconds(1));
  }
  return std::nullopt;
}

std::vector<Instant> CronExpression::Upcoming(Instant after, const TimeZone& zone, size_t n) const {
  std::vector<Instant> out;
  out.reserve(n);
  while (out.size() < n) {
    std::optional<Instant> next = Next(after, zone);
    if (!next) break;
    out.push_back(*next);
    after = *next;
  }
  return out;
}

}  // namespace backbeat::core::cron
