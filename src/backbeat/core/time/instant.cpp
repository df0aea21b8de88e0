#include "backbeat/core/time/instant.hpp"

#include <array>
#include <cstdio>

namespace backbeat::core {
namespace {

using std::chrono::days;
using std::chrono::floor;

struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
};

Civil ToCivil(std::chrono::sys_seconds t) {
  auto day_point = floor<days>(t);
  std::chrono::year_month_day ymd{day_point};
  std::chrono::hh_mm_ss hms{t - day_point};
  return {int(ymd.year()),
          unsigned(ymd.month()),
          unsigned(ymd.day()),
          unsigned(hms.hours().count()),
          unsigned(hms.minutes().count()),
          unsigned(hms.seconds().count())};
}

// Reads exactly `width` digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view s, size_t& pos, int width, int& out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += width;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

namespace {

// Writes `v` as exactly `width` digits at `out`.
char* PutDigits(char* out, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

// "YYYY-MM-DDTHH:MM:SS" then ".mmm" when `millis` is set, then "Z". Formatted by hand: every
// run written and every timestamp in an API response goes through here, and snprintf cost
// several times more. Years outside 0..9999 (never met in practice) take the slow path.
std::string Format(std::chrono::sys_seconds t, int millis) {
  Civil c = ToCivil(t);
  if (c.year < 0 || c.year > 9999) {
    std::array<char, 48> buf{};
    if (millis < 0) {
      std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02u:%02u:%02uZ", c.year, c.month,
                    c.day, c.hour, c.minute, c.second);
    } else {
      std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02u:%02u:%02u.%03dZ", c.year, c.month,
                    c.day, c.hour, c.minute, c.second, millis);
    }
    return buf.data();
  }
  std::array<char, 24> buf;
  char* p = PutDigits(buf.data(), static_cast<unsigned>(c.year), 4);
  *p++ = '-';
  p = PutDigits(p, c.month, 2);
  *p++ = '-';
  p = PutDigits(p, c.day, 2);
  *p++ = 'T';
  p = PutDigits(p, c.hour, 2);
  *p++ = ':';
  p = PutDigits(p, c.minute, 2);
  *p++ = ':';
  p = PutDigits(p, c.second, 2);
  if (millis >= 0) {
    *p++ = '.';
    p = PutDigits(p, static_cast<unsigned>(millis), 3);
  }
  *p++ = 'Z';
  return std::string(buf.data(), p);
}

}  // namespace

std::string FormatIso8601(Instant t) { return Format(t, -1); }

std::string FormatIso8601Millis(std::chrono::sys_time<std::chrono::milliseconds> t) {
  auto secs = floor<std::chrono::seconds>(t);
  return Format(secs, static_cast<int>((t - secs).count()));
}

Result<Instant> ParseIso8601(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("invalid instant \"" + std::string(text.substr(0, 64)) +
                           "\" (expected ISO-8601 like 2026-03-27T09:00:00Z)");
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month(unsigned(month)),
                                  std::chrono::day(unsigned(day))};
  if (!ymd.ok()) return bad();
  std::chrono::seconds offset{0};
  if (pos < text.size()) {
    if (!(Expect(text, pos, 'T') || Expect(text, pos, 't') || Expect(text, pos, ' '))) return bad();
    if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, minute)) {
      return bad();
    }
    if (Expect(text, pos, ':') && !ReadDigits(text, pos, 2, second)) return bad();
    if (hour > 23 || minute > 59 || second > 59) return bad();
    if (Expect(text, pos, '.')) {
      size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      if (pos == start || pos - start > 9) return bad();
    }
    if (Expect(text, pos, 'Z') || Expect(text, pos, 'z')) {
      // UTC
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!ReadDigits(text, pos, 2, oh)) return bad();
      Expect(text, pos, ':');
      if (!ReadDigits(text, pos, 2, om) || oh > 23 || om > 59) return bad();
      offset = std::chrono::seconds(sign * (oh * 3600 + om * 60));
    } else {
      return bad();
    }
  }
  if (pos != text.size()) return bad();
  return Instant{std::chrono::sys_days{ymd}} + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) - offset;
}

}  // namespace backbeat::core
