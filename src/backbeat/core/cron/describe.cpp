// English descriptions of cron expressions ("At 09:00 on Thursday").

#include <cstdio>
#include <string>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"

namespace backbeat::core::cron {
namespace {

constexpr std::array<std::string_view, 13> kMonths = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

std::string Ordinal(int n) {
  std::string suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string Two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

// "a", "a and b", "a, b and c".
std::string JoinAnd(const std::vector<std::string>& parts, std::string_view last = " and ") {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += (i + 1 == parts.size()) ? std::string(last) : std::string(", ");
    out += parts[i];
  }
  return out;
}

bool IsSingle(const FieldSet& f) {
  return f.items.size() == 1 && f.items[0].kind == FieldItem::Kind::kRange &&
         f.items[0].from == f.items[0].to;
}
bool IsSinglesOnly(const FieldSet& f) {
  for (const FieldItem& item : f.items) {
    if (item.kind != FieldItem::Kind::kRange || item.from != item.to) return false;
  }
  return true;
}
bool IsEvery(const FieldSet& f) {
  return f.items.size() == 1 && f.items[0].kind == FieldItem::Kind::kAll && f.items[0].step == 1;
}

// "every 15 minutes", "every 2 days of the week".
std::string Every(int step, std::string_view unit) {
  std::string plural(unit);
  size_t space = plural.find(' ');
  plural.insert(space == std::string::npos ? plural.size() : space, "s");
  return "every " + std::to_string(step) + " " + plural;
}

using Namer = std::string (*)(int);
std::string Number(int v) { return std::to_string(v); }
std::string MonthName(int v) { return std::string(kMonths[v]); }
std::string WeekdayName(int v) { return std::string(kWeekdays[v % 7]); }
std::string HourName(int v) { return Two(v) + ":00"; }

// Describes the items of one field: "every 15 minutes", "minutes 5 through 10", ...
// `unit` is singular ("minute"); `namer` renders a value.
std::string DescribeItems(const FieldSet& f, std::string_view unit, Namer namer) {
  std::vector<std::string> parts;
  for (const FieldItem& item : f.items) {
    switch (item.kind) {
      case FieldItem::Kind::kAll:
        parts.push_back(item.step == 1 ? "every " + std::string(unit) : Every(item.step, unit));
        break;
      case FieldItem::Kind::kRange:
        if (item.from == item.to) {
          parts.push_back(namer(item.from));
        } else if (item.step == 1) {
          parts.push_back(namer(item.from) + " through " + namer(item.to));
        } else {
          parts.push_back(Every(item.step, unit) + " from " + namer(item.from) + " through " +
                          namer(item.to));
        }
        break;
      default:
        break;
    }
  }
  return JoinAnd(parts);
}

std::string DescribeTime(const CronExpression& e) {
  const FieldSet& sec = e.field(FieldKind::kSecond);
  const FieldSet& min = e.field(FieldKind::kMinute);
  const FieldSet& hour = e.field(FieldKind::kHour);
  const bool zero_seconds = IsSingle(sec) && sec.items[0].from == 0;

  if (IsSingle(sec) && IsSingle(min) && IsSinglesOnly(hour) && hour.items.size() <= 6) {
    std::vector<std::string> times;
    for (const FieldItem& h : hour.items) {
      std::string t = Two(h.from) + ":" + Two(min.items[0].from);
      if (!zero_seconds) t += ":" + Two(sec.items[0].from);
      times.push_back(t);
    }
    return "At " + JoinAnd(times);
  }

  if (zero_seconds && IsSingle(min) && min.items[0].from == 0 && IsEvery(hour)) {
    return "Every hour";
  }
  std::string out;
  if (!zero_seconds) {
    if (IsEvery(sec)) {
      out = "every second";
    } else if (IsSinglesOnly(sec)) {
      out = std::string("at second") + (sec.items.size() > 1 ? "s " : " ") +
            DescribeItems(sec, "second", Number);
    } else {
      out = DescribeItems(sec, "second", Number);
    }
  }
  std::string minute_part;
  if (IsEvery(min)) {
    minute_part = zero_seconds ? "every minute" : "";
  } else if (IsSinglesOnly(min)) {
    minute_part = std::string("at minute") + (min.items.size() > 1 ? "s " : " ") +
                  DescribeItems(min, "minute", Number);
  } else {
    minute_part = DescribeItems(min, "minute", Number);
  }
  if (!minute_part.empty()) {
    if (!out.empty()) out += (minute_part.rfind("at ", 0) == 0 ? " past " : ", ");
    out += minute_part;
  }
  std::string hour_part;
  if (IsEvery(hour)) {
    if (minute_part.rfind("at ", 0) == 0) hour_part = "past every hour";
  } else if (IsSinglesOnly(hour)) {
    hour_part = std::string("past hour") + (hour.items.size() > 1 ? "s " : " ") +
                DescribeItems(hour, "hour", Number);
  } else if (hour.items.size() == 1 && hour.items[0].kind == FieldItem::Kind::kRange &&
             hour.items[0].step == 1) {
    hour_part = "between " + HourName(hour.items[0].from) + " and " + Two(hour.items[0].to) + ":59";
  } else {
    std::string items = DescribeItems(hour, "hour", Number);
    hour_part = (items.rfind("every", 0) == 0 ? "past " : "past hours ") + items;
  }
  if (!hour_part.empty()) out += (out.empty() ? "" : " ") + hour_part;
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string DescribeDayOfMonth(const FieldSet& f) {
  std::vector<std::string> parts;
  std::vector<std::string> plain;
  for (const FieldItem& item : f.items) {
    switch (item.kind) {
      case FieldItem::Kind::kLastDay:
        parts.push_back("the last day of the month");
        break;
      case FieldItem::Kind::kLastWeekday:
        parts.push_back("the last weekday of the month");
        break;
      case FieldItem::Kind::kNearestWeekday:
        parts.push_back("the weekday nearest day " + std::to_string(item.from) + " of the month");
        break;
      case FieldItem::Kind::kAll:
        parts.push_back("every " + Ordinal(item.step) + " day of the month");
        break;
      case FieldItem::Kind::kRange: {
        FieldSet one;
        one.items = {item};
        plain.push_back(DescribeItems(one, "day", Number));
        break;
      }
      default:
        break;
    }
  }
  if (!plain.empty()) {
    parts.insert(
        parts.begin(),
        std::string(plain.size() > 1 || f.items[0].from != f.items[0].to ? "days " : "day ") +
            JoinAnd(plain) + " of the month");
  }
  return "on " + JoinAnd(parts);
}

std::string DescribeDayOfWeek(const FieldSet& f) {
  std::vector<std::string> parts;
  for (const FieldItem& item : f.items) {
    switch (item.kind) {
      case FieldItem::Kind::kLastOfWeek:
        parts.push_back("the last " + WeekdayName(item.from) + " of the month");
        break;
      case FieldItem::Kind::kNthOfWeek:
        parts.push_back("the " + Ordinal(item.to) + " " + WeekdayName(item.from) + " of the month");
        break;
      case FieldItem::Kind::kAll:
        parts.push_back("every " + Ordinal(item.step) + " day of the week");
        break;
      case FieldItem::Kind::kRange: {
        FieldSet one;
        one.items = {item};
        parts.push_back(DescribeItems(one, "day of the week", WeekdayName));
        break;
      }
      default:
        break;
    }
  }
  return "on " + JoinAnd(parts);
}

}  // namespace

std::string CronExpression::Describe() const {
  std::string out = DescribeTime(*this);
  const FieldSet& dom = field(FieldKind::kDayOfMonth);
  const FieldSet& dow = field(FieldKind::kDayOfWeek);
  const FieldSet& month = field(FieldKind::kMonth);
  if (!dom.wildcard && !dow.wildcard) {
    out += ", " + DescribeDayOfMonth(dom) + " or " + DescribeDayOfWeek(dow);
  } else if (!dom.wildcard) {
    out += ", " + DescribeDayOfMonth(dom);
  } else if (!dow.wildcard) {
    out += " " + DescribeDayOfWeek(dow);
  }
  if (!IsEvery(month)) {
    const FieldItem& first = month.items[0];
    out += ", in ";
    out += month.items.size() == 1 && first.kind == FieldItem::Kind::kAll
               ? "every " + Ordinal(first.step) + " month"
               : DescribeItems(month, "month", MonthName);
  }
  return out;
}

}  // namespace backbeat::core::cron
