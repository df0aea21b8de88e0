#include "backbeat/http/dto/response_encoder.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/http/dto/request_decoder.hpp"

#ifndef BACKBEAT_VERSION
#define BACKBEAT_VERSION "0.0.0"
#endif

namespace backbeat::http::dto {
namespace {

namespace json = boost::json;

json::string Str(std::string_view s) { return {s}; }

json::value Timestamp(core::Millis t) { return Str(core::FormatIso8601Millis(t)); }

json::value Timestamp(core::Instant t) {
  return Timestamp(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
}

json::value OptionalTimestamp(const std::optional<core::Millis>& t) {
  if (!t) return nullptr;
  return Timestamp(*t);
}

// Whole numbers print as integers: Boost.JSON writes every double in exponent form ("0E0").
json::value Number(double d) {
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= kMaxExact) {
    return static_cast<int64_t>(d);
  }
  if (!std::isfinite(d)) return nullptr;  // JSON has no infinity
  return d;
}

// Stored JSON documents (payload, output); null if the text is not JSON, which would be a bug
// upstream but must not break the response.
json::value ParseStored(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) return nullptr;
  return value;
}

json::value ErrorObject(const std::optional<core::RunError>& error) {
  if (!error) return nullptr;
  return json::object{{"message", Str(error->message)},
                      {"name", Str(error->name)},
                      {"stackTrace", Str(error->stack_trace)}};
}

json::object RunListObject(const core::Run& run) {
  json::object o;
  o["id"] = Str(run.id);
  o["status"] = Str(core::RunStatusName(run.status));
  o["taskIdentifier"] = Str(kTaskIdentifier);
  if (run.idempotency_key) {
    o["idempotencyKey"] = Str(*run.idempotency_key);
  } else if (run.slot) {
    o["idempotencyKey"] = Str(SlotIdempotencyKey(run.task_id, *run.slot));
  } else {
    o["idempotencyKey"] = nullptr;
  }
  o["version"] = BACKBEAT_VERSION;
  o["isTest"] = run.is_test;
  o["createdAt"] = Timestamp(run.created_at);
  o["updatedAt"] = Timestamp(run.updated_at);
  o["startedAt"] = OptionalTimestamp(run.started_at);
  o["finishedAt"] = OptionalTimestamp(run.finished_at);
  o["delayedUntil"] = OptionalTimestamp(run.delayed_until);
  // Trigger.dev's duration syntax ("3600s"), as its SDK accepts and shows it.
  if (run.ttl_seconds) {
    o["ttl"] = Str(std::to_string(*run.ttl_seconds) + "s");
  } else {
    o["ttl"] = nullptr;
  }
  o["expiredAt"] = OptionalTimestamp(run.expired_at);
  o["tags"] = json::array{Str("account:" + run.account_id), Str("task:" + run.task_id),
                          Str("artist:" + run.artist_account_id)};
  o["metadata"] = json::object{};
  o["costInCents"] = Number(run.cost_in_cents);
  o["baseCostInCents"] = Number(run.base_cost_in_cents);
  o["durationMs"] = run.duration_ms;
  o["env"] = json::object{{"id", Str(kEnvId)}, {"name", Str(kEnvName)}, {"user", nullptr}};
  o["depth"] = 0;
  o["batchId"] = nullptr;
  o["triggerFunction"] = "trigger";
  return o;
}

// The English description of a stored schedule (the expression itself if it no longer parses).
// Stored expressions were validated when written; seconds are allowed here so that a server
// that has since disabled them can still describe old tasks and runs.
std::string DescribeSchedule(const std::string& expression) {
  auto parsed = core::cron::CronExpression::Parse(expression,
                                                  core::cron::ParseOptions{.allow_seconds = true});
  return parsed.ok() ? parsed->Describe() : expression;
}

// Only scheduled runs have a schedule; trigger-now runs show null, as Trigger.dev does for
// runs not started by a schedule.
json::value ScheduleObject(const core::Run& run) {
  if (!run.slot || run.schedule_expression.empty()) return nullptr;
  core::Task owner;
  owner.id = run.task_id;
  owner.enabled = true;
  return json::object{
      {"id", Str(core::TriggerScheduleId(owner).value_or(""))},
      {"generator", json::object{{"type", "CRON"},
                                 {"expression", Str(run.schedule_expression)},
                                 {"description", Str(DescribeSchedule(run.schedule_expression))}}}};
}

json::object RunDetailObject(const core::Run& run) {
  json::object o = RunListObject(run);
  o["payload"] = ParseStored(run.payload_json);
  o["output"] = run.output_json ? ParseStored(*run.output_json) : json::value(nullptr);
  o["error"] = ErrorObject(run.error);
  json::array attempts;
  for (const core::RunAttempt& a : run.attempts) {
    attempts.push_back(json::object{{"id", Str(a.id)},
                                    {"status", Str(a.status)},
                                    {"createdAt", Timestamp(a.created_at)},
                                    {"updatedAt", Timestamp(a.updated_at)},
                                    {"startedAt", OptionalTimestamp(a.started_at)},
                                    {"completedAt", OptionalTimestamp(a.completed_at)},
                                    {"error", ErrorObject(a.error)}});
  }
  o["attempts"] = std::move(attempts);
  o["schedule"] = ScheduleObject(run);
  o["relatedRuns"] =
      json::object{{"root", nullptr}, {"parent", nullptr}, {"children", json::array{}}};
  return o;
}

json::object TaskObject(const TaskView& view) {
  const core::Task& t = view.task;
  json::object o;
  o["id"] = Str(t.id);
  o["title"] = Str(t.title);
  o["prompt"] = Str(t.prompt);
  o["schedule"] = Str(t.schedule);
  o["timezone"] = Str(t.timezone);
  o["account_id"] = Str(t.account_id);
  o["artist_account_id"] = Str(t.artist_account_id);
  o["enabled"] = t.enabled;
  o["model"] = t.model ? json::value(Str(*t.model)) : json::value(nullptr);
  auto schedule_id = core::TriggerScheduleId(t);
  o["trigger_schedule_id"] = schedule_id ? json::value(Str(*schedule_id)) : json::value(nullptr);
  o["created_at"] = Timestamp(t.created_at);
  o["updated_at"] = Timestamp(t.updated_at);
  json::array runs;
  for (const core::Run& run : view.recent_runs) runs.push_back(RunListObject(run));
  o["recent_runs"] = std::move(runs);
  // API.md: [] while disabled, whatever the caller computed.
  json::array upcoming;
  if (t.enabled) {
    for (core::Instant at : view.upcoming) upcoming.push_back(Timestamp(at));
  }
  o["upcoming"] = std::move(upcoming);
  o["owner_email"] = view.owner_email ? json::value(Str(*view.owner_email)) : json::value(nullptr);
  o["overlap"] = Str(core::OverlapName(t.overlap));
  o["catchup"] = Str(core::CatchupName(t.catchup));
  o["catchup_window_seconds"] = t.catchup_window_seconds;
  o["max_attempts"] = t.max_attempts;
  o["timeout_seconds"] = t.timeout_seconds;
  // Extension: the schedule in English, from the same describer as run schedules, so clients
  // (the dashboard) show the server's reading of the expression instead of their own.
  o["schedule_description"] = Str(DescribeSchedule(t.schedule));
  return o;
}

json::value Cursor(const std::optional<std::string>& next_cursor) {
  if (!next_cursor) return nullptr;
  return Str(*next_cursor);
}

std::string TasksBody(std::span<const TaskView> tasks, const std::optional<std::string>* cursor) {
  json::array list;
  for (const TaskView& view : tasks) list.push_back(TaskObject(view));
  json::object body{{"status", "success"}, {"tasks", std::move(list)}};
  if (cursor != nullptr) body["next_cursor"] = Cursor(*cursor);
  return json::serialize(body);
}

std::string RunsBody(std::span<const core::Run> runs, RunForm form,
                     const std::optional<std::string>* cursor) {
  json::array list;
  for (const core::Run& run : runs) {
    list.push_back(form == RunForm::kDetail ? RunDetailObject(run) : RunListObject(run));
  }
  json::object body{{"status", "success"}, {"runs", std::move(list)}};
  if (cursor != nullptr) body["next_cursor"] = Cursor(*cursor);
  return json::serialize(body);
}

}  // namespace

