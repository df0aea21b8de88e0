#include "backbeat/http/dto/request_decoder.hpp"

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <exception>
#include <limits>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include "backbeat/core/task/task.hpp"
#include "backbeat/core/task/uuid.hpp"
#include "backbeat/http/dto/no_throw.hpp"

namespace backbeat::http::dto {
namespace {

namespace json = boost::json;
using core::InvalidField;
using core::Result;
using core::Status;

constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();

// Keys each body may hold, in declaration order (API.md section 4).
constexpr std::array<std::string_view, 13> kCreateKeys = {"title",
                                                          "prompt",
                                                          "schedule",
                                                          "artist_account_id",
                                                          "account_id",
                                                          "model",
                                                          "timezone",
                                                          "enabled",
                                                          "overlap",
                                                          "catchup",
                                                          "catchup_window_seconds",
                                                          "max_attempts",
                                                          "timeout_seconds"};
constexpr std::array<std::string_view, 14> kUpdateKeys = {"id",
                                                          "title",
                                                          "prompt",
                                                          "schedule",
                                                          "artist_account_id",
                                                          "account_id",
                                                          "model",
                                                          "timezone",
                                                          "enabled",
                                                          "overlap",
                                                          "catchup",
                                                          "catchup_window_seconds",
                                                          "max_attempts",
                                                          "timeout_seconds"};
constexpr std::array<std::string_view, 2> kDeleteKeys = {"id", "account_id"};
constexpr std::array<std::string_view, 3> kTriggerKeys = {"id", "idempotency_key", "account_id"};
constexpr std::array<std::string_view, 1> kRunActionKeys = {"runId"};

// Whether a required field is absent-is-an-error (create) or absent-means-unchanged (PATCH).
enum class Presence { kRequired, kOptional };

// The type names of zod's messages.
std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "unknown";
}

Status TypeError(std::string_view key, std::string_view expected, std::string_view received) {
  return InvalidField(std::string(key), "Invalid input: expected " + std::string(expected) +
                                            ", received " + std::string(received));
}

// JavaScript's `length`: UTF-16 code units of valid UTF-8 (Boost.JSON rejects invalid UTF-8).
size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    auto byte = static_cast<uint8_t>(c);
    if ((byte & 0xC0) != 0x80) ++n;  // a lead byte starts a code point
    if (byte >= 0xF0) ++n;           // outside the BMP: a surrogate pair
  }
  return n;
}

Result<json::object> ParseObject(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, {}, options);
  if (ec) return core::InvalidArgument("Invalid JSON body");
  if (!value.is_object()) {
    return core::InvalidArgument("Invalid input: expected object, received " +
                                 std::string(KindName(value)));
  }
  return std::move(value.as_object());
}

const json::value* Find(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->value();
}

// A string field. Required: absent is a type error (`received undefined`) and "" is
// `<key> parameter is required`. Optional: absent leaves `out` alone and "" is
// `<key> must be a non-empty string`.
Status ReadString(const json::object& obj, std::string_view key, Presence presence,
                  size_t max_length, std::optional<std::string>& out) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) {
    if (presence == Presence::kRequired) return TypeError(key, "string", "undefined");
    return Status::Ok();
  }
  if (!v->is_string()) return TypeError(key, "string", KindName(*v));
  std::string_view s = v->get_string();
  if (s.empty()) {
    return InvalidField(std::string(key), std::string(key) + (presence == Presence::kRequired
                                                                  ? " parameter is required"
                                                                  : " must be a non-empty string"));
  }
  if (max_length != kNoLimit && Utf16Length(s) > max_length) {
    return InvalidField(std::string(key), "Too big: expected string to have <=" +
                                              std::to_string(max_length) + " characters");
  }
  out = std::string(s);
  return Status::Ok();
}

