#include "backbeat/http/dto/query_decoder.hpp"

#include <boost/url/parse_query.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/uuid.hpp"
#include "backbeat/http/dto/cursor.hpp"
#include "backbeat/http/dto/no_throw.hpp"

namespace backbeat::http::dto {
namespace {

using core::InvalidField;
using core::Result;
using core::Status;

constexpr std::string_view kRunStatusList =
    "QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED, CANCELED, CRASHED, "
    "INTERRUPTED, SYSTEM_FAILURE";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Characters RFC 3986 allows in a query as they are (unreserved, sub-delims, ':', '@', '/',
// '?'); '%' is handled apart.
bool IsQueryChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/?").find(c) != std::string_view::npos;
}

// Escapes what a browser's URLSearchParams would take literally but Boost.URL's strict grammar
// refuses, so that parsing cannot fail and a stray '%' stays a '%'.
std::string NormalizeQuery(std::string_view query) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(query.size());
  for (size_t i = 0; i < query.size(); ++i) {
    char c = query[i];
    bool escape_ok = c == '%' && i + 2 < query.size() && IsHex(query[i + 1]) && IsHex(query[i + 2]);
    if (IsQueryChar(c) || escape_ok) {
      out += c;
    } else {
      auto byte = static_cast<uint8_t>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

// Decoded parameters in arrival order; Get answers the first of a name.
class QueryParams {
 public:
  static Result<QueryParams> Parse(std::string_view query) {
    if (!query.empty() && query.front() == '?') query.remove_prefix(1);
    QueryParams params;
    if (query.empty()) return params;
    std::string normalized = NormalizeQuery(query);
    auto parsed = boost::urls::parse_query(normalized);
    if (!parsed) return core::InvalidArgument("Invalid query string");  // unreachable
    boost::urls::encoding_opts plus_is_space(/*space_as_plus=*/true);
    for (auto param : *parsed) {
      params.pairs_.emplace_back(param.key.decode(plus_is_space),
                                 param.has_value ? param.value.decode(plus_is_space) : "");
    }
    return params;
  }

  const std::string* Get(std::string_view name) const {
    for (const auto& [key, value] : pairs_) {
      if (key == name) return &value;
    }
    return nullptr;
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

Status ReadUuid(const QueryParams& params, std::string_view name, std::optional<std::string>& out) {
  const std::string* value = params.Get(name);
  if (value == nullptr) return Status::Ok();
  if (!core::IsValidUuid(*value)) {
    return InvalidField(std::string(name), std::string(name) + " must be a valid UUID");
  }
  out = core::CanonicalUuid(*value);
  return Status::Ok();
}

Status ReadBool(const QueryParams& params, std::string_view name, std::optional<bool>& out) {
  const std::string* value = params.Get(name);
  if (value == nullptr) return Status::Ok();
  if (*value == "true" || *value == "1") {
    out = true;
  } else if (*value == "false" || *value == "0") {
    out = false;
  } else {
    return InvalidField(std::string(name), std::string(name) + " must be true or false");
  }
  return Status::Ok();
}

// JavaScript's Number() on decimal text, which is what the original's z.coerce.number() does:
// blanks around are ignored and blank text is 0. Hex, "Infinity" and the like are NaN here.
double JsNumber(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\n\v\f\r";
  size_t first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return 0;
  text = text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  // from_chars would also take "inf"/"nan"; JavaScript wants a digit or a point first.
  if (text.empty() ||
      !(std::isdigit(static_cast<unsigned char>(text.front())) || text.front() == '.')) {
    return std::nan("");
  }
  if (text.front() == '.' &&
      (text.size() == 1 || !std::isdigit(static_cast<unsigned char>(text[1])))) {
    return std::nan("");
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return std::nan("");
  if (ec == std::errc::result_out_of_range) {
    // Valid decimal syntax out of double's range: strtod rounds it the way JavaScript does (to
    // infinity or zero). Safe now that hex and "inf" are ruled out.
    value = std::strtod(std::string(text).c_str(), nullptr);
  } else if (ec != std::errc()) {
    return std::nan("");
  }
  return negative ? -value : value;
}

Status ReadLimit(const QueryParams& params, size_t max, size_t& out) {
  const std::string* text = params.Get("limit");
  if (text == nullptr) return Status::Ok();
  double value = JsNumber(*text);
  if (std::isnan(value)) {
    return InvalidField("limit", "Invalid input: expected number, received NaN");
  }
  if (std::isfinite(value) && value != std::trunc(value)) {
    return InvalidField("limit", "Invalid input: expected int, received number");
  }
  if (value < 1) return InvalidField("limit", "Too small: expected number to be >=1");
  if (value > static_cast<double>(max)) {
    return InvalidField("limit", "Too big: expected number to be <=" + std::to_string(max));
  }
  out = static_cast<size_t>(value);
  return Status::Ok();
}

Status ReadCursor(const QueryParams& params, std::optional<std::string>& out) {
  const std::string* text = params.Get("cursor");
  if (text == nullptr) return Status::Ok();
  if (auto cursor = DecodeCursor(*text); !cursor.ok()) return cursor.status();
  out = *text;
  return Status::Ok();
}

}  // namespace

Result<service::ListTasksInput> DecodeListTasksQuery(std::string_view query) {
  return NoThrow("query", [&]() -> Result<service::ListTasksInput> {
    auto params = QueryParams::Parse(query);
    if (!params.ok()) return params.status();
    service::ListTasksInput in;
    if (Status s = ReadUuid(*params, "id", in.id); !s.ok()) return s;
    if (Status s = ReadUuid(*params, "account_id", in.account_id); !s.ok()) return s;
    if (Status s = ReadUuid(*params, "artist_account_id", in.artist_account_id); !s.ok()) return s;
    if (Status s = ReadBool(*params, "enabled", in.enabled); !s.ok()) return s;
    if (Status s = ReadLimit(*params, kMaxTaskPageSize, in.limit); !s.ok()) return s;
    if (Status s = ReadCursor(*params, in.cursor); !s.ok()) return s;
    return in;
  });
}

Result<service::ListRunsInput> DecodeListRunsQuery(std::string_view query) {
  return NoThrow("query", [&]() -> Result<service::ListRunsInput> {
    auto params = QueryParams::Parse(query);
    if (!params.ok()) return params.status();
    service::ListRunsInput in;
    if (const std::string* run_id = params->Get("runId")) {
      if (run_id->empty()) return InvalidField("runId", "runId must be a non-empty string");
      in.run_id = *run_id;
    }
    if (Status s = ReadUuid(*params, "account_id", in.account_id); !s.ok()) return s;
    if (Status s = ReadUuid(*params, "task_id", in.task_id); !s.ok()) return s;
    if (const std::string* status = params->Get("status")) {
      in.status = core::ParseRunStatus(*status);
      if (!in.status) {
        return InvalidField("status", "status must be one of " + std::string(kRunStatusList));
      }
    }
    if (Status s = ReadLimit(*params, kMaxRunPageSize, in.limit); !s.ok()) return s;
    if (Status s = ReadCursor(*params, in.cursor); !s.ok()) return s;
    return in;
  });
}

}  // namespace backbeat::http::dto
