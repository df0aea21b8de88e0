#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace backbeat::core::cron {

enum class FieldKind { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };
inline constexpr int kFieldCount = 6;

struct FieldBounds {
  std::string_view name;  // as used in messages: "hour", "day-of-month"
  int min;
  int max;
};

// Bounds per field, indexed by FieldKind. Day-of-week accepts 0-7 (both 0 and 7 are Sunday).
const FieldBounds& BoundsOf(FieldKind kind);

// One comma-separated item of a field, kept as written so it can be described.
struct FieldItem {
  enum class Kind {
    kAll,             // "*" or "?", with `step` ("*/15")
    kRange,           // "5", "1-5", "5/15", "1-30/7": from..to by step
    kLastDay,         // "L" in day-of-month
    kLastWeekday,     // "LW" in day-of-month
    kNearestWeekday,  // "15W": from = 15
    kLastOfWeek,      // "5L" in day-of-week: from = weekday
    kNthOfWeek,       // "MON#2": from = weekday, to = occurrence
  };
  Kind kind = Kind::kAll;
  int from = 0;
  int to = 0;
  int step = 1;
  friend bool operator==(const FieldItem&, const FieldItem&) = default;
};

// What a parsed field matches, as bit masks. Immutable after parsing.
struct FieldSet {
  uint64_t bits = 0;  // bit v set: value v matches (day-of-week normalised to 0-6)
  std::vector<FieldItem> items;
  bool wildcard = false;  // written exactly "*" or "?"
  bool starts_with_star = false;
};

// The day-level rules of an expression: day-of-month and day-of-week with L, W and #, and the
// Vixie rule that a day matching either restricted field fires.
class DayRule {
 public:
  DayRule() = default;
  DayRule(const FieldSet& dom, const FieldSet& dow);

  // Bit d (1..31) set: day d of that month matches. Days past the month's end are never set.
  uint32_t DayMask(int year, unsigned month) const;

 private:
  uint32_t dom_bits_ = 0;
  uint32_t nearest_weekday_bits_ = 0;     // "15W"
  bool last_day_ = false;                 // "L"
  bool last_weekday_ = false;             // "LW"
  uint8_t last_of_week_bits_ = 0;         // "5L": bit w
  std::array<uint8_t, 7> nth_of_week_{};  // "MON#2": bit k of entry w
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
  // Plain day-of-week bits spread over days 1..31 for each weekday of the month's first day.
  std::array<uint32_t, 7> dow_by_first_weekday_{};
};

// Civil calendar helpers (proleptic Gregorian).
unsigned DaysInMonth(int year, unsigned month);
// 0 = Sunday.
unsigned WeekdayOf(int year, unsigned month, unsigned day);

}  // namespace backbeat::core::cron