Status ReadUuid(const json::object& obj, std::string_view key, Presence presence,
                std::optional<std::string>& out) {
  if (Status s = ReadString(obj, key, presence, kNoLimit, out); !s.ok()) return s;
  if (!out) return Status::Ok();
  if (!core::IsValidUuid(*out)) {
    return InvalidField(std::string(key), std::string(key) + " must be a valid UUID");
  }
  *out = core::CanonicalUuid(*out);
  return Status::Ok();
}

Status ReadSchedule(const json::object& obj, Presence presence,
                    const core::cron::ParseOptions& options, std::optional<std::string>& out) {
  if (Status s = ReadString(obj, "schedule", presence, kNoLimit, out); !s.ok()) return s;
  if (!out) return Status::Ok();
  auto parsed = core::cron::CronExpression::Parse(*out, options);
  if (!parsed.ok()) {
    return InvalidField("schedule",
                        "schedule is not a valid cron expression: " + parsed.status().message());
  }
  return Status::Ok();
}

// `model` is the one field that may be null: nullopt inside means the server default.
Status ReadModel(const json::object& obj, std::optional<std::optional<std::string>>& out) {
  const json::value* v = Find(obj, "model");
  if (v == nullptr) return Status::Ok();
  if (v->is_null()) {
    out.emplace(std::nullopt);
    return Status::Ok();
  }
  std::optional<std::string> model;
  if (Status s = ReadString(obj, "model", Presence::kOptional, kMaxModelLength, model); !s.ok()) {
    return s;
  }
  out.emplace(std::move(model));
  return Status::Ok();
}

Status ReadTimezone(const json::object& obj, const core::ZoneLookup& zones,
                    std::optional<std::string>& out) {
  if (Status s = ReadString(obj, "timezone", Presence::kOptional, kNoLimit, out); !s.ok()) {
    return s;
  }
  if (!out) return Status::Ok();
  auto zone = zones.Find(*out);
  if (!zone.ok()) return InvalidField("timezone", "timezone must be a valid IANA time zone");
  *out = (*zone)->name();
  return Status::Ok();
}

Status ReadBool(const json::object& obj, std::string_view key, std::optional<bool>& out) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_bool()) return TypeError(key, "boolean", KindName(*v));
  out = v->get_bool();
  return Status::Ok();
}

// zod's enum check: one message for a wrong type and for an unknown value.
template <typename Enum>
Status ReadEnum(const json::object& obj, std::string_view key,
                std::optional<Enum> (*parse)(std::string_view), std::string_view allowed,
                std::optional<Enum>& out) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  std::optional<Enum> parsed;
  if (v->is_string()) parsed = parse(v->get_string());
  if (!parsed) {
    return InvalidField(std::string(key),
                        "Invalid option: expected one of " + std::string(allowed));
  }
  out = parsed;
  return Status::Ok();
}

// An integer in [min, max]. JSON numbers are JavaScript numbers: 3.0 and 1e3 are integers.
Status ReadInteger(const json::object& obj, std::string_view key, int64_t min, int64_t max,
                   std::optional<int64_t>& out) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  auto too_small = [&] {
    return InvalidField(std::string(key),
                        "Too small: expected number to be >=" + std::to_string(min));
  };
  auto too_big = [&] {
    return InvalidField(std::string(key),
                        "Too big: expected number to be <=" + std::to_string(max));
  };
  switch (v->kind()) {
    case json::kind::int64: {
      int64_t x = v->get_int64();
      if (x < min) return too_small();
      if (x > max) return too_big();
      out = x;
      return Status::Ok();
    }
    case json::kind::uint64:
      // Boost.JSON only uses uint64 above INT64_MAX.
      return too_big();
    case json::kind::double_: {
      double d = v->get_double();
      if (std::isinf(d)) return d > 0 ? too_big() : too_small();
      if (d != std::trunc(d)) return TypeError(key, "int", "number");
      if (d < static_cast<double>(min)) return too_small();
      if (d > static_cast<double>(max)) return too_big();
      out = static_cast<int64_t>(d);
      return Status::Ok();
    }
    default:
      return TypeError(key, "number", KindName(*v));
  }
}

