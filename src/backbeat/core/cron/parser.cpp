// Parsing of cron expressions into CronExpression values.

#include <algorithm>
#include <cctype>
#include <string>

#include "backbeat/core/cron/cron_expression.hpp"

namespace backbeat::core::cron {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

struct Macro {
  std::string_view name;
  std::string_view fields;  // 5-field equivalent
};
constexpr std::array<Macro, 7> kMacros = {{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Quotes user text for a message, keeping it short and printable.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 32)) {
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  if (s.size() > 32) out += "...";
  out += '"';
  return out;
}

class FieldParser {
 public:
  explicit FieldParser(FieldKind kind) : kind_(kind), bounds_(BoundsOf(kind)) {}

  Result<FieldSet> Parse(std::string_view text) {
    FieldSet set;
    set.wildcard = text == "*" || (IsDayField() && text == "?");
    set.starts_with_star = !text.empty() && text.front() == '*';
    size_t count = 0;
    size_t start = 0;
    while (true) {
      size_t comma = text.find(',', start);
      std::string_view token = text.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (++count > CronExpression::kMaxListItems) {
        return Error("field has more than " + std::to_string(CronExpression::kMaxListItems) +
                     " list items");
      }
      if (token.empty()) return Error("field has an empty list item");
      if (token == "?" && text != "?") return Error("value \"?\" must stand alone");
      Result<FieldItem> item = ParseItem(token);
      if (!item.ok()) return item.status();
      Apply(*item, set);
      set.items.push_back(*item);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return set;
  }

 private:
  bool IsDayField() const {
    return kind_ == FieldKind::kDayOfMonth || kind_ == FieldKind::kDayOfWeek;
  }
  bool IsWeekday() const { return kind_ == FieldKind::kDayOfWeek; }
  int MaxForStar() const { return IsWeekday() ? 6 : bounds_.max; }

  Status Error(const std::string& what) const {
    return InvalidArgument(std::string(bounds_.name) + " " + what);
  }
  Status Invalid(std::string_view token) const {
    return Error("value " + Quote(token) + " is invalid");
  }
  // `digits` as typed (at most the expression's length, which is bounded).
  Status OutOfRange(std::string_view digits) const {
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    return Error("value " + std::string(digits) + " out of range " + std::to_string(bounds_.min) +
                 "-" + std::to_string(bounds_.max));
  }

  // A number or a name; range-checked. Text that is neither is reported as the whole list item
  // `item`, which is what the user can find in the expression.
  Result<int> ParseValue(std::string_view token, std::string_view item) const {
    if (token.empty()) return Invalid(item);
    if (std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      int value = 0;
      for (char c : token) {
        value = std::min(value * 10 + (c - '0'), 1000000);  // saturate: still out of range
      }
      if (value < bounds_.min || value > bounds_.max) return OutOfRange(token);
      return value;
    }
    if (kind_ == FieldKind::kMonth) {
      for (size_t i = 0; i < kMonthNames.size(); ++i) {
        if (EqualsIgnoreCase(token, kMonthNames[i])) return static_cast<int>(i) + 1;
      }
    }
    if (IsWeekday()) {
      for (size_t i = 0; i < kWeekdayNames.size(); ++i) {
        if (EqualsIgnoreCase(token, kWeekdayNames[i])) return static_cast<int>(i);
      }
    }
    return Invalid(item);
  }

  static bool IsSpecialDay(std::string_view base) {
    if (base.find('#') != std::string_view::npos) return true;
    if (EqualsIgnoreCase(base, "L") || EqualsIgnoreCase(base, "LW")) return true;
    if (base.size() < 2) return false;
    char last = static_cast<char>(std::toupper(static_cast<unsigned char>(base.back())));
    std::string_view head = base.substr(0, base.size() - 1);
    return (last == 'L' || last == 'W') &&
           std::all_of(head.begin(), head.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  Result<int> ParseStep(std::string_view token) const {
    const int span = bounds_.max - bounds_.min;
    if (token.empty() ||
        !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Error("step " + Quote(token) + " is invalid");
    }
    int step = 0;
    for (char c : token) step = std::min(step * 10 + (c - '0'), 1000000);
    if (step < 1 || step > span) {
      std::string_view digits = token;
      while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
      return Error("step " + std::string(digits) + " out of range 1-" + std::to_string(span));
    }
    return step;
  }

  Result<FieldItem> ParseItem(std::string_view token) const {
    using Kind = FieldItem::Kind;
    if (token == "?") {
      if (!IsDayField()) return Error("value \"?\" is invalid (only day fields accept \"?\")");
      return FieldItem{Kind::kAll, bounds_.min, MaxForStar(), 1};
    }
    if (kind_ == FieldKind::kDayOfMonth) {
      if (EqualsIgnoreCase(token, "L")) return FieldItem{Kind::kLastDay, 0, 0, 1};
      if (EqualsIgnoreCase(token, "LW")) return FieldItem{Kind::kLastWeekday, 0, 0, 1};
      if (token.size() > 1 && (token.back() == 'W' || token.back() == 'w')) {
        Result<int> day = ParseValue(token.substr(0, token.size() - 1), token);
        if (!day.ok()) return day.status();
        return FieldItem{Kind::kNearestWeekday, *day, *day, 1};
      }
    }
    if (IsWeekday()) {
      if (size_t hash = token.find('#'); hash != std::string_view::npos) {
        Result<int> day = ParseValue(token.substr(0, hash), token);
        if (!day.ok()) return day.status();
        std::string_view nth = token.substr(hash + 1);
        if (nth.empty() || nth.size() > 2 ||
            !std::all_of(nth.begin(), nth.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return Error("occurrence " + Quote(nth) + " is invalid");
        }
        int k = std::stoi(std::string(nth));
        if (k < 1 || k > 5) return Error("occurrence " + std::to_string(k) + " out of range 1-5");
        return FieldItem{Kind::kNthOfWeek, *day % 7, k, 1};
      }
      if (EqualsIgnoreCase(token, "L")) {
        return Error("value \"L\" needs a weekday before it (5L is the last Friday)");
      }
      if (token.size() > 1 && (token.back() == 'L' || token.back() == 'l')) {
        Result<int> day = ParseValue(token.substr(0, token.size() - 1), token);
        if (!day.ok()) return day.status();
        return FieldItem{Kind::kLastOfWeek, *day % 7, *day % 7, 1};
      }
    }

    std::string_view base = token;
    int step = 1;
    bool has_step = false;
    if (size_t slash = token.find('/'); slash != std::string_view::npos) {
      Result<int> parsed = ParseStep(token.substr(slash + 1));
      if (!parsed.ok()) return parsed.status();
      step = *parsed;
      has_step = true;
      base = token.substr(0, slash);
      // L, LW, 15W, 5L and MON#2 name single days; a step over them means nothing. (Names
      // such as JUL or WED contain the same letters and stay valid.)
      if (IsSpecialDay(base)) return Invalid(token);
    }
    if (base == "*") return FieldItem{Kind::kAll, bounds_.min, MaxForStar(), step};
    if (size_t dash = base.find('-'); dash != std::string_view::npos) {
      Result<int> from = ParseValue(base.substr(0, dash), token);
      if (!from.ok()) return from.status();
      Result<int> to = ParseValue(base.substr(dash + 1), token);
      if (!to.ok()) return to.status();
      if (*from > *to) {
        return Error("range " + std::to_string(*from) + "-" + std::to_string(*to) + " is reversed");
      }
      return FieldItem{Kind::kRange, *from, *to, step};
    }
    Result<int> value = ParseValue(base, token);
    if (!value.ok()) return value.status();
    // "5/15" runs from 5 to the field's end.
    return FieldItem{Kind::kRange, *value, has_step ? std::max(*value, MaxForStar()) : *value,
                     step};
  }

  void Apply(const FieldItem& item, FieldSet& set) const {
    if (item.kind != FieldItem::Kind::kAll && item.kind != FieldItem::Kind::kRange) return;
    for (int v = item.from; v <= item.to; v += item.step) {
      set.bits |= uint64_t{1} << (IsWeekday() ? v % 7 : v);
    }
  }

  FieldKind kind_;
  const FieldBounds& bounds_;
};

}  // namespace

class Parser {
 public:
  static Result<CronExpression> Parse(std::string_view text, ParseOptions options) {
    while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
    while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
    if (text.empty()) return InvalidArgument("expression is empty");
    if (text.size() > CronExpression::kMaxLength) {
      return InvalidArgument("expression is longer than " +
                             std::to_string(CronExpression::kMaxLength) + " characters");
    }

    CronExpression expr;
    expr.text_ = std::string(text);
    std::string_view body = text;
    if (text.front() == '@') {
      size_t end = 0;
      while (end < text.size() && !IsBlank(text[end])) ++end;
      const std::string_view name = text.substr(0, end);
      const Macro* macro = nullptr;
      for (const Macro& m : kMacros) {
        if (EqualsIgnoreCase(name, m.name)) macro = &m;
      }
      if (macro == nullptr) {
        return InvalidArgument("unknown macro " + Quote(name) +
                               " (expected @yearly, @annually, @monthly, @weekly, @daily, "
                               "@midnight or @hourly)");
      }
      if (end < text.size()) {
        return InvalidArgument("unexpected text after macro " + Quote(name));
      }
      expr.macro_ = std::string(macro->name);
      body = macro->fields;
    }

    std::vector<std::string_view> parts;
    for (size_t i = 0; i < body.size();) {
      while (i < body.size() && IsBlank(body[i])) ++i;
      size_t start = i;
      while (i < body.size() && !IsBlank(body[i])) ++i;
      if (i > start) parts.push_back(body.substr(start, i - start));
      if (parts.size() > 7) break;  // enough to report the count; bounds the work
    }
    if (parts.size() == 6 && !options.allow_seconds) {
      return InvalidArgument("expected 5 fields, got 6 (seconds are not enabled)");
    }
    if (parts.size() != 5 && parts.size() != 6) {
      std::string got = parts.size() > 7 ? "more than 7" : std::to_string(parts.size());
      return InvalidArgument(std::string(options.allow_seconds ? "expected 5 or 6 fields, got "
                                                               : "expected 5 fields, got ") +
                             got);
    }
    expr.has_seconds_ = parts.size() == 6;
    if (!expr.has_seconds_) parts.insert(parts.begin(), "0");

    for (int i = 0; i < kFieldCount; ++i) {
      FieldParser parser(static_cast<FieldKind>(i));
      Result<FieldSet> set = parser.Parse(parts[i]);
      if (!set.ok()) return set.status();
      expr.fields_[i] = std::move(set).value();
    }
    expr.fixed_time_ = !expr.field(FieldKind::kSecond).starts_with_star &&
                       !expr.field(FieldKind::kMinute).starts_with_star &&
                       !expr.field(FieldKind::kHour).starts_with_star;
    expr.days_ = DayRule(expr.field(FieldKind::kDayOfMonth), expr.field(FieldKind::kDayOfWeek));

    // The Gregorian calendar repeats every 400 years, so a day that matches at all matches
    // within any 400-year window.
    bool fires = false;
    const uint64_t months = expr.field(FieldKind::kMonth).bits;
    for (int year = 2000; year < 2400 && !fires; ++year) {
      for (unsigned month = 1; month <= 12 && !fires; ++month) {
        fires = (months & (uint64_t{1} << month)) && expr.days_.DayMask(year, month) != 0;
      }
    }
    if (!fires) {
      const bool dom = !expr.field(FieldKind::kDayOfMonth).wildcard;
      const bool dow = !expr.field(FieldKind::kDayOfWeek).wildcard;
      std::string days =
          dom && dow ? "day-of-month " + Quote(parts[3]) + " or day-of-week " + Quote(parts[5])
          : dom      ? "day-of-month " + Quote(parts[3])
                     : "day-of-week " + Quote(parts[5]);
      return InvalidArgument("expression never fires: no date matches " + days + " in month " +
                             Quote(parts[4]));
    }
    return expr;
  }
};

Result<CronExpression> CronExpression::Parse(std::string_view text, ParseOptions options) {
  return Parser::Parse(text, options);
}

}  // namespace backbeat::core::cron
