#include "backbeat/http/dto/json_writer.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace backbeat::http::dto {
namespace {

// For each byte, 0 if it is copied as is, else the character after the backslash; 'u' means
// `\u00xx`. The same table as Boost.JSON 1.81's serializer (boost/json/impl/serializer.ipp).
constexpr std::array<char, 256> kEscapes = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\t'] = 't';
  table['\n'] = 'n';
  table['\f'] = 'f';
  table['\r'] = 'r';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}();

constexpr char kHex[] = "0123456789abcdef";

// The longest escape of one byte: `\u00xx`.
constexpr size_t kMaxEscape = 6;

// Strings up to this long are escaped into a buffer on the stack and appended with one call:
// most keys and values are short, and every std::string append is an out-of-line call.
constexpr size_t kShortString = 64;

// Whether any of the 8 bytes of `word` needs escaping: below 0x20, '"' or '\'. A byte below n
// sets its high bit in (x - n) & ~x; borrows only spread above a byte that really is below n, so
// the answer for the word as a whole is exact.
bool AnyToEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighBits = kOnes * 0x80;
  auto any_below = [](uint64_t x, uint64_t n) { return (x - kOnes * n) & ~x & kHighBits; };
  return (any_below(word, 0x20) | any_below(word ^ (kOnes * '"'), 1) |
          any_below(word ^ (kOnes * '\\'), 1)) != 0;
}

// The first byte in [p, end) that needs escaping, or `end`. Text rarely needs any, so it is
// skipped 8 bytes at a time.
const char* FindEscape(const char* p, const char* end) {
  for (uint64_t word; end - p >= 8; p += 8) {
    std::memcpy(&word, p, sizeof word);
    if (AnyToEscape(word)) break;
  }
  while (p != end && kEscapes[static_cast<unsigned char>(*p)] == 0) ++p;
  return p;
}

// Writes the escape of `c` (one that needs escaping) at `d`; returns its end.
char* PutEscape(char* d, char c) {
  const auto byte = static_cast<unsigned char>(c);
  const char escape = kEscapes[byte];
  *d++ = '\\';
  if (escape != 'u') {
    *d++ = escape;
    return d;
  }
  *d++ = 'u';
  *d++ = '0';
  *d++ = '0';
  *d++ = kHex[byte >> 4];
  *d++ = kHex[byte & 15];
  return d;
}

// Writes `s` escaped at `d`, which has room for kMaxEscape * s.size() bytes; returns the end.
char* EscapeTo(char* d, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  for (;;) {
    const char* special = FindEscape(p, end);
    std::memcpy(d, p, static_cast<size_t>(special - p));
    d += special - p;
    if (special == end) return d;
    d = PutEscape(d, *special);
    p = special + 1;
  }
}

// Appends `s` escaped, a run of plain bytes at a time: for strings too long for the stack.
void AppendEscaped(std::string& out, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  for (;;) {
    const char* special = FindEscape(p, end);
    out.append(p, static_cast<size_t>(special - p));
    if (special == end) return;
    char code[kMaxEscape];
    out.append(code, static_cast<size_t>(PutEscape(code, *special) - code));
    p = special + 1;
  }
}

// Writes `v` as exactly `width` digits ending before `end`.
void PutDigits(char* end, unsigned v, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

constexpr size_t kIso8601MillisSize = 24;  // "2026-03-27T09:00:00.000Z"

// Writes the text of core::FormatIso8601Millis(t) at `d` without making a std::string of it
// (a response has several timestamps per run). False, writing nothing, for years outside
// 0..9999: they never occur in practice and are left to core, so the two cannot disagree there.
bool PutIso8601Millis(char* d, core::Millis t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return false;
  const auto ms_of_day = static_cast<unsigned>((t - day).count());  // 0..86'399'999
  const unsigned secs_of_day = ms_of_day / 1000;
  std::memcpy(d, "0000-00-00T00:00:00.000Z", kIso8601MillisSize);
  PutDigits(d + 4, static_cast<unsigned>(year), 4);
  PutDigits(d + 7, static_cast<unsigned>(ymd.month()), 2);
  PutDigits(d + 10, static_cast<unsigned>(ymd.day()), 2);
  PutDigits(d + 13, secs_of_day / 3600, 2);
  PutDigits(d + 16, secs_of_day / 60 % 60, 2);
  PutDigits(d + 19, secs_of_day % 60, 2);
  PutDigits(d + 23, ms_of_day % 1000, 3);
  return true;
}

void AppendIso8601Millis(std::string& out, core::Millis t) {
  char text[kIso8601MillisSize];
  if (PutIso8601Millis(text, t)) {
    out.append(text, sizeof text);
  } else {
    out += core::FormatIso8601Millis(t);
  }
}

}  // namespace