std::string QuotedList(std::span<const std::string_view> keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += '"';
    out += key;
    out += '"';
  }
  return out;
}

// Checked last, only once every declared field is fine.
Status CheckKnownKeys(const json::object& obj, std::span<const std::string_view> known) {
  std::vector<std::string_view> unknown;
  for (const auto& entry : obj) {
    std::string_view key = entry.key();
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) unknown.push_back(key);
  }
  if (unknown.empty()) return Status::Ok();
  return core::InvalidArgument(
      std::string(unknown.size() == 1 ? "Unrecognized key: " : "Unrecognized keys: ") +
      QuotedList(unknown));
}

// The create fields in declaration order into PATCH's all-optional shape; `presence` says
// whether title, prompt, schedule and artist_account_id are required.
Status DecodeTaskFields(const json::object& obj, const DecodeContext& ctx, Presence presence,
                        service::UpdateTaskInput& out) {
  std::optional<int64_t> max_attempts;
  std::optional<int64_t> timeout_seconds;
  if (Status s = ReadString(obj, "title", presence, kMaxTitleLength, out.title); !s.ok()) return s;
  if (Status s = ReadString(obj, "prompt", presence, kMaxPromptLength, out.prompt); !s.ok()) {
    return s;
  }
  if (Status s = ReadSchedule(obj, presence, ctx.cron_options, out.schedule); !s.ok()) return s;
  if (Status s = ReadUuid(obj, "artist_account_id", presence, out.artist_account_id); !s.ok()) {
    return s;
  }
  if (Status s = ReadUuid(obj, "account_id", Presence::kOptional, out.account_id); !s.ok()) {
    return s;
  }
  if (Status s = ReadModel(obj, out.model); !s.ok()) return s;
  if (Status s = ReadTimezone(obj, ctx.zones, out.timezone); !s.ok()) return s;
  if (Status s = ReadBool(obj, "enabled", out.enabled); !s.ok()) return s;
  if (Status s =
          ReadEnum(obj, "overlap", &core::ParseOverlap, R"("skip"|"allow"|"queue")", out.overlap);
      !s.ok()) {
    return s;
  }
  if (Status s =
          ReadEnum(obj, "catchup", &core::ParseCatchup, R"("latest"|"all"|"none")", out.catchup);
      !s.ok()) {
    return s;
  }
  if (Status s = ReadInteger(obj, "catchup_window_seconds", 0, core::kMaxCatchupWindowSeconds,
                             out.catchup_window_seconds);
      !s.ok()) {
    return s;
  }
  if (Status s = ReadInteger(obj, "max_attempts", 1, core::kMaxMaxAttempts, max_attempts);
      !s.ok()) {
    return s;
  }
  if (Status s = ReadInteger(obj, "timeout_seconds", 1, core::kMaxTimeoutSeconds, timeout_seconds);
      !s.ok()) {
    return s;
  }
  if (max_attempts) out.max_attempts = static_cast<int>(*max_attempts);
  if (timeout_seconds) out.timeout_seconds = static_cast<int>(*timeout_seconds);
  return Status::Ok();
}

}  // namespace

