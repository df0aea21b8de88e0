#include "backbeat/storage/sqlite/attempts_codec.hpp"

#include <boost/json.hpp>
#include <optional>

namespace backbeat::storage::sqlite::codec {
namespace {

namespace json = boost::json;

int64_t ToMs(core::Millis t) { return t.time_since_epoch().count(); }
core::Millis FromMs(int64_t ms) { return core::Millis{std::chrono::milliseconds{ms}}; }

json::value OptMs(const std::optional<core::Millis>& t) {
  if (!t) return nullptr;
  return ToMs(*t);
}

// The fields are written by this file or by migration 4 only; anything else is corruption.
core::Result<std::string> Text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return core::Internal("stored attempt lacks " + std::string(key));
  return std::string(v->get_string());
}

core::Result<std::optional<core::Millis>> Ms(const json::object& o, std::string_view key,
                                             bool required) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return std::optional<core::Millis>{FromMs(v->get_int64())};
  if (!required && (!v || v->is_null())) return std::optional<core::Millis>{};
  return core::Internal("stored attempt has a bad " + std::string(key));
}

}  // namespace

std::string EncodeAttempts(const std::vector<core::RunAttempt>& attempts) {
  json::array out;
  out.reserve(attempts.size());
  for (const core::RunAttempt& a : attempts) {
    json::object o;
    o["id"] = a.id;
    o["status"] = a.status;
    o["created_at_ms"] = ToMs(a.created_at);
    o["updated_at_ms"] = ToMs(a.updated_at);
    o["started_at_ms"] = OptMs(a.started_at);
    o["completed_at_ms"] = OptMs(a.completed_at);
    if (a.error) {
      o["error"] = json::object{{"message", a.error->message},
                                {"name", a.error->name},
                                {"stack_trace", a.error->stack_trace}};
    } else {
      o["error"] = nullptr;
    }
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

core::Result<std::vector<core::RunAttempt>> DecodeAttempts(std::string_view text) {
  json::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_array()) return core::Internal("stored attempts are not a JSON array");
  std::vector<core::RunAttempt> out;
  out.reserve(doc.get_array().size());
  for (const json::value& item : doc.get_array()) {
    if (!item.is_object()) return core::Internal("stored attempt is not a JSON object");
    const json::object& o = item.get_object();
    core::RunAttempt a;
    core::Result<std::string> id = Text(o, "id");
    if (!id.ok()) return id.status();
    a.id = std::move(id).value();
    core::Result<std::string> status = Text(o, "status");
    if (!status.ok()) return status.status();
    a.status = std::move(status).value();
    core::Result<std::optional<core::Millis>> created = Ms(o, "created_at_ms", true);
    if (!created.ok()) return created.status();
    a.created_at = **created;
    core::Result<std::optional<core::Millis>> updated = Ms(o, "updated_at_ms", true);
    if (!updated.ok()) return updated.status();
    a.updated_at = **updated;
    core::Result<std::optional<core::Millis>> started = Ms(o, "started_at_ms", false);
    if (!started.ok()) return started.status();
    a.started_at = *started;
    core::Result<std::optional<core::Millis>> completed = Ms(o, "completed_at_ms", false);
    if (!completed.ok()) return completed.status();
    a.completed_at = *completed;
    if (const json::value* e = o.if_contains("error"); e && !e->is_null()) {
      if (!e->is_object()) return core::Internal("stored attempt error is not an object");
      const json::object& eo = e->get_object();
      core::Result<std::string> message = Text(eo, "message");
      core::Result<std::string> name = Text(eo, "name");
      core::Result<std::string> stack = Text(eo, "stack_trace");
      if (!message.ok() || !name.ok() || !stack.ok()) {
        return core::Internal("stored attempt error lacks a field");
      }
      a.error = core::RunError{std::move(message).value(), std::move(name).value(),
                               std::move(stack).value()};
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace backbeat::storage::sqlite::codec
