#include "backbeat/core/cron/field.hpp"

#include <chrono>

namespace backbeat::core::cron {

const FieldBounds& BoundsOf(FieldKind kind) {
  static constexpr std::array<FieldBounds, kFieldCount> kBounds = {{
      {"second", 0, 59},
      {"minute", 0, 59},
      {"hour", 0, 23},
      {"day-of-month", 1, 31},
      {"month", 1, 12},
      {"day-of-week", 0, 7},
  }};
  return kBounds[static_cast<int>(kind)];
}

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr std::array<unsigned, 13> kDays = {0,  31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month];
}

unsigned WeekdayOf(int year, unsigned month, unsigned day) {
  std::chrono::sys_days d{std::chrono::year{year} / std::chrono::month{month} /
                          std::chrono::day{day}};
  return std::chrono::weekday{d}.c_encoding();
}

DayRule::DayRule(const FieldSet& dom, const FieldSet& dow)
    : dom_restricted_(!dom.wildcard), dow_restricted_(!dow.wildcard) {
  dom_bits_ = static_cast<uint32_t>(dom.bits);
  for (const FieldItem& item : dom.items) {
    switch (item.kind) {
      case FieldItem::Kind::kLastDay:
        last_day_ = true;
        break;
      case FieldItem::Kind::kLastWeekday:
        last_weekday_ = true;
        break;
      case FieldItem::Kind::kNearestWeekday:
        nearest_weekday_bits_ |= 1u << item.from;
        break;
      default:
        break;
    }
  }
  auto dow_bits = static_cast<uint8_t>(dow.bits);
  for (const FieldItem& item : dow.items) {
    switch (item.kind) {
      case FieldItem::Kind::kLastOfWeek:
        last_of_week_bits_ |= 1u << item.from;
        break;
      case FieldItem::Kind::kNthOfWeek:
        nth_of_week_[item.from] |= 1u << item.to;
        break;
      default:
        break;
    }
  }
  for (unsigned first = 0; first < 7; ++first) {
    uint32_t mask = 0;
    for (unsigned d = 1; d <= 31; ++d) {
      if (dow_bits & (1u << ((first + d - 1) % 7))) mask |= 1u << d;
    }
    dow_by_first_weekday_[first] = mask;
  }
}

uint32_t DayRule::DayMask(int year, unsigned month) const {
  const unsigned n = DaysInMonth(year, month);
  const uint32_t in_month = ((n == 31) ? 0xFFFFFFFFu : ((1u << (n + 1)) - 1)) & ~1u;
  if (!dom_restricted_ && !dow_restricted_) return in_month;

  const unsigned first = WeekdayOf(year, month, 1);
  auto weekday = [first](unsigned d) { return (first + d - 1) % 7; };

  uint32_t dom = 0;
  if (dom_restricted_) {
    dom = dom_bits_ & in_month;
    if (last_day_) dom |= 1u << n;
    if (last_weekday_) {
      unsigned w = weekday(n);
      unsigned d = w == 6 ? n - 1 : (w == 0 ? n - 2 : n);
      dom |= 1u << d;
    }
    for (uint32_t bits = nearest_weekday_bits_ & in_month; bits != 0; bits &= bits - 1) {
      auto d = static_cast<unsigned>(__builtin_ctz(bits));
      unsigned w = weekday(d);
      // The nearest Monday-Friday within the same month, never crossing its edges.
      if (w == 6)
        d = d > 1 ? d - 1 : d + 2;
      else if (w == 0)
        d = d < n ? d + 1 : d - 2;
      dom |= 1u << d;
    }
  }
  uint32_t dow = 0;
  if (dow_restricted_) {
    dow = dow_by_first_weekday_[first] & in_month;
    for (unsigned w = 0; w < 7; ++w) {
      if (last_of_week_bits_ & (1u << w)) {
        dow |= 1u << (n - (weekday(n) + 7 - w) % 7);
      }
      for (unsigned k = 1; k <= 5; ++k) {
        if (nth_of_week_[w] & (1u << k)) {
          unsigned d = 1 + (w + 7 - first) % 7 + 7 * (k - 1);
          if (d <= n) dow |= 1u << d;
        }
      }
    }
  }
  if (dom_restricted_ && dow_restricted_) return dom | dow;
  return dom_restricted_ ? dom : dow;
}

}  // namespace backbeat::core::cron
