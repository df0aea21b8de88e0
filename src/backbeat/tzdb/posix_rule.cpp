#include "backbeat/tzdb/posix_rule.hpp"

#include <array>
#include <cctype>
#include <string>

namespace backbeat::tzdb {
namespace {

using std::chrono::seconds;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // A zone abbreviation: letters, or anything inside <...>.
  bool Name() {
    if (Eat('<')) {
      while (!done() && peek() != '>') ++pos_;
      return Eat('>');
    }
    size_t start = pos_;
    while (std::isalpha(static_cast<unsigned char>(peek()))) ++pos_;
    return pos_ - start >= 3;
  }
  bool Number(int& out, int max_digits = 3) {
    size_t start = pos_;
    out = 0;
    while (std::isdigit(static_cast<unsigned char>(peek())) && pos_ - start < size_t(max_digits)) {
      out = out * 10 + (s_[pos_++] - '0');
    }
    return pos_ > start;
  }
  // [+-]hh[:mm[:ss]]
  bool Duration(seconds& out) {
    int sign = 1;
    if (Eat('-'))
      sign = -1;
    else
      Eat('+');
    int h = 0, m = 0, sec = 0;
    if (!Number(h)) return false;
    if (Eat(':') && !Number(m, 2)) return false;
    if (Eat(':') && !Number(sec, 2)) return false;
    if (h > 167 || m > 59 || sec > 59) return false;
    out = seconds(sign * (h * 3600 + m * 60 + sec));
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

core::Result<PosixRule> PosixRule::Parse(std::string_view text) {
  auto bad = [&] {
    return core::InvalidArgument("invalid POSIX TZ rule \"" + std::string(text) + "\"");
  };
  Reader r(text);
  PosixRule rule;
  seconds std_west{0};
  if (!r.Name() || !r.Duration(std_west)) return bad();
  // POSIX offsets count hours west of Greenwich; ours count east.
  rule.std_offset_ = -std_west;
  if (r.done()) return rule;
  if (!r.Name()) return bad();
  rule.dst_offset_ = rule.std_offset_ + std::chrono::hours(1);
  if (r.peek() != ',') {
    seconds dst_west{0};
    if (!r.Duration(dst_west)) return bad();
    rule.dst_offset_ = -dst_west;
  }
  rule.has_dst_ = true;
  for (DateRule* d : {&rule.start_, &rule.end_}) {
    if (!r.Eat(',')) return bad();
    if (r.Eat('M')) {
      d->kind = DateRule::Kind::kMonthWeekDay;
      if (!r.Number(d->month, 2) || !r.Eat('.') || !r.Number(d->week, 1) || !r.Eat('.') ||
          !r.Number(d->weekday, 1) || d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5 ||
          d->weekday > 6) {
        return bad();
      }
    } else if (r.Eat('J')) {
      d->kind = DateRule::Kind::kJulianNoLeap;
      if (!r.Number(d->day) || d->day < 1 || d->day > 365) return bad();
    } else {
      d->kind = DateRule::Kind::kZeroBased;
      if (!r.Number(d->day) || d->day > 365) return bad();
    }
    if (r.Eat('/') && !r.Duration(d->time)) return bad();
  }
  if (!r.done()) return bad();
  return rule;
}

core::Instant PosixRule::TransitionIn(const DateRule& rule, int year, seconds offset) {
  using namespace std::chrono;
  sys_days day;
  switch (rule.kind) {
    case DateRule::Kind::kMonthWeekDay: {
      auto ym = std::chrono::year{year} / std::chrono::month(unsigned(rule.month));
      if (rule.week == 5) {
        sys_days last = ym / std::chrono::last;
        unsigned back = (weekday{last}.c_encoding() + 7 - unsigned(rule.weekday)) % 7;
        day = last - days(back);
      } else {
        sys_days first = ym / 1;
        unsigned fwd = (unsigned(rule.weekday) + 7 - weekday{first}.c_encoding()) % 7;
        day = first + days(fwd + 7 * (rule.week - 1));
      }
      break;
    }
    case DateRule::Kind::kJulianNoLeap: {
      // Day 1-365, February 29 never counted.
      int n = rule.day;
      if (IsLeap(year) && n >= 60) ++n;
      day = sys_days(std::chrono::year{year} / January / 1) + days(n - 1);
      break;
    }
    case DateRule::Kind::kZeroBased:
      day = sys_days(std::chrono::year{year} / January / 1) + days(rule.day);
      break;
  }
  return core::Instant{day} + rule.time - offset;
}

core::ZoneSegment PosixRule::SegmentAt(core::Instant t) const {
  if (!has_dst_) return {core::Instant::min(), core::Instant::max(), std_offset_};
  int year = int(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t)}.year());
  // Transitions of the surrounding years in time order, each with the offset it starts.
  std::array<std::pair<core::Instant, seconds>, 6> marks;
  size_t n = 0;
  for (int y = year - 1; y <= year + 1; ++y) {
    core::Instant on = TransitionIn(start_, y, std_offset_);
    core::Instant off = TransitionIn(end_, y, dst_offset_);
    if (on < off) {
      marks[n++] = {on, dst_offset_};
      marks[n++] = {off, std_offset_};
    } else {
      marks[n++] = {off, std_offset_};
      marks[n++] = {on, dst_offset_};
    }
  }
  for (size_t i = 1; i < n; ++i) {
    if (t >= marks[i - 1].first && t < marks[i].first) {
      return {marks[i - 1].first, marks[i].first, marks[i - 1].second};
    }
  }
  // Unreachable for |t| within the supported years: the three years cover t.
  return {marks[0].first, marks[n - 1].first, marks[0].second};
}

core::LocalResolution PosixRule::Resolve(core::LocalSeconds local) const {
  using Kind = core::LocalResolution::Kind;
  auto instant = [&](seconds off) { return core::Instant{local.time_since_epoch() - off}; };
  core::ZoneSegment a = SegmentAt(instant(std_offset_));
  core::ZoneSegment b = SegmentAt(instant(dst_offset_));
  bool a_ok = a.offset == std_offset_;
  bool b_ok = has_dst_ && b.offset == dst_offset_;
  if (a_ok && b_ok && instant(std_offset_) != instant(dst_offset_)) {
    bool a_first = instant(std_offset_) < instant(dst_offset_);
    return {Kind::kRepeated, a_first ? a : b, a_first ? b : a};
  }
  if (a_ok) return {Kind::kUnique, a, a};
  if (b_ok) return {Kind::kUnique, b, b};
  // A gap: the earlier candidate instant falls before the jump, the later one after it.
  bool a_first = instant(std_offset_) < instant(dst_offset_);
  return {Kind::kSkipped, a_first ? a : b, a_first ? b : a};
}

}  // namespace backbeat::tzdb
