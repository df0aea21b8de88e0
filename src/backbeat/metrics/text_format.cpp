#include "backbeat/metrics/text_format.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace backbeat::metrics {
namespace {

// ASCII only: <cctype> would depend on the locale.
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

template <typename Value>
void AppendSampleImpl(std::string& out, std::string_view name, std::string_view suffix,
                      std::string_view labels, Value value) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  AppendValue(out, value);
  out += '\n';
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsLetter(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsLetter(c) || c == '_' || (i > 0 && IsDigit(c));
    if (!ok) return false;
  }
  return true;
}

void AppendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  // Every integral double below 2^63 converts to int64_t exactly, so it prints without an
  // exponent; the shortest general form would print 1000000 as "1e+06".
  constexpr double kTwoTo63 = 9223372036854775808.0;
  // The longest shortest form, "-2.2250738585072014e-308", is 24 characters.
  std::array<char, 32> buffer;
  char* const first = buffer.data();
  char* const last = first + buffer.size();
  std::to_chars_result result;
  if (std::trunc(value) == value && std::fabs(value) < kTwoTo63) {
    result = std::to_chars(first, last, static_cast<int64_t>(value));
  } else {
    result = std::to_chars(first, last, value, std::chars_format::general);
  }
  out.append(first, result.ptr);
}

void AppendValue(std::string& out, uint64_t value) {
  std::array<char, 24> buffer;  // 2^64 - 1 has 20 digits
  std::to_chars_result result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendHelpAndType(std::string& out, std::string_view name, std::string_view help,
                       std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscapedHelp(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, double value) {
  AppendSampleImpl(out, name, suffix, labels, value);
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, uint64_t value) {
  AppendSampleImpl(out, name, suffix, labels, value);
}

}  // namespace backbeat::metrics