void JsonWriter::Key(std::string_view key) {
  Quoted(key, /*colon=*/true);
  need_comma_ = false;
}

void JsonWriter::Int(int64_t i) {
  char text[1 + 20];  // a comma, then at most "-9223372036854775808"
  char* d = text;
  if (need_comma_) *d++ = ',';
  d = std::to_chars(d, text + sizeof text, i).ptr;
  out_.append(text, static_cast<size_t>(d - text));
  need_comma_ = true;
}

void JsonWriter::Double(double d) {
  if (!std::isfinite(d)) {
    Null();
    return;
  }
  // Rare (costs that are not whole), so Boost.JSON's own number formatting is simply reused.
  Literal(boost::json::serialize(boost::json::value(d)));
}

void JsonWriter::String(std::string_view s) {
  Quoted(s, /*colon=*/false);
  need_comma_ = true;
}

// The separating comma if one is due, `s` quoted and escaped, then the colon of a key: built on
// the stack and added in one append when short, the common case of keys and values.
void JsonWriter::Quoted(std::string_view s, bool colon) {
  if (s.size() > kShortString) {
    Separate();
    out_.push_back('"');
    AppendEscaped(out_, s);
    out_.append("\":", colon ? 2 : 1);
    return;
  }
  char text[1 + 1 + kShortString * kMaxEscape + 2];
  char* d = text;
  if (need_comma_) *d++ = ',';
  *d++ = '"';
  d = EscapeTo(d, s);
  *d++ = '"';
  if (colon) *d++ = ':';
  out_.append(text, static_cast<size_t>(d - text));
}

void JsonWriter::Timestamp(core::Millis t) {
  char text[1 + 1 + kIso8601MillisSize + 1];
  char* d = text;
  if (need_comma_) *d++ = ',';
  *d++ = '"';
  if (!PutIso8601Millis(d, t)) {
    BeginString();
    AppendIso8601Millis(out_, t);
    EndString();
    return;
  }
  d += kIso8601MillisSize;
  *d++ = '"';
  out_.append(text, static_cast<size_t>(d - text));
  need_comma_ = true;
}

void JsonWriter::BeginString() {
  Separate();
  out_.push_back('"');
}

void JsonWriter::StringPiece(std::string_view s) { AppendEscaped(out_, s); }

void JsonWriter::TimestampPiece(core::Millis t) { AppendIso8601Millis(out_, t); }

void JsonWriter::EndString() {
  out_.push_back('"');
  need_comma_ = true;
}

void JsonWriter::Raw(std::string_view json) { Literal(json); }

void JsonWriter::Literal(std::string_view text) {
  if (need_comma_ && text.size() < 16) {
    char with_comma[16];  // `null`, `true`, `false` and other short values in one append
    with_comma[0] = ',';
    std::memcpy(with_comma + 1, text.data(), text.size());
    out_.append(with_comma, text.size() + 1);
  } else {
    Separate();
    out_.append(text);
  }
  need_comma_ = true;
}

void JsonWriter::Open(char c) {
  const char text[2] = {',', c};
  out_.append(need_comma_ ? text : text + 1, need_comma_ ? 2 : 1);
  need_comma_ = false;
}

}  // namespace backbeat::http::dto