std::string SlotIdempotencyKey(std::string_view task_id, core::Instant slot) {
  return std::string(task_id) + ":" +
         core::FormatIso8601Millis(std::chrono::time_point_cast<std::chrono::milliseconds>(slot));
}

std::string EncodeTasks(std::span<const TaskView> tasks,
                        const std::optional<std::string>& next_cursor) {
  return TasksBody(tasks, &next_cursor);
}

std::string EncodeTasks(std::span<const TaskView> tasks) { return TasksBody(tasks, nullptr); }

std::string EncodeRuns(std::span<const core::Run> runs,
                       const std::optional<std::string>& next_cursor) {
  return RunsBody(runs, RunForm::kList, &next_cursor);
}

std::string EncodeRuns(std::span<const core::Run> runs, RunForm form) {
  return RunsBody(runs, form, nullptr);
}

std::string EncodeError(const core::Status& status) {
  json::object body{
      {"status", "error"}, {"error", Str(status.message())}, {"message", Str(status.message())}};
  if (status.code() == core::ErrorCode::kInvalidArgument) {
    json::array fields;
    if (!status.field().empty()) fields.push_back(Str(status.field()));
    body["missing_fields"] = std::move(fields);
  }
  return json::serialize(body);
}

std::string EncodeSuccess() { return R"({"status":"success"})"; }

}  // namespace backbeat::http::dto