Result<service::CreateTaskInput> DecodeCreateTask(std::string_view body, const DecodeContext& ctx) {
  return NoThrow("request", [&]() -> Result<service::CreateTaskInput> {
    auto obj = ParseObject(body);
    if (!obj.ok()) return obj.status();
    service::UpdateTaskInput fields;
    if (Status s = DecodeTaskFields(*obj, ctx, Presence::kRequired, fields); !s.ok()) return s;
    if (Status s = CheckKnownKeys(*obj, kCreateKeys); !s.ok()) return s;
    service::CreateTaskInput in;
    in.title = std::move(*fields.title);
    in.prompt = std::move(*fields.prompt);
    in.schedule = std::move(*fields.schedule);
    in.artist_account_id = std::move(*fields.artist_account_id);
    in.account_id = std::move(fields.account_id);
    if (fields.model) in.model = std::move(*fields.model);
    if (fields.timezone) in.timezone = std::move(*fields.timezone);
    if (fields.enabled) in.enabled = *fields.enabled;
    if (fields.overlap) in.overlap = *fields.overlap;
    if (fields.catchup) in.catchup = *fields.catchup;
    if (fields.catchup_window_seconds) in.catchup_window_seconds = *fields.catchup_window_seconds;
    if (fields.max_attempts) in.max_attempts = *fields.max_attempts;
    if (fields.timeout_seconds) in.timeout_seconds = *fields.timeout_seconds;
    return in;
  });
}

Result<service::UpdateTaskInput> DecodeUpdateTask(std::string_view body, const DecodeContext& ctx) {
  return NoThrow("request", [&]() -> Result<service::UpdateTaskInput> {
    auto obj = ParseObject(body);
    if (!obj.ok()) return obj.status();
    std::optional<std::string> id;
    if (Status s = ReadUuid(*obj, "id", Presence::kRequired, id); !s.ok()) return s;
    service::UpdateTaskInput in;
    if (Status s = DecodeTaskFields(*obj, ctx, Presence::kOptional, in); !s.ok()) return s;
    if (Status s = CheckKnownKeys(*obj, kUpdateKeys); !s.ok()) return s;
    in.id = std::move(*id);
    return in;
  });
}

Result<service::DeleteTaskInput> DecodeDeleteTask(std::string_view body) {
  return NoThrow("request", [&]() -> Result<service::DeleteTaskInput> {
    auto obj = ParseObject(body);
    if (!obj.ok()) return obj.status();
    std::optional<std::string> id;
    std::optional<std::string> account_id;
    if (Status s = ReadUuid(*obj, "id", Presence::kRequired, id); !s.ok()) return s;
    if (Status s = ReadUuid(*obj, "account_id", Presence::kOptional, account_id); !s.ok()) {
      return s;
    }
    if (Status s = CheckKnownKeys(*obj, kDeleteKeys); !s.ok()) return s;
    return service::DeleteTaskInput{std::move(*id), std::move(account_id)};
  });
}

Result<TriggerTaskRequest> DecodeTrigger(std::string_view body) {
  return NoThrow("request", [&]() -> Result<TriggerTaskRequest> {
    auto obj = ParseObject(body);
    if (!obj.ok()) return obj.status();
    std::optional<std::string> id;
    TriggerTaskRequest in;
    if (Status s = ReadUuid(*obj, "id", Presence::kRequired, id); !s.ok()) return s;
    if (Status s = ReadString(*obj, "idempotency_key", Presence::kOptional,
                              kMaxIdempotencyKeyLength, in.idempotency_key);
        !s.ok()) {
      return s;
    }
    if (Status s = ReadUuid(*obj, "account_id", Presence::kOptional, in.account_id); !s.ok()) {
      return s;
    }
    if (Status s = CheckKnownKeys(*obj, kTriggerKeys); !s.ok()) return s;
    in.id = std::move(*id);
    return in;
  });
}

Result<RunActionRequest> DecodeRunAction(std::string_view body) {
  return NoThrow("request", [&]() -> Result<RunActionRequest> {
    auto obj = ParseObject(body);
    if (!obj.ok()) return obj.status();
    std::optional<std::string> run_id;
    if (Status s = ReadString(*obj, "runId", Presence::kRequired, kNoLimit, run_id); !s.ok()) {
      return s;
    }
    if (Status s = CheckKnownKeys(*obj, kRunActionKeys); !s.ok()) return s;
    return RunActionRequest{std::move(*run_id)};
  });
}

}  // namespace backbeat::http::dto
