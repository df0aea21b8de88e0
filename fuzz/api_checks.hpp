#pragma once

// What the API fuzz targets (http_request, task_json, query, zone_name) check in common: the
// result type, a collector for the first broken invariant, the API.md error envelope, and text
// helpers. Header-only, like the other *_checks.hpp, so that the libFuzzer build (clang, no
// gtest) and the corpus replay test can both include it without a library.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "backbeat/core/status.hpp"

namespace backbeat::fuzz {

// The outcome of checking one input: `ok` is false when an invariant broke, and `diagnostic`
// then says which, on what.
struct CheckResult {
  bool ok = true;
  std::string diagnostic;
};

// Collects the first broken invariant; later failures are usually consequences of it.
// `context` (the input or the request being checked) prefixes the diagnostic.
class Expectations {
 public:
  explicit Expectations(std::string context = {}) : context_(std::move(context)) {}

  void SetContext(std::string context) { context_ = std::move(context); }

  void Expect(bool condition, std::string_view what) {
    if (condition || !result_.ok) return;
    result_.ok = false;
    result_.diagnostic = context_.empty() ? std::string(what) : context_ + ": " + std::string(what);
  }
  // For diagnostics that are costly to build: `describe` runs only on failure.
  template <typename Describe>
  void ExpectThat(bool condition, Describe&& describe) {
    if (condition || !result_.ok) return;
    Expect(false, describe());
  }

  bool ok() const { return result_.ok; }
  const CheckResult& result() const { return result_; }

 private:
  std::string context_;
  CheckResult result_;
};

// `bytes` readable in a diagnostic: printable ASCII as is, the rest as \xNN, at most `limit`
// bytes shown.
inline std::string Show(std::string_view bytes, size_t limit = 160) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += bytes.size() > limit ? "\"..." : "\"";
  return out;
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), the
// only text a JSON document may carry.
inline bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Parses JSON text into `out` without exceptions; false if it is not JSON.
inline bool ParseJson(std::string_view text, boost::json::value& out) {
  boost::system::error_code ec;
  out = boost::json::parse(text, ec);
  return !ec;
}

// API.md section 1: an error body is exactly {"status":"error","error":m,"message":m} with one
// non-empty message in both keys, plus "missing_fields" (an array of at most one path) on every
// 400 and on no other status. `fields_allowed`, if given, says whether a field path is one the
// endpoint knows.
template <typename FieldAllowed>
void CheckErrorBody(std::string_view body, int status, Expectations& check,
                    FieldAllowed&& field_allowed) {
  boost::json::value parsed;
  check.ExpectThat(ParseJson(body, parsed),
                   [&] { return "error body is not JSON: " + Show(body); });
  if (!check.ok()) return;
  check.ExpectThat(parsed.is_object(),
                   [&] { return "error body is not an object: " + Show(body); });
  if (!check.ok()) return;
  const boost::json::object& obj = parsed.as_object();
  const boost::json::value* s = obj.if_contains("status");
  const boost::json::value* error = obj.if_contains("error");
  const boost::json::value* message = obj.if_contains("message");
  const boost::json::value* fields = obj.if_contains("missing_fields");
  check.ExpectThat(s != nullptr && s->is_string() && s->get_string() == "error",
                   [&] { return "error body's status is not \"error\": " + Show(body); });
  check.ExpectThat(error != nullptr && error->is_string() && !error->get_string().empty(),
                   [&] { return "error body has no non-empty \"error\": " + Show(body); });
  check.ExpectThat(message != nullptr && error != nullptr && *message == *error,
                   [&] { return "error body's error and message differ: " + Show(body); });
  check.ExpectThat(obj.size() == (fields != nullptr ? 4u : 3u),
                   [&] { return "error body has keys beyond the envelope: " + Show(body); });
  check.ExpectThat((fields != nullptr) == (status == 400), [&] {
    return "missing_fields is " + std::string(fields ? "present" : "absent") + " on a " +
           std::to_string(status) + ": " + Show(body);
  });
  if (fields == nullptr || !check.ok()) return;
  check.ExpectThat(fields->is_array() && fields->get_array().size() <= 1, [&] {
    return "missing_fields is not a list of at most one path: " + Show(body);
  });
  if (!check.ok() || fields->get_array().empty()) return;
  const boost::json::value& field = fields->get_array().front();
  check.ExpectThat(field.is_string() && field_allowed(std::string_view(field.get_string())),
                   [&] { return "missing_fields names an unknown field: " + Show(body); });
}

inline void CheckErrorBody(std::string_view body, int status, Expectations& check) {
  CheckErrorBody(body, status, check, [](std::string_view) { return true; });
}

}  // namespace backbeat::fuzz
