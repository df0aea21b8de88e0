#include "backbeat/executors/payload.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::executors {
namespace {

namespace json = boost::json;

json::value StringOrNull(std::string_view s) {
  if (s.empty()) return nullptr;
  return json::string(s);
}

}  // namespace

std::string EffectiveModel(const core::Task& task, std::string_view default_model) {
  if (task.model && !task.model->empty()) return *task.model;
  return std::string(default_model);
}

std::string_view EffectiveSchedule(const ExecutionRequest& request) {
  if (!request.run.schedule_expression.empty()) return request.run.schedule_expression;
  return request.task.schedule;
}

std::string_view EffectiveTimezone(const ExecutionRequest& request) {
  if (!request.run.schedule_expression.empty() && !request.run.timezone.empty()) {
    return request.run.timezone;
  }
  return request.task.timezone;
}

std::string SlotText(const core::Run& run) {
  if (!run.slot) return {};
  return core::FormatIso8601Millis(
      std::chrono::time_point_cast<std::chrono::milliseconds>(*run.slot));
}

std::vector<ChatMessage> RenderMessages(const ExecutionRequest& request) {
  const core::Task& task = request.task;
  std::string context = "You are running a scheduled task on backbeat for an artist.\n";
  context += "Artist account: " + task.artist_account_id + "\n";
  context += "Account: " + task.account_id;
  if (!request.account_email.empty()) context += " (" + request.account_email + ")";
  context += "\n";
  context += "Task: \"" + task.title + "\" (" + task.id + ")\n";
  context += "Schedule: " + std::string(EffectiveSchedule(request)) + " (" +
             std::string(EffectiveTimezone(request)) + ")\n";
  const std::string slot = SlotText(request.run);
  context += "Run: " + request.run.id + ", attempt " + std::to_string(request.attempt) + ", " +
             (slot.empty() ? std::string("triggered manually") : "scheduled for " + slot);
  return {ChatMessage{.role = "system", .content = std::move(context)},
          ChatMessage{.role = "user", .content = task.prompt}};
}

json::array MessagesToJson(const std::vector<ChatMessage>& messages) {
  json::array out;
  for (const ChatMessage& m : messages) {
    out.push_back(json::object{{"role", m.role}, {"content", m.content}});
  }
  return out;
}

json::object BuildRunPayload(const ExecutionRequest& request, std::string_view default_model) {
  const core::Task& task = request.task;
  const core::Run& run = request.run;
  json::object payload;
  payload["event"] = "run.attempt";
  payload["run"] = json::object{
      {"id", run.id},
      {"attempt", request.attempt},
      {"slot", StringOrNull(SlotText(run))},
      {"idempotency_key", run.idempotency_key ? json::value(*run.idempotency_key) : nullptr},
      {"is_test", run.is_test},
  };
  payload["task"] = json::object{
      {"id", task.id},
      {"title", task.title},
      {"prompt", task.prompt},
      {"schedule", EffectiveSchedule(request)},
      {"timezone", EffectiveTimezone(request)},
      {"model", task.model ? json::value(*task.model) : nullptr},
  };
  payload["account"] = json::object{
      {"id", task.account_id},
      {"email", StringOrNull(request.account_email)},
  };
  payload["artist_account_id"] = task.artist_account_id;
  payload["model"] = StringOrNull(EffectiveModel(task, default_model));
  payload["messages"] = MessagesToJson(RenderMessages(request));
  payload["timeout_ms"] = request.timeout.count();
  return payload;
}

}  // namespace backbeat::executors
